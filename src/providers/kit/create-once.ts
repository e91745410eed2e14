import { backoffDelayMs, type BackoffOptions } from "../../core/wait.js";
import { setTimeout as sleepFor } from "node:timers/promises";

/**
 * Creates that are never doubled and never fail on their own success.
 *
 * A create call can run in the cloud and still fail for the caller: the connection drops or the
 * service answers 500 after it made the resource. An SDK retry of such a call makes a second
 * resource where the API takes no idempotency token (EC2 CreateVpc), or fails on "already exists"
 * where the name is unique (a subnet's range, a security group's or log group's name). So a
 * create is sent once, without the SDK's retries, and after an answer that may have been lost it
 * is not sent again before the resource is looked for by its unique key: found, it is the one
 * this create made; absent, the call did not run and is sent again. Cloud-agnostic: each
 * provider says how to classify its errors and how to find what a create made.
 */

/** How a failed create call is to be handled. */
export type CreateFailure =
  /** The call may have run (dropped connection, timeout, 5xx): look before sending it again. */
  | "answer-lost"
  /** The resource exists: it is this particle's when the lookup finds it, else a namesake's. */
  | "already-exists"
  /** The service refused to run the call now: send it again after a backoff. */
  | "throttled"
  /** Anything else: the create failed. */
  | "fatal";

/**
 * Thrown by a `create` whose answer lacks what it must carry (an empty or cut-off 200 body with
 * no resource id): the call may have run, so it counts as an answer lost.
 */
export class IncompleteAnswerError extends Error {
  override readonly name = "IncompleteAnswerError";
}

/** The value of an answer's required field, or an {@link IncompleteAnswerError} naming it. */
export function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null || value === "")
    throw new IncompleteAnswerError(`the answer carried no ${what}`);
  return value;
}

/** Options of {@link createOnce}. */
export interface CreateOnceOptions<T> extends BackoffOptions {
  /** Sends the create call once, with no SDK retry. */
  readonly create: () => Promise<T>;
  /**
   * Looks for the resource by the particle's unique key, recognising only one that is provably
   * this particle's (it carries the ownership tag written by the create itself, or the
   * particle's own idempotency token), and returns what `create` would have; `undefined` when
   * there is none.
   */
  readonly findCreated: () => Promise<T | undefined>;
  /** Classifies a failure of `create`. */
  readonly classify: (error: unknown) => CreateFailure;
  /** Create calls sent at most, the first included. Default 3, as the AWS SDK's retries. */
  readonly attempts?: number;
  readonly signal?: AbortSignal | undefined;
  /** Random source in [0, 1) for jitter; injected by tests. */
  readonly random?: () => number;
  /** Sleeps `ms` or rejects when `signal` aborts; injected by tests. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Told before each new attempt: the one that failed, the delay, and why. */
  readonly onRetry?: (attempt: number, nextDelayMs: number, failure: CreateFailure) => void;
}

/** What {@link createOnce} did. */
export interface CreateOnceResult<T> {
  /** What `create` returned, or what `findCreated` found after a lost answer. */
  readonly value: T;
  /** True when the resource was found after a lost answer rather than returned by a call. */
  readonly wasFound: boolean;
}

/**
 * Sends `create` until it succeeds, at most `attempts` times, looking for the resource after
 * each answer that may have been lost or says it exists.
 * @throws the last error of `create` when it is fatal, when the resource exists but is not this
 * particle's, or when the attempts run out.
 */
export async function createOnce<T>(options: CreateOnceOptions<T>): Promise<CreateOnceResult<T>> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt += 1) {
    options.signal?.throwIfAborted();
    let failure: CreateFailure;
    try {
      return { value: await options.create(), wasFound: false };
    } catch (error) {
      failure = error instanceof IncompleteAnswerError ? "answer-lost" : options.classify(error);
      if (failure === "fatal") throw error;
      if (failure !== "throttled") {
        const found = await options.findCreated();
        if (found !== undefined) return { value: found, wasFound: true };
        if (failure === "already-exists") throw error;
      }
      if (attempt >= attempts) throw error;
    }
    const delayMs = backoffDelayMs(attempt, random, {
      minDelayMs: options.minDelayMs ?? 100,
      maxDelayMs: options.maxDelayMs ?? 5_000,
      ...(options.factor === undefined ? {} : { factor: options.factor }),
    });
    options.onRetry?.(attempt, delayMs, failure);
    await sleep(delayMs, options.signal);
  }
}

function defaultSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleepFor(ms, undefined, signal === undefined ? {} : { signal });
}
