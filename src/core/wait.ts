import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { PcfError } from "./errors.js";

/** How a waiter spaces its polls. */
export interface BackoffOptions {
  /** Delay before the second poll (the first is immediate), in ms. Default 50. */
  readonly minDelayMs?: number;
  /** Largest delay between two polls, in ms. Default 5000. */
  readonly maxDelayMs?: number;
  /** Growth factor per attempt. Default 2. */
  readonly factor?: number;
}

/** What a poll found: `done` ends the wait with `value`; otherwise the waiter polls again. */
export type PollResult<T> = { readonly done: true; readonly value: T } | { readonly done: false };

/** Options of {@link waitFor}. */
export interface WaitOptions extends BackoffOptions {
  /** Aborts the wait with `PcfError("ABORTED")`, or `WAIT_TIMEOUT` when the reason is a timeout. */
  readonly signal?: AbortSignal | undefined;
  /** Random source in [0, 1) for jitter; inject a constant for deterministic tests. */
  readonly random?: () => number;
  /** Sleeps `ms`, rejecting when `signal` aborts. Injected by tests; defaults to a real timer. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Called before each sleep: the attempt that just failed and the delay chosen. */
  readonly onPoll?: (attempt: number, nextDelayMs: number) => void;
  /** Names what is awaited, for error messages (`ec2_instance:web to be running`). */
  readonly description?: string;
}

/**
 * The delay after failed attempt `attempt` (1-based): exponential growth from `minDelayMs`,
 * capped at `maxDelayMs`, with "equal jitter" (half fixed, half random) so concurrent waiters spread out.
 */
export function backoffDelayMs(
  attempt: number,
  random: () => number,
  options: BackoffOptions = {},
): number {
  const { minDelayMs = 50, maxDelayMs = 5000, factor = 2 } = options;
  const ceiling = Math.min(maxDelayMs, minDelayMs * factor ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Polls `poll` until it reports done, backing off between attempts. The first poll runs at once.
 * Throws `PcfError("WAIT_TIMEOUT")` when `signal` aborts with a `TimeoutError`, `ABORTED` otherwise.
 */
export async function waitFor<T>(
  poll: () => Promise<PollResult<T>>,
  options: WaitOptions = {},
): Promise<T> {
  const { signal, random = Math.random, onPoll } = options;
  const pause = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(signal, options.description);
    const result = await poll();
    if (result.done) return result.value;
    const delayMs = backoffDelayMs(attempt, random, options);
    onPoll?.(attempt, delayMs);
    try {
      await pause(delayMs, signal);
    } catch (error) {
      throwIfAborted(signal, options.description);
      throw error;
    }
  }
}

/** Throws the framework's error for an aborted signal: `WAIT_TIMEOUT` for a timeout, else `ABORTED`. */
export function throwIfAborted(signal: AbortSignal | undefined, description?: string): void {
  if (signal?.aborted !== true) return;
  throw abortError(signal, description);
}

/** The framework's error for an aborted signal, keeping the reason as `cause`. */
export function abortError(signal: AbortSignal, description?: string): PcfError {
  const reason: unknown = signal.reason;
  if (reason instanceof PcfError) return reason;
  const isTimeout = reason instanceof DOMException && reason.name === "TimeoutError";
  const what = description === undefined ? "" : ` waiting for ${description}`;
  return isTimeout
    ? new PcfError("WAIT_TIMEOUT", `timed out${what}`, {}, { cause: reason })
    : new PcfError("ABORTED", `aborted${what}`, {}, { cause: reason });
}

async function defaultSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(ms, undefined, signal === undefined ? {} : { signal });
}

/** A signal that follows another and a timeout; `dispose` releases its timer and listener. */
export interface DeadlineSignal {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * A signal that aborts when `parent` aborts (same reason) or after `timeoutMs` (reason: a
 * `TimeoutError`). Built on a plain timer rather than `AbortSignal.timeout` inside
 * `AbortSignal.any`: Node 20 may garbage-collect such a timeout signal, which then never fires.
 * Call `dispose` when the guarded work ends.
 *
 * The signal is shared by every request of a run, and each request in flight listens to it, so
 * Node's leak warning (more than 10 listeners) would fire on any run with more than 10 requests
 * at once: the limit is lifted for this signal only.
 */
export function deadlineSignal(
  parent: AbortSignal | undefined,
  timeoutMs: number | undefined,
): DeadlineSignal {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const follow = (): void => controller.abort(parent?.reason);
  if (parent?.aborted === true) follow();
  else parent?.addEventListener("abort", follow, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () =>
            controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, "TimeoutError")),
          timeoutMs,
        );
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener("abort", follow);
    },
  };
}
