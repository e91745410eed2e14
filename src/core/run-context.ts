import type { ZodType } from "zod";
import { PcfError } from "./errors.js";
import type { EngineEvent, EngineEventInput } from "./events.js";
import type { State } from "./state.js";
import { waitFor, type BackoffOptions, type PollResult, type WaitOptions } from "./wait.js";

/**
 * What a particle's `syncState` and transitions receive from the engine for one run.
 * A new context is made per `apply`, `plan` or `status` call.
 */
export interface RunContext {
  /** Aborts on timeout or cancellation; pass it to every SDK call and sleep. */
  readonly signal: AbortSignal;
  /** Milliseconds from a monotonic clock. */
  now(): number;
  /**
   * Runs `compute` once per `key` for this run and shares its promise: lookups, clients and
   * batched reads are done once, however many particles ask.
   */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /**
   * Runs `run` once for every `item` queued under `key` within `windowMs` (default: the same turn
   * of the event loop): concurrent state reads of one flavor become one batched read. Resolves
   * when `run` did.
   */
  batch<T>(
    key: object,
    item: T,
    run: (items: T[]) => Promise<void>,
    windowMs?: number,
  ): Promise<void>;
  /** Registers a cleanup (closing SDK clients) to run when the run ends. */
  defer(cleanup: () => void): void;
  /** Runs every deferred cleanup; the engine calls it when the run ends. @internal */
  close(): void;
  /** Reports an event to the caller's `onEvent`. */
  emit(event: EngineEventInput): void;
  /**
   * Resolves when a mutating call may go ahead; `Particle.runTransition` awaits it before every
   * transition. It runs the caller's `beforeMutation` (a lease's check), else resolves at once.
   */
  beforeMutation(): Promise<void>;
  /**
   * Polls `poll` until it reports done, backing off between polls with the run's sleep and
   * randomness (injected by tests), and reports each poll as a `wait.poll` event of `particle`.
   * Every wait of the engine and of flavors goes through it.
   * @throws PcfError `WAIT_TIMEOUT` or `ABORTED` when `signal` (default the run's) aborts.
   */
  waitFor<T>(poll: () => Promise<PollResult<T>>, options: ContextWaitOptions): Promise<T>;
  /**
   * Settings for providers, keyed by provider (`aws`, `local`): region, profile, endpoint and the
   * like. Each provider reads and validates its own key.
   */
  readonly providerOptions: ProviderOptions;
}

/** Options of {@link RunContext.waitFor}. */
export interface ContextWaitOptions extends BackoffOptions {
  /** The waiting particle's id, for the `wait.poll` events. */
  readonly particle: string;
  /** What is awaited, for the timeout message (`web to be running`). */
  readonly description: string;
  /** The state a poll event reports; default `pending`. */
  readonly state?: () => State;
  /** Bounds this wait; default the run's signal. */
  readonly signal?: AbortSignal;
}

/** Settings for providers, keyed by provider name; each provider documents its own shape. */
export type ProviderOptions = Readonly<Record<string, unknown>>;

/** Options of {@link createRunContext}. */
export interface RunContextOptions {
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((event: EngineEvent) => void) | undefined;
  readonly now?: (() => number) | undefined;
  readonly providerOptions?: ProviderOptions | undefined;
  /** Awaited before every transition; rejects to refuse it (a lost lease: `LEASE_LOST`). */
  readonly beforeMutation?: (() => Promise<void>) | undefined;
  /** The sleep of {@link RunContext.waitFor}; tests inject one. Default a real timer. */
  readonly sleep?: WaitOptions["sleep"];
  /** Random source in [0, 1) for the waits' jitter; tests inject one. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
}

/** A fresh context for one run. */
export function createRunContext(options: RunContextOptions = {}): RunContext {
  const memos = new Map<string, Promise<unknown>>();
  const batches = new Map<object, { items: unknown[]; done: Promise<void> }>();
  const cleanups: (() => void)[] = [];
  const now = options.now ?? (() => performance.now());
  let seq = 0;
  const signal = options.signal ?? new AbortController().signal;
  const context: RunContext = {
    signal,
    providerOptions: options.providerOptions ?? {},
    now,
    memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const existing = memos.get(key);
      if (existing !== undefined) return existing as Promise<T>;
      const created = compute();
      memos.set(key, created);
      created.catch(() => memos.delete(key));
      return created;
    },
    batch<T>(
      key: object,
      item: T,
      run: (items: T[]) => Promise<void>,
      windowMs = 0,
    ): Promise<void> {
      const pending = batches.get(key);
      if (pending !== undefined) {
        pending.items.push(item);
        return pending.done;
      }
      const items: T[] = [item];
      const done = new Promise<void>((resolveBatch, rejectBatch) => {
        const flush = (): void => {
          batches.delete(key);
          run(items).then(resolveBatch, rejectBatch);
        };
        if (windowMs > 0) setTimeout(flush, windowMs);
        else setImmediate(flush);
      });
      batches.set(key, { items: items, done });
      return done;
    },
    defer(cleanup: () => void): void {
      cleanups.push(cleanup);
    },
    close(): void {
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
    beforeMutation(): Promise<void> {
      return options.beforeMutation?.() ?? Promise.resolve();
    },
    emit(event: EngineEventInput): void {
      seq += 1;
      options.onEvent?.({ ...event, seq, timeMs: Math.round(now()) });
    },
    waitFor<T>(poll: () => Promise<PollResult<T>>, wait: ContextWaitOptions): Promise<T> {
      const { particle, state, ...backoff } = wait;
      return waitFor(poll, {
        ...backoff,
        signal: wait.signal ?? signal,
        ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
        ...(options.random === undefined ? {} : { random: options.random }),
        onPoll: (attempt, nextDelayMs) =>
          context.emit({
            type: "wait.poll",
            particle,
            attempt,
            nextDelayMs,
            state: state?.() ?? "pending",
          }),
      });
    },
  };
  return context;
}

/**
 * A provider's validated settings from `context.providerOptions[key]`; `{}` when absent.
 * @throws PcfError `DEFINITION_INVALID` naming the option (`providerOptions.aws.endpoint`).
 */
export function readProviderOptions<T extends object>(
  context: RunContext,
  key: string,
  schema: ZodType<T | undefined>,
): T {
  const parsed = schema.safeParse(context.providerOptions[key]);
  if (parsed.success) return parsed.data ?? ({} as T);
  const issue = parsed.error.issues[0];
  const field = ["providerOptions", key, ...(issue?.path ?? []).map(String)].join(".");
  throw new PcfError("DEFINITION_INVALID", issue?.message ?? `invalid ${key} provider options`, {
    field,
  });
}

/** Runs `work` with a fresh context and closes it afterwards (deferred cleanups run even on failure). */
export async function withRunContext<T>(
  options: RunContextOptions,
  work: (context: RunContext) => Promise<T>,
): Promise<T> {
  const context = createRunContext(options);
  try {
    return await work(context);
  } finally {
    context.close();
  }
}
