import type { RunContext } from "../../../core/run-context.js";
import type { BackoffOptions } from "../../../core/wait.js";
import { gcpCall } from "../call.js";
import type { ComputeClients, IOperation } from "./client.js";

/**
 * Compute Engine's zone operations: every change to an instance answers an `Operation`, done
 * once its status is `DONE`, failed when it then carries `error.errors`.
 */

/** Where an operation runs, and who waits for it (for the run's `wait.poll` events). */
export interface OperationScope {
  readonly project: string;
  readonly zone: string;
  /** The waiting particle's id. */
  readonly particle: string;
  readonly backoff: BackoffOptions;
}

/** A zone operation that ended with errors, read as Google's error body (see `gcpErrorInfo`). */
export class OperationError extends Error {
  /** The operation's HTTP error status (`httpErrorStatusCode`), when it has one. */
  readonly status: number | undefined;
  /** Its errors, their `code` as the reason (`RESOURCE_NOT_READY`). */
  readonly errors: readonly { readonly reason: string; readonly message: string }[];

  constructor(operation: IOperation) {
    const errors = (operation.error?.errors ?? []).map((entry) => ({
      reason: entry.code ?? "UNKNOWN",
      message: entry.message ?? "",
    }));
    super(
      `operation ${operation.name ?? ""} (${operation.operationType ?? ""}) failed: ` +
        (errors.map((entry) => `${entry.reason}: ${entry.message}`).join("; ") ||
          (operation.httpErrorMessage ?? "no detail")),
    );
    this.name = "OperationError";
    this.status = operation.httpErrorStatusCode ?? undefined;
    this.errors = errors;
  }
}

/**
 * Sends `call` (the REST method `operation`, a change) and waits, through the run's waiter, until
 * the operation it answers is `DONE`: each poll is a `zoneOperations.wait`, which Compute
 * answers once the operation is done or after a while.
 * @throws OperationError when the operation ended with errors.
 */
export async function changeAndWait(
  clients: ComputeClients,
  scope: OperationScope,
  context: RunContext,
  operation: string,
  call: () => Promise<readonly [{ readonly latestResponse: unknown }, ...unknown[]]>,
): Promise<IOperation> {
  const [answer] = await gcpCall(operation, context.signal, call);
  const name = operationName(answer.latestResponse);
  const done = await context.waitFor<IOperation>(
    async () => {
      const [current] = await gcpCall("zoneOperations.wait", context.signal, () =>
        clients.operations.wait(
          { project: scope.project, zone: scope.zone, operation: name },
          clients.callOptions,
        ),
      );
      return current.status === "DONE"
        ? { done: true as const, value: current }
        : { done: false as const };
    },
    { ...scope.backoff, particle: scope.particle, description: `${operation} ${name} to be done` },
  );
  if ((done.error?.errors ?? []).length > 0) throw new OperationError(done);
  return done;
}

/** The name of the operation a change answered (the SDK types it loosely: a compute `Operation`). */
function operationName(response: unknown): string {
  const name =
    typeof response === "object" && response !== null
      ? (response as { readonly name?: unknown }).name
      : undefined;
  if (typeof name !== "string" || name === "")
    throw new Error("the change answered no zone operation name");
  return name;
}
