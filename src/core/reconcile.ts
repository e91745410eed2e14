import { setTimeout as sleep } from "node:timers/promises";
import { ApplyError, type ApplyResult } from "./apply-result.js";
import { applyField, type ApplyOptions } from "./engine.js";
import { PcfError } from "./errors.js";
import type { Field } from "./field.js";
import type { LeaseBackend } from "./lease.js";
import { currentHolder, type LeaseHolderIdentity } from "./lease-record.js";
import {
  failureOf,
  type ReconcileChange,
  type ReconcileEvent,
  type ReconcileEventInput,
  type ReconcileFailure,
} from "./reconcile-events.js";
import { FieldLeaseKeeper, type LeaseTurn } from "./reconcile-lease.js";

/** Default pause between two rounds of {@link reconcile}: 60 s. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 60_000;

/** Default spread of that pause, as a fraction of it: 0.1, so 54 to 66 s. */
export const DEFAULT_RECONCILE_JITTER = 0.1;

/**
 * What each round of {@link reconcile} hands to {@link applyField}. The watch owns
 * `stopSignal` (its own `signal`) and `beforeMutation` (its lease's check); `signal` here is the
 * hard abort: it cuts work in flight, as a second Ctrl-C does.
 */
export type ReconcileApplyOptions = Omit<ApplyOptions, "stopSignal" | "beforeMutation">;

/** Options of {@link reconcile}. */
export interface ReconcileOptions {
  /**
   * Ends the watch gracefully: the round under way finishes its transitions in flight and
   * schedules nothing new, the lease is released, and `reconcile` returns. A pause between
   * rounds ends at once.
   */
  readonly signal?: AbortSignal | undefined;
  /** Pause between the end of one round and the start of the next, in ms. Default 60 000. */
  readonly intervalMs?: number;
  /**
   * How much each pause varies, as a fraction of `intervalMs` in [0, 1): 0.1 pauses between
   * 90 % and 110 % of it, so watchers started together drift apart. Default 0.1.
   */
  readonly jitter?: number;
  /**
   * The field's lease. A round runs only while this watcher holds it: before each round the
   * lease is renewed, or taken if free (never waited for); while another watcher holds it the
   * round is skipped (`round.skipped` names the holder). Between rounds its heartbeat keeps it,
   * so a field stays with one watcher; a watcher that died loses it when it expires
   * (`leaseTtlMs`), and the next watcher to try takes it over. Released when the watch ends.
   * Without it, every round runs. The caller closes the backend.
   */
  readonly lease?: LeaseBackend | undefined;
  /** How long the lease lasts unrenewed, in ms. Default `DEFAULT_LEASE_TTL_MS` (30 s). */
  readonly leaseTtlMs?: number | undefined;
  /** Who this watcher is: the lease holder and each event's `watcher`. Default `currentHolder()`. */
  readonly holder?: LeaseHolderIdentity;
  /** Passed to every round's `applyField` (`providerOptions`, `concurrency`, `onEvent`, …). */
  readonly applyOptions?: ReconcileApplyOptions;
  /** Receives every {@link ReconcileEvent}. */
  readonly onEvent?: ((event: ReconcileEvent) => void) | undefined;
  /** Wall clock in epoch ms, for events and the lease; injected by tests. Default `Date.now`. */
  readonly now?: () => number;
  /** Random source in [0, 1) for the jitter; injected by tests. Default `Math.random`. */
  readonly random?: () => number;
  /** Sleeps `ms` between rounds, rejecting when `signal` aborts; injected by tests. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

/** What a watch did, once it ended. */
export interface ReconcileResult {
  /** Rounds that ran. */
  readonly rounds: number;
  /** Rounds that ran and reported a failure. */
  readonly failedRounds: number;
  /** Rounds skipped: the lease was held by another watcher, or could not be read. */
  readonly skippedRounds: number;
}

/**
 * Keeps `field` converged until `signal` aborts: level-triggered, each round is an
 * {@link applyField} (one batched read per flavor, transitions only where the live state or
 * definition differs from the desired one), then a pause of `intervalMs` ± `jitter`. A resource
 * deleted or changed behind the tool's back is put back by the next round. A failed round (a
 * cloud error, a particle that failed) is reported in its `round.end` event and the next round
 * tries again: the loop never ends on a failure. With a `lease`, several watchers can share
 * fields and each field is reconciled by one watcher at a time (see
 * {@link ReconcileOptions.lease}).
 * @returns once `signal` (or `applyOptions.signal`) aborted, after the round under way finished
 *   and the lease was released.
 * @throws PcfError `DEFINITION_INVALID` for an interval that is not a positive number of ms or a
 *   jitter outside [0, 1), before anything runs.
 * @example
 * ```ts
 * const { field } = await loadFiles(["web.yml"]);
 * const stop = new AbortController();
 * process.once("SIGTERM", () => stop.abort());
 * await reconcile(field, {
 *   signal: stop.signal,
 *   intervalMs: 60_000,
 *   lease: await openLeaseBackend("s3://acme-pcf/leases/", { fieldName: field.name }),
 *   onEvent: (event) => console.log(JSON.stringify(event)),
 * });
 * ```
 */
export async function reconcile(
  field: Field,
  options: ReconcileOptions = {},
): Promise<ReconcileResult> {
  const intervalMs = checkedInterval(options.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS);
  const jitter = checkedJitter(options.jitter ?? DEFAULT_RECONCILE_JITTER);
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const pause = options.sleep ?? defaultSleep;
  const holder = options.holder ?? currentHolder();
  const { signal, applyOptions = {} } = options;
  const isStopping = (): boolean =>
    signal?.aborted === true || applyOptions.signal?.aborted === true;
  const nextRoundInMs = (): number | undefined =>
    isStopping() ? undefined : roundDelayMs(intervalMs, jitter, random);
  const emit = eventStamper(field.name, holder.owner, now, options.onEvent);
  const keeper =
    options.lease === undefined
      ? undefined
      : new FieldLeaseKeeper(options.lease, {
          ttlMs: options.leaseTtlMs,
          holder,
          now,
          signal: applyOptions.signal,
          emit,
        });
  let rounds = 0;
  let failedRounds = 0;
  let skippedRounds = 0;
  try {
    for (let round = 1; !isStopping(); round += 1) {
      const turn: LeaseTurn | undefined = await keeper?.take();
      if (isStopping()) break;
      let delayMs: number | undefined;
      if (turn === undefined || turn.isHeld) {
        const token = turn?.token;
        emit({ type: "round.start", round, ...(token === undefined ? {} : { token }) });
        const startedAtMs = now();
        const summary = summarize(
          await applyRound(field, {
            ...applyOptions,
            stopSignal: signal,
            beforeMutation: turn?.beforeMutation,
          }),
        );
        rounds += 1;
        if (summary.errors.length > 0) failedRounds += 1;
        delayMs = nextRoundInMs();
        emit({
          type: "round.end",
          round,
          ...summary,
          ms: Math.max(0, Math.round(now() - startedAtMs)),
          isStopped: signal?.aborted === true,
          ...(delayMs === undefined ? {} : { nextRoundInMs: delayMs }),
        });
      } else {
        skippedRounds += 1;
        delayMs = nextRoundInMs();
        emit(skippedEvent(round, turn, delayMs));
      }
      if (delayMs === undefined) break;
      try {
        await pause(delayMs, signal);
      } catch (error) {
        if (isStopping()) break;
        throw error;
      }
    }
  } finally {
    await keeper?.release();
  }
  return { rounds, failedRounds, skippedRounds };
}

/**
 * The pause before the next round: `intervalMs` moved by up to `jitter` of it either way,
 * uniformly, so watchers started together spread out.
 * @internal
 */
export function roundDelayMs(intervalMs: number, jitter: number, random: () => number): number {
  return Math.max(0, Math.round(intervalMs * (1 + jitter * (2 * random() - 1))));
}

/** How one round's apply ended: its result, or the error it threw before any particle ran. */
type RoundOutcome = { readonly result: ApplyResult } | { readonly failure: unknown };

async function applyRound(field: Field, options: ApplyOptions): Promise<RoundOutcome> {
  try {
    return { result: await applyField(field, options) };
  } catch (error) {
    // A particle's failure is in the result; anything else (a conflict of desired states, a
    // definition a provider refused) is the round's.
    return error instanceof ApplyError ? { result: error.result } : { failure: error };
  }
}

/** What a round's events say of it. */
interface RoundSummary {
  readonly ok: boolean;
  readonly particles: number;
  readonly changed: readonly ReconcileChange[];
  readonly errors: readonly ReconcileFailure[];
}

function summarize(outcome: RoundOutcome): RoundSummary {
  if ("failure" in outcome)
    return { ok: false, particles: 0, changed: [], errors: [failureOf(outcome.failure)] };
  const { particles } = outcome.result;
  return {
    ok: outcome.result.ok,
    particles: particles.length,
    changed: particles
      .filter((report) => report.outcome !== "unchanged")
      .map(({ particle, outcome: how, transitions }) => ({ particle, outcome: how, transitions })),
    errors: particles.flatMap((report) =>
      report.error === undefined ? [] : [{ ...failureOf(report.error), particle: report.particle }],
    ),
  };
}

function skippedEvent(
  round: number,
  turn: Exclude<LeaseTurn, { readonly isHeld: true }>,
  delayMs: number | undefined,
): ReconcileEventInput {
  const next = delayMs === undefined ? {} : { nextRoundInMs: delayMs };
  if ("error" in turn)
    return { type: "round.skipped", round, reason: "lease-failed", error: turn.error, ...next };
  const { owner, token, expiresAtMs } = turn.holder;
  return {
    type: "round.skipped",
    round,
    reason: "held",
    holder: owner,
    token,
    expiresAtMs,
    ...next,
  };
}

/** Stamps each event with its `seq`, the wall-clock time, the field and the watcher. */
function eventStamper(
  field: string | undefined,
  watcher: string,
  now: () => number,
  onEvent: ((event: ReconcileEvent) => void) | undefined,
): (event: ReconcileEventInput) => void {
  let seq = 0;
  return (event) => {
    seq += 1;
    onEvent?.({ ...event, seq, atMs: Math.round(now()), field, watcher });
  };
}

function checkedInterval(intervalMs: number): number {
  if (Number.isFinite(intervalMs) && intervalMs > 0) return intervalMs;
  throw new PcfError(
    "DEFINITION_INVALID",
    `expected a positive interval in ms, got ${intervalMs}`,
    {
      field: "intervalMs",
    },
  );
}

function checkedJitter(jitter: number): number {
  if (Number.isFinite(jitter) && jitter >= 0 && jitter < 1) return jitter;
  throw new PcfError("DEFINITION_INVALID", `expected a jitter in [0, 1), got ${jitter}`, {
    field: "jitter",
  });
}

async function defaultSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(ms, undefined, signal === undefined ? {} : { signal });
}
