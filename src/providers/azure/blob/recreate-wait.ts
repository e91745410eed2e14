import { setTimeout as sleepFor } from "node:timers/promises";
import { backoffDelayMs } from "../../../core/wait.js";
import { azureErrorCode } from "../errors.js";

/**
 * Azure keeps a deleted container's name for a while (about 30 s, longer for big containers):
 * creating it again meanwhile fails with 409 `ContainerBeingDeleted`. The create did not run, so
 * it is sent again after a backoff until the name is free or the wait is over.
 */

/** Options of {@link whileBeingDeleted}. */
export interface RecreateWaitOptions {
  /** Most ms to keep trying. */
  readonly waitMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Told before each new attempt: the one that failed and the delay. */
  readonly onRetry?: (attempt: number, nextDelayMs: number) => void;
  /** Random source in [0, 1) for jitter; injected by tests. */
  readonly random?: () => number;
}

/** Delay before the first new attempt, in ms; each later one doubles, with jitter. */
const MIN_DELAY_MS = 500;
/** Longest delay between two attempts, in ms. */
const MAX_DELAY_MS = 8_000;

/**
 * Runs `create`, again after each `ContainerBeingDeleted` while `waitMs` lasts.
 * @throws the last failure of `create`: any other failure at once, that one when time is up.
 */
export async function whileBeingDeleted<T>(
  create: () => Promise<T>,
  options: RecreateWaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await create();
    } catch (error) {
      if (azureErrorCode(error) !== "ContainerBeingDeleted") throw error;
      const delayMs = backoffDelayMs(attempt, random, {
        minDelayMs: MIN_DELAY_MS,
        maxDelayMs: MAX_DELAY_MS,
      });
      if (Date.now() + delayMs > deadline) throw error;
      options.onRetry?.(attempt, delayMs);
      await sleepFor(
        delayMs,
        undefined,
        options.signal === undefined ? {} : { signal: options.signal },
      );
    }
  }
}
