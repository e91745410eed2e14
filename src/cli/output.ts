import pc from "picocolors";

/** The colour functions the CLI uses. */
export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Where a command writes. stdout carries only data (plans, tables, JSON); progress, summaries,
 * prompts and errors go to stderr.
 * @internal
 */
export interface Output {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Colours for text written to stderr. */
  readonly errColors: Colors;
  /** Colours for text written to stdout. */
  readonly outColors: Colors;
  readonly isQuiet: boolean;
  readonly isJson: boolean;
  /** Writes a line of data to stdout. */
  data(line: string): void;
  /** Writes a line of information to stderr unless quiet. */
  info(line: string): void;
  /** Writes `{"v": 1, ...value}` as one line on stdout. */
  json(value: Readonly<Record<string, unknown>>): void;
}

/** The version of every JSON line and document the CLI prints. */
export const JSON_VERSION = 1;

/** An output on the process's streams. */
export function createOutput(options: { quiet?: boolean; json?: boolean } = {}): Output {
  const { stdout, stderr } = process;
  const isQuiet = options.quiet === true;
  return {
    stdout,
    stderr,
    errColors: pc.createColors(isColorEnabled(stderr)),
    outColors: pc.createColors(isColorEnabled(stdout)),
    isQuiet,
    isJson: options.json === true,
    data(line) {
      stdout.write(`${line}\n`);
    },
    info(line) {
      if (!isQuiet) stderr.write(`${line}\n`);
    },
    json(value) {
      stdout.write(`${JSON.stringify({ v: JSON_VERSION, ...value })}\n`);
    },
  };
}

/**
 * Whether to colour what goes to `stream`: never with `NO_COLOR` or `--no-color`; always with
 * `FORCE_COLOR` or `--color`; else when the stream is a terminal that is not `dumb`.
 */
export function isColorEnabled(stream: NodeJS.WriteStream): boolean {
  const { env, argv } = process;
  if ((env["NO_COLOR"] ?? "") !== "" || argv.includes("--no-color")) return false;
  if ((env["FORCE_COLOR"] ?? "") !== "" || argv.includes("--color")) return true;
  return stream.isTTY === true && env["TERM"] !== "dumb";
}
