import type { RunContext } from "../../core/run-context.js";
import type { CreateFailure } from "./create-once.js";
import type { ErrorClass } from "./facts.js";

/**
 * The types of a declared flavor's calls (see `DeclaredResource`): how a failed call is
 * classified, and the updaters of its in-place fields.
 */

/** How a failed call is classified: one of {@link ErrorClass}, `answerLost`, or unknown. */
export type CallFailure = ErrorClass | "answerLost" | undefined;

/**
 * Changes one in-place field of the live resource to the desired value: `(client, live, desired,
 * context)`. The kit calls it when that field differs, in {@link DeclaredResource.inPlaceFields} order.
 */
export type FieldUpdater<D, L, C> = (
  client: C,
  live: L,
  desired: D,
  context: RunContext,
) => Promise<unknown>;

/** The updaters of a flavor's in-place fields, by field. */
export type FieldUpdaters<D, L, C> = Readonly<Partial<Record<string, FieldUpdater<D, L, C>>>>;

/** How `createOnce` treats a create that failed as `failure`. */
export function createFailureOf(failure: CallFailure): CreateFailure {
  if (failure === "throttled") return "throttled";
  if (failure === "alreadyExists") return "already-exists";
  if (failure === "answerLost") return "answer-lost";
  return "fatal";
}
