import { PcfError, messageOf } from "../../core/errors.js";
import { IncompleteAnswerError } from "../kit/create-once.js";

/**
 * The one place that reads AWS SDK errors. Flavors ask these questions instead of comparing
 * `err.name` themselves, so a service that spells an error differently is fixed here once.
 */

const NOT_FOUND_CODES = new Set([
  "NotFound",
  "NoSuchBucket",
  "NoSuchEntity",
  "NoSuchKey",
  "QueueDoesNotExist",
  "AWS.SimpleQueueService.NonExistentQueue",
  "ResourceNotFoundException",
  "ResourceNotFound",
  "NotFoundException",
  "InvalidInstanceID.NotFound",
  "InvalidVpcID.NotFound",
  "InvalidSubnetID.NotFound",
  "InvalidGroup.NotFound",
  "InvalidGroupId.NotFound",
  "InvalidVolume.NotFound",
  "InvalidSnapshot.NotFound",
  "InvalidAMIID.NotFound",
  "InvalidInternetGatewayID.NotFound",
  "InvalidRouteTableID.NotFound",
  "InvalidKeyPair.NotFound",
  "InvalidAllocationID.NotFound",
  "NatGatewayNotFound",
  "LoadBalancerNotFound",
  "TargetGroupNotFound",
  "DBInstanceNotFound",
  "DBInstanceNotFoundFault",
  "RepositoryNotFoundException",
  "ClusterNotFoundException",
  "FileSystemNotFound",
  "NoSuchHostedZone",
  "NoSuchDistribution",
  "NotFoundFault",
]);

const THROTTLING_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "PriorRequestNotComplete",
]);

const CONFLICT_CODES = new Set([
  "ConflictException",
  "ResourceConflictException",
  "ResourceInUseException",
  "ResourceInUse",
  "OperationAbortedException",
  "OperationAborted",
  "BucketAlreadyExists",
  "BucketAlreadyOwnedByYou",
  "BucketNotEmpty",
  "EntityAlreadyExists",
  "AlreadyExistsException",
  "ResourceAlreadyExistsException",
  "QueueNameExists",
  "QueueAlreadyExists",
  "QueueDeletedRecently",
  "AWS.SimpleQueueService.QueueDeletedRecently",
  "DependencyViolation",
  "DeleteConflict",
  "IncorrectState",
  "IncorrectInstanceState",
  "InvalidGroup.Duplicate",
  "InvalidPermission.Duplicate",
  "InvalidSubnet.Conflict",
  "VolumeInUse",
  "KMSInvalidStateException",
]);

const TRANSIENT_CODES = new Set([
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "InternalError",
  "ServiceUnavailable",
]);

/** The AWS error code of an SDK error (`NoSuchBucket`, `InvalidInstanceID.NotFound`), if it has one. */
export function awsErrorCode(error: unknown): string | undefined {
  if (!isObject(error)) return undefined;
  const name = stringField(error, "name");
  return name === undefined || name === "Error" ? stringField(error, "Code") : name;
}

/** The HTTP status of an SDK error's response, if it got one. */
export function awsHttpStatus(error: unknown): number | undefined {
  if (!isObject(error)) return undefined;
  const metadata = error["$metadata"];
  const status = isObject(metadata) ? metadata["httpStatusCode"] : undefined;
  return typeof status === "number" ? status : undefined;
}

/** True when the error says the resource does not exist (any service's spelling, or an HTTP 404). */
export function isNotFound(error: unknown): boolean {
  if (isNoTagSet(error)) return false;
  const codes = errorCodes(error);
  return (
    codes.some((code) => NOT_FOUND_CODES.has(code) || code.endsWith(".NotFound")) ||
    awsHttpStatus(error) === 404
  );
}

/** True when a resource exists but has no tags at all (S3 answers `NoSuchTagSet`, a 404). */
export function isNoTagSet(error: unknown): boolean {
  return errorCodes(error).some((code) => code === "NoSuchTagSet" || code === "NoSuchTagSetError");
}

/** True when the service throttled the call. */
export function isThrottled(error: unknown): boolean {
  if (errorCodes(error).some((code) => THROTTLING_CODES.has(code)) || awsHttpStatus(error) === 429)
    return true;
  const retryable = isObject(error) ? error["$retryable"] : undefined;
  return isObject(retryable) && retryable["throttling"] === true;
}

/** True when the call clashed with the resource's current state or another writer (HTTP 409 and kin). */
export function isConflict(error: unknown): boolean {
  return errorCodes(error).some((code) => CONFLICT_CODES.has(code)) || awsHttpStatus(error) === 409;
}

/** True when a conditional write found its condition false (S3 `If-Match` / `If-None-Match`: HTTP 412). */
export function isPreconditionFailed(error: unknown): boolean {
  return (
    errorCodes(error).some((code) => code === "PreconditionFailed") || awsHttpStatus(error) === 412
  );
}

/** True when trying the same call again later may succeed: throttling, timeouts, server faults. */
export function isRetryable(error: unknown): boolean {
  const status = awsHttpStatus(error);
  const retryable = isObject(error) ? error["$retryable"] : undefined;
  return (
    isThrottled(error) ||
    isObject(retryable) ||
    (status !== undefined && status >= 500) ||
    errorCodes(error).some((code) => TRANSIENT_CODES.has(code))
  );
}

/**
 * Why a call that failed after the SDK's attempts may be sent again from the retry budget:
 * `throttled`, `server-error` (a 5xx), `incomplete-answer` (empty, HTML or unparsable, see
 * `checkAnswers`) or `no-answer` (a dropped connection); `undefined` for anything else: a
 * service's refusal (4xx), an abort, or a request timeout (already retried by the SDK, each
 * attempt as long as `requestTimeoutMs`).
 */
export function retryReason(error: unknown): string | undefined {
  if (isAbort(error) || (isRequestTimeout(error) && !isDroppedConnection(error))) return undefined;
  if (error instanceof IncompleteAnswerError) return "incomplete-answer";
  if (isThrottled(error)) return "throttled";
  const status = awsHttpStatus(error);
  if (status !== undefined && status >= 500) return "server-error";
  return isConnectionError(error) ? "no-answer" : undefined;
}

/**
 * True when the connection was closed or refused without an answer. The SDK names such an error
 * `TimeoutError` too; its `code` (`ECONNRESET`, `EPIPE`, `ECONNREFUSED`) tells it from a timeout.
 */
function isDroppedConnection(error: unknown): boolean {
  const code = isObject(error) ? error["code"] : undefined;
  return typeof code === "string" && ["ECONNRESET", "EPIPE", "ECONNREFUSED"].includes(code);
}

/** True for a request that got no HTTP answer: a reset, refused or timed-out connection. */
export function isConnectionError(error: unknown): boolean {
  if (!isObject(error) || awsHttpStatus(error) !== undefined) return false;
  const code = error["code"];
  return (
    (typeof code === "string" && /^E[A-Z_]+$/.test(code)) ||
    (error instanceof Error && /socket hang up/i.test(error.message)) ||
    isRequestTimeout(error)
  );
}

/**
 * True when the call got no answer within the client's request or connection timeout
 * (`providerOptions.aws.requestTimeoutMs`, `connectionTimeoutMs`), on every attempt.
 */
export function isRequestTimeout(error: unknown): boolean {
  return (
    isObject(error) &&
    (error["name"] === "TimeoutError" || error["code"] === "ETIMEDOUT") &&
    awsHttpStatus(error) === undefined
  );
}

/** True for a code that says the call failed on the way, not in the service (`RequestTimeout`). */
export function isTransientCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** True when the call ended because its abort signal fired. */
export function isAbort(error: unknown): boolean {
  return isObject(error) && error["name"] === "AbortError";
}

/** A failed AWS call, as the framework reports it: the SDK error is the `cause`. */
export class AwsCallError extends PcfError {
  /** The AWS error code, e.g. `BucketNotEmpty`. */
  readonly awsCode: string | undefined;
  /** The HTTP status of the response, if one came back. */
  readonly httpStatus: number | undefined;
  /** Whether the same call may succeed later (throttling, timeouts, server faults). */
  readonly isRetryable: boolean;
  /** Whether the service throttled the call. */
  readonly isThrottling: boolean;

  constructor(error: unknown, particle: string, action: string) {
    const code = awsErrorCode(error);
    const detail = messageOf(error);
    const reason = isRequestTimeout(error)
      ? `no answer within the request timeout${attemptsOf(error)} (--request-timeout, providerOptions.aws.requestTimeoutMs): ${detail}`
      : code === undefined || detail.startsWith(code)
        ? detail
        : `${code}: ${detail}`;
    super("TRANSITION_FAILED", `${action} failed: ${reason}`, { particle }, { cause: error });
    this.awsCode = code;
    this.httpStatus = awsHttpStatus(error);
    this.isRetryable = isRetryable(error);
    this.isThrottling = isThrottled(error);
  }
}

/**
 * The framework's error for a failed SDK call: `TRANSITION_FAILED` naming the particle and the
 * action (`delete bucket logs`), with the SDK error as `cause`. An abort becomes `ABORTED`, and a
 * `PcfError` passes through unchanged.
 */
export function wrapAwsError(error: unknown, particleId: string, action: string): PcfError {
  if (error instanceof PcfError) return error;
  if (isAbort(error))
    return new PcfError(
      "ABORTED",
      `${action}: aborted`,
      { particle: particleId },
      { cause: error },
    );
  return new AwsCallError(error, particleId, action);
}

/** `, 3 attempts` from the SDK's metadata, or nothing. */
function attemptsOf(error: unknown): string {
  const metadata = isObject(error) ? error["$metadata"] : undefined;
  const attempts = isObject(metadata) ? metadata["attempts"] : undefined;
  return typeof attempts === "number" && attempts > 1 ? `, ${attempts} attempts` : "";
}

function errorCodes(error: unknown): string[] {
  if (!isObject(error)) return [];
  return [stringField(error, "name"), stringField(error, "Code")].filter(
    (code): code is string => code !== undefined,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function stringField(value: Record<string, unknown>, key: string): string | undefined {
  const field = value[key];
  return typeof field === "string" && field !== "" ? field : undefined;
}
