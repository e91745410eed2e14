import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import * as z from "zod";

/** What `<baseDir>/.pcf-local/processes/<name>.json` holds; `startTicks` is field 22 of `/proc/<pid>/stat`. */
export const processRecordSchema = z.object({
  pid: z.number().int().min(2),
  startTicks: z.string(),
  startedAt: z.string(),
  name: z.string(),
  command: z.string(),
  args: z.array(z.string()),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()),
});

/** A process record, as started: see {@link processRecordSchema}. */
export type ProcessRecord = z.infer<typeof processRecordSchema>;
/** What `/proc` says of a recorded process. */
export type Liveness = "running" | "stopped" | "gone";

/** Whether the recorded process is running, stopped, or gone (exited, a zombie, or a pid now used by another process). */
export async function inspect(record: ProcessRecord): Promise<Liveness> {
  const state = await stateOf(record);
  if (state === undefined) return "gone";
  const cmdline = await readProcFile(record.pid, "cmdline");
  // An exiting process's command line reads empty before it is a zombie: that is gone too.
  if (cmdline === undefined || !isRecordedCommand(cmdline, record)) return "gone";
  return state === "T" ? "stopped" : "running";
}

/**
 * True once the recorded process has exited: no such pid, a zombie, or a pid with another start
 * time. The command line is not checked: an exiting process's reads empty before it is a zombie.
 */
export async function hasExited(record: ProcessRecord): Promise<boolean> {
  return (await stateOf(record)) === undefined;
}

/** The state letter of the recorded process; `undefined` once it has exited (see {@link hasExited}). */
async function stateOf(record: ProcessRecord): Promise<string | undefined> {
  if (!sendSignal(record.pid, 0)) return undefined;
  const stat = parseStat(await readProcFile(record.pid, "stat"));
  const hasEnded =
    stat === undefined ||
    stat.startTicks !== record.startTicks ||
    stat.state === "Z" ||
    stat.state === "X";
  return hasEnded ? undefined : stat.state;
}

/** True when `/proc/<pid>/cmdline` ends with the recorded program (by file name) and arguments. */
function isRecordedCommand(cmdline: string, record: ProcessRecord): boolean {
  const argv = cmdline.split("\0");
  if (argv.at(-1) === "") argv.pop();
  const offset = argv.length - record.args.length - 1;
  const program = argv[offset];
  return (
    program !== undefined &&
    basename(program) === basename(record.command) &&
    record.args.every((arg, index) => argv[offset + 1 + index] === arg)
  );
}

/** The state letter and start time from `/proc/<pid>/stat`; the command name may hold spaces and parentheses. */
export function parseStat(
  text: string | undefined,
): { state: string; startTicks: string } | undefined {
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [state, startTicks] = [fields[0], fields[19]];
  return state === undefined || startTicks === undefined ? undefined : { state, startTicks };
}

/** `/proc/<pid>/<file>`; `undefined` when there is no such process. */
export async function readProcFile(
  pid: number,
  file: "stat" | "cmdline",
): Promise<string | undefined> {
  try {
    return await readFile(`/proc/${pid}/${file}`, "utf8");
  } catch (error) {
    if (hasCode(error, "ENOENT", "ESRCH")) return undefined;
    throw error;
  }
}

/** Signals the process group led by `pid`, or the process alone if it has left its group. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (!sendSignal(-pid, signal)) sendSignal(pid, signal);
}

/** Sends `signal` (0 probes); false when no such process exists or it is not ours to signal. */
function sendSignal(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    if (hasCode(error, "ESRCH", "EPERM")) return false;
    throw error;
  }
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && codes.includes(code);
}
