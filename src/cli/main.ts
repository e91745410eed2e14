/**
 * The `pcf` binary's entry point. It imports commander and the command table only: the library
 * (zod, yaml) and any cloud SDK load when a command runs, so `pcf --help` starts fast.
 * @internal
 */
import { createProgram } from "./program.js";

// `pcf plan | head -1` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

await createProgram().parseAsync(process.argv);
