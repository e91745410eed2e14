import type { InitializeMiddleware, MetadataBearer } from "@smithy/types";
import type { CallFailure } from "../kit/calls.js";
import type { ErrorClass, OperationErrors } from "../kit/facts.js";
import {
  awsErrorCode,
  awsHttpStatus,
  isAbort,
  isConnectionError,
  isThrottled,
  isTransientCode,
} from "./errors.js";

/**
 * Errors classified per operation. Every client of the run stamps each error it throws with the
 * operation that failed (`CreateLogGroup`), so the kit can ask "is this a not-found of
 * DeleteLogGroup?" without flavors naming operations: the flavor's `operationErrors` table says
 * which codes that operation returns for each class.
 */

const operations = new WeakMap<object, string>();

/** The operation an SDK error came from (`DeleteLogGroup`), when a run's client threw it. */
export function operationOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? operations.get(error) : undefined;
}

/** The middleware that stamps errors with their operation (see {@link operationOf}). @internal */
export const stampOperation: InitializeMiddleware<object, MetadataBearer> =
  (next, handlerContext) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (typeof error === "object" && error !== null && !operations.has(error))
        operations.set(error, (handlerContext.commandName ?? "").replace(/Command$/, ""));
      throw error;
    }
  };

/**
 * How a failed AWS call is to be handled: `throttled`; the class `table` gives its code for its
 * operation (`notFound`, `alreadyExists`, `inUse`, `wrongState`, `invalid`); `answerLost` when
 * the call may have run without its answer arriving (no answer, a 5xx, a transient code);
 * otherwise `undefined` (an abort included).
 */
export function awsCallFailure(error: unknown, table: OperationErrors): CallFailure {
  if (isAbort(error)) return undefined;
  if (isThrottled(error)) return "throttled";
  const code = awsErrorCode(error);
  const classes = table[operationOf(error) ?? ""] ?? {};
  const listed = (Object.keys(classes) as ErrorClass[]).find(
    (kind) => code !== undefined && (classes[kind] ?? []).includes(code),
  );
  if (listed !== undefined) return listed;
  const status = awsHttpStatus(error);
  if (isConnectionError(error) || (status !== undefined && status >= 500) || isTransientCode(code))
    return "answerLost";
  return undefined;
}
