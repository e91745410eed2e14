import { PcfError, messageOf } from "./errors.js";
import { acquireLease, type Lease, type LeaseBackend } from "./lease.js";
import { LeaseHeldError, type LeaseHolderIdentity, type LeaseRecord } from "./lease-record.js";
import { failureOf, type ReconcileEventInput, type ReconcileFailure } from "./reconcile-events.js";

/** What a watcher's try for the field's lease found before a round. */
export type LeaseTurn =
  | { readonly isHeld: true; readonly token: number; readonly beforeMutation: () => Promise<void> }
  | { readonly isHeld: false; readonly holder: LeaseRecord }
  | { readonly isHeld: false; readonly error: ReconcileFailure };

/** Settings of a {@link FieldLeaseKeeper}. */
export interface FieldLeaseKeeperSettings {
  readonly ttlMs: number | undefined;
  readonly holder: LeaseHolderIdentity;
  readonly now: () => number;
  /** Aborts lease calls in flight (the hard abort, not the watch's graceful stop). */
  readonly signal: AbortSignal | undefined;
  readonly emit: (event: ReconcileEventInput) => void;
}

/**
 * One watcher's hold on one field's lease across rounds: before each round it renews the lease
 * it holds (a compare-and-swap on the backend, so a round never starts on a lease someone else
 * took), or tries once, without waiting, to take it; between rounds the lease's heartbeat keeps
 * it. Reports `lease.acquired`, `lease.lost` and `lease.released`.
 * @internal
 */
export class FieldLeaseKeeper {
  private lease: Lease | undefined;

  constructor(
    private readonly backend: LeaseBackend,
    private readonly settings: FieldLeaseKeeperSettings,
  ) {}

  /** Renews the lease held, or takes it if free; never throws. */
  async take(): Promise<LeaseTurn> {
    const { signal } = this.settings;
    const held = this.lease;
    if (held !== undefined) {
      try {
        await held.renew({ signal });
        return this.heldTurn(held);
      } catch (error) {
        if (!isLeaseLost(error)) return { isHeld: false, error: failureOf(error) };
        this.lost(held, error);
      }
    }
    try {
      const lease = await acquireLease(this.backend, {
        waitMs: 0,
        ttlMs: this.settings.ttlMs,
        holder: this.settings.holder,
        now: this.settings.now,
        signal,
      });
      this.lease = lease;
      this.settings.emit({
        type: "lease.acquired",
        location: lease.location,
        token: lease.token,
        expiresAtMs: lease.holder.expiresAtMs,
      });
      return this.heldTurn(lease);
    } catch (error) {
      if (error instanceof LeaseHeldError) return { isHeld: false, holder: error.holder };
      return { isHeld: false, error: failureOf(error) };
    }
  }

  /** Frees the lease if this watcher still holds it; a lease lost meanwhile is reported lost. */
  async release(): Promise<void> {
    const lease = this.lease;
    if (lease === undefined) return;
    this.lease = undefined;
    try {
      lease.check();
    } catch (error) {
      this.lost(lease, error);
      await lease.release();
      return;
    }
    const event = { type: "lease.released", location: lease.location, token: lease.token } as const;
    try {
      await lease.release({ signal: this.settings.signal });
      this.settings.emit(event);
    } catch (error) {
      this.settings.emit({ ...event, error: failureOf(error) });
    }
  }

  private heldTurn(lease: Lease): LeaseTurn {
    return { isHeld: true, token: lease.token, beforeMutation: lease.beforeMutation };
  }

  private lost(lease: Lease, error: unknown): void {
    this.lease = undefined;
    this.settings.emit({
      type: "lease.lost",
      location: lease.location,
      token: lease.token,
      message: messageOf(error),
    });
  }
}

function isLeaseLost(error: unknown): boolean {
  return error instanceof PcfError && error.code === "LEASE_LOST";
}
