import { LeaseHeldError, unlockLease } from "../../index.js";
import { CliError } from "../cli-error.js";
import { openLockBackend } from "../lock.js";
import type { UnlockCommandOptions } from "../options.js";
import { createOutput } from "../output.js";

/**
 * `pcf unlock [--force]`: frees the field's lease for a run that will not release it. Without
 * `--force`, only a holder on this host whose process is gone; the token is kept.
 * @returns 0 when the lease is free afterwards.
 * @throws CliError when the holder may still run (without `--force`), or with `--no-lock`.
 * @internal
 */
export async function unlockCommand(options: UnlockCommandOptions): Promise<number> {
  const output = createOutput(options);
  const backend = await openLockBackend(options.file ?? [], options);
  if (backend === undefined) throw new CliError("--no-lock: there is no lease to free");
  try {
    const result = await unlockLease(backend, { force: options.force === true });
    const holder = result.holder;
    if (output.isJson) output.json({ type: "unlock", location: backend.location, ...result });
    else
      output.info(
        result.outcome === "released" && holder !== undefined
          ? `released the lease of ${holder.owner} (token ${holder.token}) at ${backend.location}`
          : `the lease at ${backend.location} is free`,
      );
    return 0;
  } catch (error) {
    if (!(error instanceof LeaseHeldError)) throw error;
    throw new CliError(
      `${error.message}; that process may still be running`,
      "pass --force to release it anyway: its next change then fails with LEASE_LOST",
    );
  } finally {
    backend.close?.();
  }
}
