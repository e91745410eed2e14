import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, readdir, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PcfError } from "./errors.js";
import type { LeaseBackend, LeaseCallOptions, LeaseWriteOptions } from "./lease.js";
import {
  parseLeaseRecord,
  serializeLeaseRecord,
  type LeaseRecord,
  type StoredLease,
} from "./lease-record.js";

/** Where local leases go, next to the first definition file: one folder per field inside. */
export const DEFAULT_LEASE_FOLDER = ".pcf/locks";

/**
 * A lease in a local folder (by default `.pcf/locks/<field>` next to the definition file), for runs on one
 * machine or one shared file system.
 *
 * The folder holds one JSON file per revision of the record (`1.json`, `2.json`, …); the highest
 * is the current one, and its number is the version a compare-and-swap names. Writing revision
 * N + 1 is the swap: the record is written to a temporary file, then hard-linked to `N+1.json`.
 * `link` fails with `EEXIST` when the name exists, atomically, so of all the writers that read
 * revision N exactly one succeeds, and the content is complete before the name appears (no
 * reader sees a half-written record). Nothing is ever locked, so a process that dies mid-write
 * leaves only a temporary file, never a guard that blocks everyone.
 *
 * The races, and why each is safe:
 * - Two acquirers read the same free revision N: both link `N+1.json`; one gets `EEXIST`, reads
 *   again, and finds the winner holding the lease.
 * - A holder renews while an acquirer takes over its expired lease: both link `N+1.json`; if the
 *   acquirer wins, the holder's renewal fails and it knows it lost the lease.
 * - Pruning: after a write, revisions below N are removed, so the folder stays small. A writer
 *   that read revision M long ago (it was paused) could then link `M+1.json` again once pruned.
 *   Every write therefore lists the folder after linking, and counts as lost if a higher revision
 *   exists. Revisions above the highest are never removed, so that check cannot be fooled.
 * - A reader lists the folder, then the highest file is pruned before it reads it: it lists
 *   again.
 * Removing the folder by hand resets the fencing token to 1.
 */
export function fileLeaseBackend(folder: string): LeaseBackend {
  return {
    location: folder,
    async read(options: LeaseCallOptions = {}): Promise<StoredLease | undefined> {
      for (;;) {
        options.signal?.throwIfAborted();
        const revision = await highestRevision(folder);
        if (revision === undefined) return undefined;
        const path = join(folder, revisionFile(revision));
        let text: string;
        try {
          text = await readFile(path, "utf8");
        } catch (error) {
          if (isCode(error, "ENOENT")) continue;
          throw fileError(error, folder);
        }
        return { record: parseLeaseRecord(text, path), version: String(revision) };
      }
    },
    async write(record: LeaseRecord, options: LeaseWriteOptions): Promise<string | undefined> {
      options.signal?.throwIfAborted();
      const revision =
        options.expectedVersion === undefined ? 1 : Number(options.expectedVersion) + 1;
      const temporary = join(folder, `.${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
      try {
        await mkdir(folder, { recursive: true });
        await writeFile(temporary, serializeLeaseRecord(record), { flag: "wx" });
        await link(temporary, join(folder, revisionFile(revision)));
      } catch (error) {
        if (isCode(error, "EEXIST")) return undefined;
        throw fileError(error, folder);
      } finally {
        await unlink(temporary).catch(() => undefined);
      }
      const revisions = await listRevisions(folder);
      if (revisions.some((other) => other > revision)) return undefined;
      await Promise.all(
        revisions
          .filter((other) => other < revision)
          .map((other) => unlink(join(folder, revisionFile(other))).catch(() => undefined)),
      );
      return String(revision);
    },
  };
}

function revisionFile(revision: number): string {
  return `${revision}.json`;
}

async function highestRevision(folder: string): Promise<number | undefined> {
  const revisions = await listRevisions(folder);
  return revisions.length === 0 ? undefined : Math.max(...revisions);
}

async function listRevisions(folder: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if (isCode(error, "ENOENT")) return [];
    throw fileError(error, folder);
  }
  return names.flatMap((name) => {
    const match = /^(\d+)\.json$/.exec(name);
    return match?.[1] === undefined ? [] : [Number(match[1])];
  });
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}

function fileError(error: unknown, folder: string): PcfError {
  return new PcfError(
    "LEASE_INVALID",
    `cannot use the lease folder: ${error instanceof Error ? error.message : String(error)}`,
    { file: folder },
    { cause: error },
  );
}
