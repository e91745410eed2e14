import { hostname } from "node:os";
import type { LeaseBackend, LeaseCallOptions } from "./lease.js";
import { LeaseHeldError, isFree, type LeaseRecord } from "./lease-record.js";

/** Options of {@link unlockLease}. */
export interface UnlockLeaseOptions extends LeaseCallOptions {
  /** Release even a lease whose holder may still be alive (on another host, or its pid runs). */
  readonly force?: boolean;
  /** Wall clock in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Whether a process of this host is alive; default asks the operating system. */
  readonly isProcessAlive?: (pid: number) => boolean;
}

/** What {@link unlockLease} did. */
export interface UnlockLeaseResult {
  /** `released`: a holder's lease is now free; `free`: nobody held it (released or expired). */
  readonly outcome: "released" | "free";
  /** The record found, if any. */
  readonly holder: LeaseRecord | undefined;
}

/**
 * Frees the lease at `backend` for a holder that will not release it: one on this host whose
 * process is gone, or, with `force`, anyone (that holder's next mutation then fails with
 * `LEASE_LOST`). The token is kept, so the next holder's is larger.
 * @throws LeaseHeldError (`LEASE_HELD`) without `force` when the holder may be alive.
 */
export async function unlockLease(
  backend: LeaseBackend,
  options: UnlockLeaseOptions = {},
): Promise<UnlockLeaseResult> {
  const now = options.now ?? Date.now;
  const isAlive = options.isProcessAlive ?? isProcessAlive;
  for (;;) {
    const stored = await backend.read(options);
    if (stored === undefined || isFree(stored.record, now()))
      return { outcome: "free", holder: stored?.record };
    const { record } = stored;
    const isGone = record.host === hostname() && !isAlive(record.pid);
    if (!isGone && options.force !== true)
      throw new LeaseHeldError(backend.location, record, now() - record.acquiredAtMs);
    const written = await backend.write(
      { ...record, releasedAtMs: now() },
      { expectedVersion: stored.version, signal: options.signal },
    );
    if (written !== undefined) return { outcome: "released", holder: record };
  }
}

/** Reads the lease at `backend`: its holder, or `undefined` when it is free. */
export async function readLeaseHolder(
  backend: LeaseBackend,
  options: LeaseCallOptions & { readonly now?: () => number } = {},
): Promise<LeaseRecord | undefined> {
  const stored = await backend.read(options);
  return stored === undefined || isFree(stored.record, (options.now ?? Date.now)())
    ? undefined
    : stored.record;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}
