import { setTimeout as sleepFor } from "node:timers/promises";
import { backoffDelayMs } from "../../core/wait.js";

/**
 * Retries beyond a cloud SDK's own attempts, bounded per scope.
 *
 * An SDK retries a throttled or failed call a few times (the AWS SDK: 3 attempts in all). Under a
 * burst of throttling, or a flaky network, a run of many particles still sees calls fail after
 * those attempts, and each failure fails a particle. A budget gives every call a few more rounds,
 * with backoff and jitter, while a whole scope (one API in one region) is bounded: once its
 * retries are spent, a failing call fails at once, so a service that is down does not hold the
 * run for the sum of every call's retries. Cloud-agnostic: the provider says what is retryable.
 */

/** Options of {@link createRetryBudget}. */
export interface RetryBudgetOptions {
  /** Retries a scope may spend over the budget's life (a run), across all its calls. Default 100. */
  readonly retriesPerScope?: number;
  /** Rounds a single call may be sent again, beyond the SDK's attempts. Default 4. */
  readonly retriesPerCall?: number;
  /** Delay before the first retry, in ms; each later one doubles, with jitter. Default 200. */
  readonly minDelayMs?: number;
  /** Longest delay between two rounds, in ms. Default 5 000. */
  readonly maxDelayMs?: number;
  /** Random source in [0, 1) for jitter; injected by tests. */
  readonly random?: () => number;
  /** Sleeps `ms` or rejects when `signal` aborts; injected by tests. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

/** One retry a budget granted, as {@link RetryBudget.run} reports it. */
export interface RetryGrant {
  /** The scope that paid for it (`aws:sqs:us-east-1`). */
  readonly scope: string;
  /** The round that failed, 1 for the first. */
  readonly attempt: number;
  readonly nextDelayMs: number;
  /** The failure's class, as `classify` named it (`throttled`, `server-error`). */
  readonly reason: string;
}

/** Options of {@link RetryBudget.run}. */
export interface RetryRunOptions {
  /** The scope whose budget pays for retries: one API in one region. */
  readonly scope: string;
  /** Why a failure may be retried (`throttled`, `server-error`), or `undefined` when it may not. */
  readonly classify: (error: unknown) => string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Told before each retry. */
  readonly onRetry?: (grant: RetryGrant) => void;
}

/** Retries shared by every call of a run, counted per scope. */
export interface RetryBudget {
  /**
   * Runs `call`, and runs it again after a retryable failure while both the call's rounds and
   * its scope's retries last.
   * @throws the last failure of `call`, when it is not retryable or the budget is spent.
   */
  run<T>(call: () => Promise<T>, options: RetryRunOptions): Promise<T>;
  /** Retries spent so far, per scope. */
  spent(): ReadonlyMap<string, number>;
}

/** A budget with nothing spent. */
export function createRetryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  const retriesPerScope = options.retriesPerScope ?? 100;
  const retriesPerCall = options.retriesPerCall ?? 4;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const spent = new Map<string, number>();
  return {
    spent: () => spent,
    async run<T>(call: () => Promise<T>, runOptions: RetryRunOptions): Promise<T> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await call();
        } catch (error) {
          const reason = runOptions.classify(error);
          const used = spent.get(runOptions.scope) ?? 0;
          if (reason === undefined || attempt > retriesPerCall || used >= retriesPerScope)
            throw error;
          spent.set(runOptions.scope, used + 1);
          const nextDelayMs = backoffDelayMs(attempt, random, {
            minDelayMs: options.minDelayMs ?? 200,
            maxDelayMs: options.maxDelayMs ?? 5_000,
          });
          runOptions.onRetry?.({ scope: runOptions.scope, attempt, nextDelayMs, reason });
          await sleep(nextDelayMs, runOptions.signal);
        }
      }
    },
  };
}

function defaultSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleepFor(ms, undefined, signal === undefined ? {} : { signal });
}
