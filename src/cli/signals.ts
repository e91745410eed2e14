/**
 * SIGINT and SIGTERM for the whole life of the `pcf` process. `main.ts` installs the handlers
 * before anything else loads; a command that has work to drain attaches to them while it runs.
 * This module imports nothing, so installing it costs nothing at start-up.
 * @internal
 */

/** Exit status per signal, as a shell reports a process the signal ended (128 + its number). */
export const SIGNAL_EXIT_STATUS = { SIGINT: 130, SIGTERM: 143 } as const;

/** A signal that interrupts `pcf`. */
export type InterruptSignal = keyof typeof SIGNAL_EXIT_STATUS;

/** What a command does on an interrupt, for the user; and the deadline that also aborts. */
export interface InterruptHandlers {
  /** Called at the first signal, before `stopSignal` aborts. */
  readonly onStop: (signal: InterruptSignal) => void;
  /** Called at the second signal, before `signal` aborts. */
  readonly onAbort: (signal: InterruptSignal) => void;
  /** Also aborts `signal` (`--timeout`). */
  readonly deadline?: AbortSignal | undefined;
}

/**
 * The interrupts one command sees while attached. The first signal aborts `stopSignal` (the
 * engine starts nothing new and lets work in flight finish), the second aborts `signal` (work
 * in flight is aborted), a third exits at once.
 */
export interface Interrupts {
  /** Aborted by the first signal. */
  readonly stopSignal: AbortSignal;
  /** Aborted by the second signal, or when the deadline passes. */
  readonly signal: AbortSignal;
  /** Aborted by any signal or the deadline: for work that has nothing to finish, such as a plan. */
  readonly anySignal: AbortSignal;
  /** True once a signal arrived. */
  readonly isInterrupted: boolean;
  /** The exit status for the first signal that arrived (130 SIGINT, 143 SIGTERM); 0 before any. */
  readonly exitStatus: number;
  /** Detaches: a signal from here on ends the process at once, with one line. */
  dispose(): void;
}

/** The installed handlers, which commands attach to. */
export interface SignalHandlers {
  /**
   * Hands the signals to a command until `dispose`.
   * @throws Error when another command is attached.
   */
  attach(handlers: InterruptHandlers): Interrupts;
}

/** Options of {@link installSignalHandlers}; tests of this module inject them. */
export interface SignalHandlerOptions {
  /** Where the line for a signal that arrives with no command attached goes. Default: stderr. */
  readonly stderr?: NodeJS.WritableStream;
  /** Ends the process. Default: `process.exit`. */
  readonly exit?: (code: number) => void;
}

/**
 * Installs the SIGINT and SIGTERM handlers for the life of the process. Until a command
 * attaches, a signal prints `interrupted by SIGTERM` and exits with the signal's status: nothing
 * was started that needs draining.
 */
export function installSignalHandlers(options: SignalHandlerOptions = {}): SignalHandlers {
  const stderr = options.stderr ?? process.stderr;
  const exit = options.exit ?? ((code: number): void => process.exit(code));
  let onSignal: ((signal: InterruptSignal) => void) | undefined;
  const handle = (signal: InterruptSignal): void => {
    if (onSignal !== undefined) onSignal(signal);
    else stderr.write(`interrupted by ${signal}\n`, () => exit(SIGNAL_EXIT_STATUS[signal]));
  };
  const onSigint = (): void => handle("SIGINT");
  const onSigterm = (): void => handle("SIGTERM");
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  return {
    attach(handlers) {
      if (onSignal !== undefined) throw new Error("a command is already attached to the signals");
      const attached = attachedInterrupts(handlers, exit, () => (onSignal = undefined));
      onSignal = attached.onSignal;
      return attached.interrupts;
    },
  };
}

function attachedInterrupts(
  handlers: InterruptHandlers,
  exit: (code: number) => void,
  detach: () => void,
): { onSignal: (signal: InterruptSignal) => void; interrupts: Interrupts } {
  const stop = new AbortController();
  const abort = new AbortController();
  const { deadline } = handlers;
  const onDeadline = (): void => abort.abort(deadline?.reason);
  if (deadline?.aborted === true) onDeadline();
  else deadline?.addEventListener("abort", onDeadline, { once: true });
  let first: InterruptSignal | undefined;
  let count = 0;
  const onSignal = (signal: InterruptSignal): void => {
    first ??= signal;
    count += 1;
    if (count === 1) {
      handlers.onStop(signal);
      stop.abort(new Error(`interrupted by ${signal}`));
    } else if (count === 2) {
      handlers.onAbort(signal);
      abort.abort(new Error(`interrupted twice (${signal})`));
    } else exit(SIGNAL_EXIT_STATUS[first]);
  };
  const interrupts: Interrupts = {
    stopSignal: stop.signal,
    signal: abort.signal,
    anySignal: AbortSignal.any([stop.signal, abort.signal]),
    get isInterrupted() {
      return first !== undefined;
    },
    get exitStatus() {
      return first === undefined ? 0 : SIGNAL_EXIT_STATUS[first];
    },
    dispose() {
      deadline?.removeEventListener("abort", onDeadline);
      detach();
    },
  };
  return { onSignal, interrupts };
}
