import { setTimeout as sleep } from "node:timers/promises";
import { PcfError } from "./errors.js";
import {
  LeaseHeldError,
  currentHolder,
  isFree,
  type LeaseHolderIdentity,
  type LeaseRecord,
  type StoredLease,
} from "./lease-record.js";
import { backoffDelayMs, throwIfAborted } from "./wait.js";

/** Options of every backend call. */
export interface LeaseCallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** Options of {@link LeaseBackend.write}. */
export interface LeaseWriteOptions extends LeaseCallOptions {
  /**
   * The version read before: the write succeeds only if the stored record is still that one.
   * `undefined` asks for a write that succeeds only if no record exists at all.
   */
  readonly expectedVersion: string | undefined;
}

/**
 * Where a lease lives: one record, read and replaced by compare-and-swap. Every lease operation
 * (acquire, takeover, renew, release, unlock) is a read followed by a conditional write, so a
 * backend needs only these two calls, and all the policy lives in this module.
 */
export interface LeaseBackend {
  /** Where the lease is, for messages: a path, `s3://bucket/key`. */
  readonly location: string;
  /** The stored record, or `undefined` when none was ever written. */
  read(options?: LeaseCallOptions): Promise<StoredLease | undefined>;
  /**
   * Writes `record` if the stored one still has `expectedVersion` (or, with `undefined`, if there
   * is none).
   * @returns the new version, or `undefined` when another writer got there first.
   */
  write(record: LeaseRecord, options: LeaseWriteOptions): Promise<string | undefined>;
  /** Releases what the backend holds open (an SDK client). */
  close?(): void;
}

/** Writes of one renewal or release before giving up on a backend that keeps refusing them. */
const MAX_WRITE_ATTEMPTS = 3;

/** Default time a lease lasts without renewal: 30 s. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

/** Options of {@link acquireLease}. */
export interface AcquireLeaseOptions {
  /** How long to wait for a held lease, in ms; 0 (the default) fails at once with `LEASE_HELD`. */
  readonly waitMs?: number;
  /** How long the lease lasts without renewal, in ms. Default {@link DEFAULT_LEASE_TTL_MS}. */
  readonly ttlMs?: number;
  /** How often the heartbeat renews the lease, in ms. Default a third of `ttlMs`. */
  readonly renewEveryMs?: number;
  /** Aborts the wait with `PcfError("ABORTED")`, and is passed to every backend call. */
  readonly signal?: AbortSignal | undefined;
  /** Wall clock in epoch ms; injected by tests. Default `Date.now`. */
  readonly now?: () => number;
  /** Random source in [0, 1) for the backoff's jitter. */
  readonly random?: () => number;
  /** Sleeps `ms` between attempts while waiting; injected by tests. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Called before each sleep while the lease is held by someone else. */
  readonly onWait?: (holder: LeaseRecord, nextDelayMs: number) => void;
  /** Who this process is; default {@link currentHolder}. */
  readonly holder?: LeaseHolderIdentity;
}

/**
 * A lease this process holds. A heartbeat renews it every `renewEveryMs` (its timer does not keep
 * the process alive); {@link Lease.beforeMutation} is the hook to give the engine
 * (`ApplyOptions.beforeMutation`), so that no transition starts once the lease is lost.
 */
export class Lease {
  private record: LeaseRecord;
  private version: string;
  private lostError: PcfError | undefined;
  private renewal: Promise<void> | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  /** @internal Made by {@link acquireLease}. */
  constructor(
    private readonly backend: LeaseBackend,
    stored: StoredLease,
    private readonly settings: {
      readonly ttlMs: number;
      readonly renewEveryMs: number;
      readonly now: () => number;
    },
  ) {
    this.record = stored.record;
    this.version = stored.version;
    this.heartbeat = setInterval(() => void this.beat(), settings.renewEveryMs);
    this.heartbeat.unref();
  }

  /** The record as this process last wrote it. */
  get holder(): LeaseRecord {
    return this.record;
  }

  /** This holder's fencing token. */
  get token(): number {
    return this.record.token;
  }

  /** Where the lease is. */
  get location(): string {
    return this.backend.location;
  }

  /**
   * Throws unless this process still holds the lease: it was not taken over, released, or left
   * to expire. An in-memory check (the heartbeat keeps it current), cheap enough for every call.
   * @throws PcfError `LEASE_LOST`.
   */
  check(): void {
    if (this.lostError !== undefined) throw this.lostError;
    if (this.settings.now() >= this.record.expiresAtMs)
      throw this.lose(`the lease at ${this.location} (token ${this.token}) expired unrenewed`);
  }

  /** {@link Lease.check} as the engine's `beforeMutation` hook. */
  readonly beforeMutation = (): Promise<void> => {
    try {
      this.check();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };

  /**
   * Pushes the expiry `ttlMs` past now with a compare-and-swap on the version this process wrote.
   * The heartbeat calls it; calls made while one runs join it.
   * @throws PcfError `LEASE_LOST` when the lease was taken over or released meanwhile.
   */
  renew(options: LeaseCallOptions = {}): Promise<void> {
    this.renewal ??= this.replace(
      { ...this.record, expiresAtMs: this.settings.now() + this.settings.ttlMs },
      options,
    ).finally(() => (this.renewal = undefined));
    return this.renewal;
  }

  /**
   * Stops the heartbeat and marks the lease free (keeping its token). A lease already lost is
   * left alone: it belongs to someone else now.
   */
  async release(options: LeaseCallOptions = {}): Promise<void> {
    clearInterval(this.heartbeat);
    await this.renewal?.catch(() => undefined);
    if (this.lostError !== undefined) return;
    try {
      await this.replace({ ...this.record, releasedAtMs: this.settings.now() }, options);
    } finally {
      this.lostError ??= new PcfError("LEASE_LOST", `the lease at ${this.location} was released`);
    }
  }

  /** One heartbeat: renew, keeping any failure inside (a lost lease stops the heartbeat). */
  private async beat(): Promise<void> {
    try {
      await this.renew();
    } catch {
      // A lost lease is recorded by `replace`; a failed call leaves the lease to expire unless a
      // later beat succeeds, and `check` notices either way.
    }
  }

  private async replace(next: LeaseRecord, options: LeaseCallOptions): Promise<void> {
    // A backend may refuse a write that raced nothing of consequence (S3 answers 409 to
    // concurrent conditional writes), so a refusal is checked against the stored record, and
    // the write tried again while that record is still this holding.
    for (let attempt = 1; ; attempt += 1) {
      if (this.lostError !== undefined) throw this.lostError;
      const written = await this.backend.write(next, {
        expectedVersion: this.version,
        signal: options.signal,
      });
      if (written !== undefined) {
        this.record = next;
        this.version = written;
        return;
      }
      const stored = await this.backend.read(options);
      if (stored === undefined || !isSameHolding(stored.record, this.record))
        throw this.lose(
          stored === undefined || stored.record.token === this.token
            ? `the lease at ${this.location} (token ${this.token}) was released by someone else`
            : `the lease at ${this.location} was taken over by ${stored.record.owner} (token ${stored.record.token})`,
        );
      if (attempt === MAX_WRITE_ATTEMPTS)
        throw new PcfError(
          "LEASE_INVALID",
          `the lease at ${this.location} refused ${attempt} writes`,
          {
            file: this.location,
          },
        );
      this.version = stored.version;
    }
  }

  private lose(message: string): PcfError {
    clearInterval(this.heartbeat);
    this.lostError ??= new PcfError("LEASE_LOST", message, { file: this.location });
    return this.lostError;
  }
}

/**
 * Takes the lease at `backend`: writes a record with the next fencing token if the lease is free
 * (never taken, released, or expired because its holder died), and starts its heartbeat. While
 * another holder has it, waits up to `waitMs` with exponential backoff.
 * @throws LeaseHeldError (`LEASE_HELD`) when the wait is over; PcfError `ABORTED` when `signal`
 *   aborts.
 * @example
 * ```ts
 * const lease = await acquireLease(fileLeaseBackend(".pcf/locks/web"), { waitMs: 60_000 });
 * try {
 *   await applyField(field, { beforeMutation: lease.beforeMutation });
 * } finally {
 *   await lease.release();
 * }
 * ```
 */
export async function acquireLease(
  backend: LeaseBackend,
  options: AcquireLeaseOptions = {},
): Promise<Lease> {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3));
  const identity = options.holder ?? currentHolder();
  const pause = options.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal }));
  const startedMs = now();
  const { signal } = options;
  for (let attempt = 1; ;) {
    throwIfAborted(signal, `the lease at ${backend.location}`);
    const stored = await backend.read({ signal });
    const takenAtMs = now();
    if (stored === undefined || isFree(stored.record, takenAtMs)) {
      const record: LeaseRecord = {
        ...identity,
        acquiredAtMs: takenAtMs,
        expiresAtMs: takenAtMs + ttlMs,
        token: (stored?.record.token ?? 0) + 1,
      };
      const version = await backend.write(record, { expectedVersion: stored?.version, signal });
      if (version !== undefined)
        return new Lease(backend, { record, version }, { ttlMs, renewEveryMs, now });
      // Another acquirer won the race: read again, which finds it as the holder.
      continue;
    }
    const heldForMs = takenAtMs - stored.record.acquiredAtMs;
    const leftMs = (options.waitMs ?? 0) - (takenAtMs - startedMs);
    if (leftMs <= 0) throw new LeaseHeldError(backend.location, stored.record, heldForMs);
    const delayMs = Math.min(
      leftMs,
      backoffDelayMs(attempt, options.random ?? Math.random, { minDelayMs: 100, maxDelayMs: 2000 }),
    );
    options.onWait?.(stored.record, delayMs);
    try {
      await pause(delayMs, signal);
    } catch (error) {
      throwIfAborted(signal, `the lease at ${backend.location}`);
      throw error;
    }
    attempt += 1;
  }
}

/** Whether `stored` is still this holding (same token, same holder, not released). */
function isSameHolding(stored: LeaseRecord, mine: LeaseRecord): boolean {
  return (
    stored.token === mine.token &&
    stored.owner === mine.owner &&
    stored.acquiredAtMs === mine.acquiredAtMs &&
    stored.releasedAtMs === undefined
  );
}
