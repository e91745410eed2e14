import { hostname, userInfo } from "node:os";
import * as z from "zod";
import { PcfError } from "./errors.js";

/**
 * Who holds a lease over a field, until when, and with which fencing token: the record a
 * {@link LeaseBackend} stores. Times are wall-clock epoch milliseconds, so that processes on
 * different machines can compare them (keep their clocks in sync, as for any lease).
 */
export interface LeaseRecord {
  /** `user@host pid N`, for messages. */
  readonly owner: string;
  /** The holder's host name; with `pid`, tells `unlockLease` whether the holder is gone. */
  readonly host: string;
  readonly pid: number;
  /** When this holder acquired the lease. */
  readonly acquiredAtMs: number;
  /** When the lease ends unless renewed; the holder's heartbeat pushes it forward. */
  readonly expiresAtMs: number;
  /** The fencing token: each acquisition writes the previous token + 1. */
  readonly token: number;
  /**
   * Set when the lease was released (by its holder, or by `unlockLease`): it is free. A released
   * record stays, so that the next token is still larger than every earlier one.
   */
  readonly releasedAtMs?: number | undefined;
}

/** A record as a backend read it, with the version a compare-and-swap must name to replace it. */
export interface StoredLease {
  readonly record: LeaseRecord;
  /** Opaque to the caller: an S3 ETag, a file revision. */
  readonly version: string;
}

/** Who takes a lease. */
export interface LeaseHolderIdentity {
  readonly owner: string;
  readonly host: string;
  readonly pid: number;
}

/**
 * Thrown when a lease is held by a live holder: by {@link acquireLease} when its wait is over,
 * by {@link unlockLease} without `force`. Its code is `LEASE_HELD`.
 */
export class LeaseHeldError extends PcfError {
  constructor(
    /** Where the lease is. */
    readonly location: string,
    /** The record of whoever holds it. */
    readonly holder: LeaseRecord,
    /** How long it has been held, in ms, when this was thrown. */
    readonly heldForMs: number,
  ) {
    super(
      "LEASE_HELD",
      `locked by ${holder.owner} for ${Math.round(heldForMs / 1000)} s (token ${holder.token})`,
      { file: location },
    );
  }
}

/** This process as a lease holder: `user@host pid N`. */
export function currentHolder(): LeaseHolderIdentity {
  const host = hostname();
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env["USER"] ?? process.env["USERNAME"] ?? "unknown";
  }
  return { owner: `${user}@${host} pid ${process.pid}`, host, pid: process.pid };
}

const leaseRecordSchema = z.object({
  owner: z.string(),
  host: z.string(),
  pid: z.int(),
  acquiredAtMs: z.number(),
  expiresAtMs: z.number(),
  token: z.int().min(1),
  releasedAtMs: z.number().optional(),
});

/**
 * A lease record from the text a backend stored.
 * @throws PcfError `LEASE_INVALID` naming `location` when the text is no lease record.
 * @internal
 */
export function parseLeaseRecord(text: string, location: string): LeaseRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const parsed = leaseRecordSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new PcfError(
    "LEASE_INVALID",
    "not a pcf lease record: remove it if no run of pcf uses it",
    { file: location },
  );
}

/** A lease record as a backend stores it. @internal */
export function serializeLeaseRecord(record: LeaseRecord): string {
  return `${JSON.stringify(record, undefined, 2)}\n`;
}

/** Whether nobody holds the lease `record` describes at `nowMs`: released, or expired. @internal */
export function isFree(record: LeaseRecord, nowMs: number): boolean {
  return record.releasedAtMs !== undefined || nowMs >= record.expiresAtMs;
}
