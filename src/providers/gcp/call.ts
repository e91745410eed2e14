import type { CallFailure } from "../kit/calls.js";
import type { ErrorClass, OperationErrors } from "../kit/facts.js";
import { connectionCode, gcpErrorInfo, isAbort, isThrottled } from "./errors.js";

/**
 * GCP calls, named by their REST method (`buckets.insert`, `instances.stop`) and classified per
 * operation: every call a flavor makes goes through {@link gcpCall}, which stamps a failure with
 * the operation, so that the kit asks "is this a not-found of `buckets.delete`?" of the flavor's
 * `operationErrors` table, whose codes are Google's reasons (`notFound`) or HTTP statuses (`404`).
 */

const operations = new WeakMap<object, string>();

/**
 * Runs `call`, the REST method `operation`, within the run's `signal`: refused once it is
 * aborted, and its failure stamped with `operation` (see {@link gcpCallFailure}).
 */
export async function gcpCall<T>(
  operation: string,
  signal: AbortSignal,
  call: () => Promise<T>,
): Promise<T> {
  signal.throwIfAborted();
  try {
    return await call();
  } catch (error) {
    if (typeof error === "object" && error !== null && !operations.has(error))
      operations.set(error, operation);
    throw error;
  }
}

/** The REST method a failure of {@link gcpCall} came from. */
export function operationOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? operations.get(error) : undefined;
}

/**
 * How a failed GCP call is to be handled: `throttled`; the class the flavor's `table` gives its
 * reason or status for its operation; `answerLost` when it may have run without its answer
 * arriving (no answer, a 5xx); otherwise `undefined` (an abort included).
 */
export function gcpCallFailure(error: unknown, table: OperationErrors): CallFailure {
  if (isAbort(error)) return undefined;
  const info = gcpErrorInfo(error);
  if (isThrottled(info)) return "throttled";
  const codes = [info.reason, info.status === undefined ? undefined : String(info.status)];
  const classes = table[operationOf(error) ?? ""] ?? {};
  const listed = (Object.keys(classes) as ErrorClass[]).find((kind) =>
    codes.some((code) => code !== undefined && (classes[kind] ?? []).includes(code)),
  );
  if (listed !== undefined) return listed;
  if (info.status === undefined ? connectionCode(error) !== undefined : info.status >= 500)
    return "answerLost";
  return undefined;
}
