/**
 * The `pcf` binary's entry point. The signal handlers come first, before anything loads, so a
 * SIGINT or SIGTERM at any moment is answered. Then it loads commander and the command table
 * only: the library (zod, yaml) and any cloud SDK load when a command runs, so `pcf --help`
 * starts fast.
 * @internal
 */
import { installSignalHandlers } from "./signals.js";

const signals = installSignalHandlers();

// `pcf plan | head -1` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const { createProgram } = await import("./program.js");
await createProgram({ signals }).parseAsync(process.argv);
