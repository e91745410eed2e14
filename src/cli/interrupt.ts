/**
 * Ctrl-C while a command runs. The first SIGINT aborts `stopSignal` (the engine starts nothing
 * new and lets work in flight finish), the second aborts `signal` (work in flight is aborted),
 * a third exits at once with status 130.
 * @internal
 */
export interface Interrupts {
  /** Aborted by the first Ctrl-C. */
  readonly stopSignal: AbortSignal;
  /** Aborted by the second Ctrl-C, or when the deadline passes. */
  readonly signal: AbortSignal;
  /** Aborted by any Ctrl-C or the deadline: for work that has nothing to finish, such as a plan. */
  readonly anySignal: AbortSignal;
  /** True once Ctrl-C was pressed. */
  readonly isInterrupted: boolean;
  /** Removes the handler: Ctrl-C kills the process again. */
  dispose(): void;
}

/**
 * Installs the SIGINT handler; `onStop` and `onAbort` say what happens, for the user. `signal`
 * also aborts when `deadline` does (`--timeout`).
 */
export function watchInterrupts(handlers: {
  readonly onStop: () => void;
  readonly onAbort: () => void;
  readonly deadline?: AbortSignal | undefined;
}): Interrupts {
  const stop = new AbortController();
  const abort = new AbortController();
  const onDeadline = (): void => abort.abort(handlers.deadline?.reason);
  handlers.deadline?.addEventListener("abort", onDeadline, { once: true });
  let presses = 0;
  const onSigint = (): void => {
    presses += 1;
    if (presses === 1) {
      handlers.onStop();
      stop.abort(new Error("interrupted"));
    } else if (presses === 2) {
      handlers.onAbort();
      abort.abort(new Error("interrupted twice"));
    } else process.exit(130);
  };
  process.on("SIGINT", onSigint);
  return {
    stopSignal: stop.signal,
    signal: abort.signal,
    anySignal: AbortSignal.any([stop.signal, abort.signal]),
    get isInterrupted() {
      return presses > 0;
    },
    dispose() {
      process.removeListener("SIGINT", onSigint);
      handlers.deadline?.removeEventListener("abort", onDeadline);
    },
  };
}
