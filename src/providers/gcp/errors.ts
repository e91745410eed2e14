import { PcfError, messageOf } from "../../core/errors.js";

/**
 * The one place that reads the GCP SDKs' errors: `@google-cloud/storage`'s `ApiError`
 * (`code`, `errors[].reason`) and `@google-cloud/compute`'s `GaxiosError` (`status`, the
 * JSON error body as its message), whose bodies have Google's shape
 * `{ error: { code, message, errors: [{ reason }], status } }`.
 */

/** What a failed call says, as far as the provider reads it. */
export interface GcpErrorInfo {
  /** The HTTP status, when an answer came back. */
  readonly status: number | undefined;
  /** The first `errors[].reason` (`notFound`, `conflict`, `conditionNotMet`). */
  readonly reason: string | undefined;
  /** Google's message, else the error's own. */
  readonly message: string;
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Reads `error` (see {@link GcpErrorInfo}). */
export function gcpErrorInfo(error: unknown): GcpErrorInfo {
  const body = googleErrorBody(error);
  const record = isObject(error) ? error : {};
  const status =
    numberField(body, "code") ??
    numberField(record, "status") ??
    numberField(record, "code") ??
    numberField(isObject(record["response"]) ? record["response"] : {}, "status");
  const errors = Array.isArray(body["errors"])
    ? body["errors"]
    : Array.isArray(record["errors"])
      ? record["errors"]
      : [];
  const first: unknown = errors[0];
  const reason = isObject(first) ? stringField(first, "reason") : undefined;
  return { status, reason, message: stringField(body, "message") ?? messageOf(error) };
}

/** The connection failure behind `error` (`ECONNREFUSED`), if it is one: no answer came back. */
export function connectionCode(error: unknown): string | undefined {
  for (let cause: unknown = error, depth = 0; isObject(cause) && depth < 5; depth += 1) {
    const code = stringField(cause, "code") ?? stringField(cause, "errno");
    if (code !== undefined && CONNECTION_CODES.has(code)) return code;
    const message = stringField(cause, "message") ?? "";
    const named = [...CONNECTION_CODES].find((known) => message.includes(known));
    if (named !== undefined) return named;
    if (/socket hang up|other side closed/i.test(message)) return "ECONNRESET";
    cause = cause["cause"];
  }
  return undefined;
}

/** True for an abort of the run (its signal), however the SDK reported it. */
export function isAbort(error: unknown): boolean {
  return isObject(error) && (error["name"] === "AbortError" || error instanceof DOMException);
}

/** True for throttling: 429, or a rate-limit reason. */
export function isThrottled(info: GcpErrorInfo): boolean {
  return (
    info.status === 429 ||
    info.reason === "rateLimitExceeded" ||
    info.reason === "userRateLimitExceeded"
  );
}

/** True for a credential failure: none found, or refused (401). */
export function isCredentialFailure(error: unknown, info: GcpErrorInfo): boolean {
  return info.status === 401 || /Could not load the default credentials/i.test(messageOf(error));
}

/**
 * The framework's error for a failed GCP call `action` (`delete bucket logs`):
 * `TRANSITION_FAILED` naming the particles, with one line that says what to fix for the
 * provider's own settings (no credentials, an unknown project, an unreachable endpoint), and the
 * SDK error as `cause`. An abort becomes `ABORTED`; a `PcfError` passes through unchanged.
 */
export function wrapGcpError(
  error: unknown,
  particles: string,
  action: string,
  where: { readonly project: string; readonly endpoint: string },
): PcfError {
  if (error instanceof PcfError) return error;
  if (isAbort(error))
    return new PcfError("ABORTED", `${action}: aborted`, { particle: particles }, { cause: error });
  return new PcfError(
    "TRANSITION_FAILED",
    `${action} failed: ${reasonOf(error, where)}`,
    { particle: particles },
    { cause: error },
  );
}

/** The one-line reason of a failure, naming the setting to fix where it is the provider's. */
function reasonOf(error: unknown, where: { project: string; endpoint: string }): string {
  const info = gcpErrorInfo(error);
  const connection = connectionCode(error);
  if (connection !== undefined && info.status === undefined)
    return (
      `cannot reach the GCP endpoint ${where.endpoint} (${connection}): check ` +
      "providerOptions.gcp.storageEndpoint / computeEndpoint, STORAGE_EMULATOR_HOST and the network"
    );
  if (isCredentialFailure(error, info))
    return (
      "no usable GCP credentials (Application Default Credentials): set " +
      "GOOGLE_APPLICATION_CREDENTIALS, run `gcloud auth application-default login`, or pass " +
      `providerOptions.gcp.authClient (${oneLine(info.message)})`
    );
  if (isUnknownProject(info, where.project))
    return (
      `GCP project "${where.project}" does not exist or these credentials cannot see it: check ` +
      "custom_config.project, providerOptions.gcp.projectId and GOOGLE_CLOUD_PROJECT " +
      `(${oneLine(info.message)})`
    );
  const code = [info.status, info.reason].filter((part) => part !== undefined).join(" ");
  return code === "" ? oneLine(info.message) : `${code}: ${oneLine(info.message)}`;
}

function isUnknownProject(info: GcpErrorInfo, project: string): boolean {
  return (
    info.message.includes(`Unknown project id: ${project}`) ||
    info.message.includes(`The resource 'projects/${project}' was not found`)
  );
}

/** Google's error body in `error`: its `response.data`, or its message when that is the JSON. */
function googleErrorBody(error: unknown): Record<string, unknown> {
  if (!isObject(error)) return {};
  const response = isObject(error["response"]) ? error["response"] : {};
  const candidates: unknown[] = [response["data"], stringField(error, "message")];
  for (const candidate of candidates) {
    const parsed = typeof candidate === "string" ? parseJson(candidate) : candidate;
    if (isObject(parsed) && isObject(parsed["error"])) return parsed["error"];
  }
  return {};
}

function parseJson(text: string): unknown {
  if (!text.trimStart().startsWith("{")) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function stringField(value: Record<string, unknown>, key: string): string | undefined {
  const field = value[key];
  return typeof field === "string" && field !== "" ? field : undefined;
}

function numberField(value: Record<string, unknown>, key: string): number | undefined {
  const field = value[key];
  return typeof field === "number" && Number.isInteger(field) && field >= 100 ? field : undefined;
}
