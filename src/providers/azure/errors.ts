import { PcfError, messageOf } from "../../core/errors.js";
import { blobOperationOfRequest } from "./operations.js";

/**
 * The one place that reads Azure SDK errors: a `RestError` (its `code` is the service's
 * `x-ms-error-code`, or a Node socket code; its `request` says which call failed) or an
 * `@azure/identity` error. Every failure becomes one line that says what to fix.
 */

/** Errors `@azure/identity` throws when no credential of the chain could give a token. */
const CREDENTIAL_ERRORS = new Set([
  "CredentialUnavailableError",
  "AggregateAuthenticationError",
  "AuthenticationError",
]);

/** Codes of a request that got no HTTP answer. */
const NO_ANSWER_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "REQUEST_SEND_ERROR",
]);

/** The service's error code (`ContainerNotFound`) or the socket's (`ECONNREFUSED`), if any. */
export function azureErrorCode(error: unknown): string | undefined {
  const code = isObject(error) ? error["code"] : undefined;
  return typeof code === "string" && code !== "" ? code : undefined;
}

/** The HTTP status of the failed call's answer, if one came. */
export function azureHttpStatus(error: unknown): number | undefined {
  const status = isObject(error) ? error["statusCode"] : undefined;
  return typeof status === "number" ? status : undefined;
}

/** The failed request's URL, if the error carries it. */
function requestUrl(error: unknown): URL | undefined {
  const request = isObject(error) ? error["request"] : undefined;
  const url = isObject(request) ? request["url"] : undefined;
  return typeof url === "string" && URL.canParse(url) ? new URL(url) : undefined;
}

/** The Blob operation (`CreateContainer`) a failed call was, from its request. */
export function operationOfError(error: unknown): string | undefined {
  const request = isObject(error) ? error["request"] : undefined;
  const url = requestUrl(error);
  const method = isObject(request) ? request["method"] : undefined;
  return url === undefined || typeof method !== "string"
    ? undefined
    : blobOperationOfRequest(method, url);
}

/** True when no credential of `DefaultAzureCredential`'s chain could give a token. */
export function isCredentialError(error: unknown): boolean {
  return isObject(error) && CREDENTIAL_ERRORS.has(String(error["name"]));
}

/** True for a request that got no HTTP answer (refused, reset, timed out). */
export function isNoAnswer(error: unknown): boolean {
  const code = azureErrorCode(error);
  return azureHttpStatus(error) === undefined && code !== undefined && NO_ANSWER_CODES.has(code);
}

/** True when the call ended because its abort signal fired. */
export function isAbort(error: unknown): boolean {
  return isObject(error) && error["name"] === "AbortError";
}

/** A failed Azure call, as the framework reports it: the SDK error is the `cause`. */
export class AzureCallError extends PcfError {
  /** The service's or the socket's error code, e.g. `ContainerBeingDeleted`. */
  readonly azureCode: string | undefined;
  /** The HTTP status of the answer, if one came back. */
  readonly httpStatus: number | undefined;

  constructor(error: unknown, particle: string, action: string) {
    super(
      "TRANSITION_FAILED",
      `${action} failed: ${reasonOf(error)}`,
      { particle },
      { cause: error },
    );
    this.azureCode = azureErrorCode(error);
    this.httpStatus = azureHttpStatus(error);
  }
}

/**
 * The framework's error for a failed Azure call: `TRANSITION_FAILED` naming the particle and the
 * action (`delete blob logs`), one line, with the SDK error as `cause`. An abort becomes
 * `ABORTED`, and a `PcfError` passes through unchanged.
 */
export function wrapAzureError(error: unknown, particle: string, action: string): PcfError {
  if (error instanceof PcfError) return error;
  if (isAbort(error))
    return new PcfError("ABORTED", `${action}: aborted`, { particle }, { cause: error });
  return new AzureCallError(error, particle, action);
}

/** What went wrong, on one line, with what to fix where the error tells. */
function reasonOf(error: unknown): string {
  if (isCredentialError(error))
    return (
      "no Azure credentials: DefaultAzureCredential found none (sign in with `az login`, or set " +
      "AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, AZURE_STORAGE_CONNECTION_STRING, " +
      "or providerOptions.azure.connectionString or accountKey)"
    );
  const code = azureErrorCode(error);
  const url = requestUrl(error);
  const status = azureHttpStatus(error);
  if (code === "ENOTFOUND")
    return `no such host ${url?.host ?? ""} (ENOTFOUND): check the storage account name or the endpoint (--azure-endpoint, providerOptions.azure.endpoint)`;
  if (isNoAnswer(error))
    return `cannot reach ${url?.origin ?? "the endpoint"} (${code}): check the endpoint (--azure-endpoint, providerOptions.azure.endpoint) and the network`;
  if (code === "AuthenticationFailed" || code === "AuthorizationFailure")
    return `${code}: the storage account refused the credentials (check the account name, its key or the connection string)`;
  if (code === "AuthorizationPermissionMismatch")
    return `${code}: the credential's role does not allow this call (grant Storage Blob Data Contributor on the account)`;
  if (code === "ResourceNotFound" && operationOfError(error) === "ListContainers")
    return `no such storage account at ${url?.origin ?? ""}${url?.pathname.replace(/\/$/, "") ?? ""} (ResourceNotFound)`;
  const detail = firstLine(messageOf(error));
  const prefix = code ?? (status === undefined ? undefined : `HTTP ${status}`);
  return prefix === undefined || detail.startsWith(prefix) ? detail : `${prefix}: ${detail}`;
}

/** Azure messages end with `RequestId:…` and `Time:…` lines: the first says it. */
function firstLine(message: string): string {
  return message.split("\n")[0]?.trim() ?? "";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
