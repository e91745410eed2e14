import {
  DEFAULT_LEASE_TTL_MS,
  LeaseHeldError,
  acquireLease,
  findDefinitionFile,
  openLeaseBackend,
  type Lease,
  type LeaseBackend,
} from "../index.js";
import { CliError } from "./cli-error.js";
import { providerOptionsOf, type LockOptions } from "./options.js";
import type { Output } from "./output.js";

/** A lease the CLI holds for one command. @internal */
export interface HeldLock {
  readonly lease: Lease;
  /** Releases the lease and closes its backend; a failure is reported, not thrown. */
  release(): Promise<void>;
}

/** What to tell a user whose run found the lease held. @internal */
export const LOCKED_HINT = "wait with --lock-timeout or run pcf unlock if that process is gone";

/**
 * Opens the lease backend `--lock` names (default: the field's folder in `.pcf/locks` next to the
 * first definition file; a `--lock` ending in `/` gets the field's name appended), or `undefined`
 * with `--no-lock`.
 * @param fieldName the loaded field's name; default `--field`, else the first file's default.
 * @internal
 */
export async function openLockBackend(
  files: readonly string[],
  options: LockOptions,
  fieldName: string | undefined = options.field,
): Promise<LeaseBackend | undefined> {
  if (options.lock === false) return undefined;
  return openLeaseBackend(options.lock, {
    definitionFile: files[0] ?? (await findDefinitionFile(".")),
    ...(fieldName === undefined ? {} : { fieldName }),
    providerOptions: providerOptionsOf(options),
  });
}

/**
 * Takes the field's lease for a mutating command, waiting up to `--lock-timeout` seconds and
 * saying once that it waits.
 * @returns `undefined` with `--no-lock`.
 * @throws CliError naming the holder when the lease stays held.
 * @internal
 */
export async function takeLock(
  files: readonly string[],
  options: LockOptions & { readonly lockTimeout?: number | undefined },
  context: {
    readonly output: Output;
    readonly signal: AbortSignal;
    readonly fieldName: string | undefined;
  },
): Promise<HeldLock | undefined> {
  const backend = await openLockBackend(files, options, context.fieldName);
  if (backend === undefined) return undefined;
  let hasSaidWaiting = false;
  try {
    const lease = await acquireLease(backend, {
      waitMs: Math.round((options.lockTimeout ?? 0) * 1000),
      signal: context.signal,
      onWait: (holder) => {
        if (hasSaidWaiting) return;
        hasSaidWaiting = true;
        context.output.info(
          `waiting for the lease: held by ${holder.owner} (token ${holder.token})`,
        );
      },
    });
    return {
      lease,
      release: async () => {
        try {
          await lease.release();
        } catch (error) {
          // The run's own result matters more; an unreleased lease expires by itself.
          context.output.info(
            `could not release the lease at ${lease.location} (it expires in ${Math.round(DEFAULT_LEASE_TTL_MS / 1000)} s): ${error instanceof Error ? error.message : String(error)}`,
          );
        } finally {
          backend.close?.();
        }
      },
    };
  } catch (error) {
    backend.close?.();
    if (error instanceof LeaseHeldError) throw new CliError(`${error.message}; ${LOCKED_HINT}`);
    throw error;
  }
}
