import type { CallFailure } from "../kit/calls.js";
import type { ErrorClass, OperationErrors } from "../kit/facts.js";
import {
  azureErrorCode,
  azureHttpStatus,
  isAbort,
  isCredentialError,
  isNoAnswer,
  operationOfError,
} from "./errors.js";

/** Codes Blob Storage answers when it refuses to run a call now. */
const THROTTLING_CODES = new Set(["ServerBusy"]);

/**
 * How a failed Azure call is to be handled: `throttled` (HTTP 429, or 503 `ServerBusy`); the
 * class `table` gives its code for its operation (read from the failed request:
 * `CreateContainer`); `answerLost` when the call may have run without its answer arriving (no
 * answer, a 5xx); otherwise `undefined` (an abort and a credential failure included).
 */
export function azureCallFailure(error: unknown, table: OperationErrors): CallFailure {
  if (isAbort(error) || isCredentialError(error)) return undefined;
  const code = azureErrorCode(error);
  const status = azureHttpStatus(error);
  if (status === 429 || (code !== undefined && THROTTLING_CODES.has(code))) return "throttled";
  const classes = table[operationOfError(error) ?? ""] ?? {};
  const listed = (Object.keys(classes) as ErrorClass[]).find(
    (kind) => code !== undefined && (classes[kind] ?? []).includes(code),
  );
  if (listed !== undefined) return listed;
  if (isNoAnswer(error) || (status !== undefined && status >= 500)) return "answerLost";
  return undefined;
}
