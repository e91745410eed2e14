import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, open, readFile, readdir, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import * as z from "zod";
import { PcfError } from "../../core/errors.js";
import type { RunContext } from "../../core/run-context.js";
import { isPlainObject } from "../../core/values.js";
import { throwIfAborted } from "../../core/wait.js";
import type { Observation } from "../kit/facts.js";
import { listEach } from "../kit/list-each.js";
import { writeAtomically } from "./atomic-write.js";
import {
  hasExited,
  inspect,
  parseStat,
  processRecordSchema,
  readProcFile,
  signalGroup,
  type ProcessRecord,
} from "./process-table.js";
import { LocalResource, unlessMissing, type LocalHost } from "./resource.js";

/** The `local_resource` block of a `local_process` particle. */
export const localProcessSchema = z.strictObject({
  /** Identifies the process across runs; letters, digits, `.`, `_` and `-`. Required: it is the unique key. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected letters, digits, '.', '_' or '-'"),
  /** The program, looked up on `PATH` unless it contains a `/`. Required. */
  command: z.string().min(1),
  /** Its arguments. Default `[]`. */
  args: z.array(z.string()).default([]),
  /** Its working directory, relative to the base directory. Default: the base directory. */
  cwd: z.string().min(1).optional(),
  /** Variables added to the environment of the framework's own process. Default `{}`. */
  env: z.record(z.string(), z.string()).default({}),
  /** Free-form settings for callbacks and tooling; never compared. */
  custom_config: z.record(z.string(), z.unknown()).optional(),
});

/** What a user writes in the `local_resource` block of a `local_process` particle. */
export type LocalProcessDefinition = z.input<typeof localProcessSchema>;

/** The parsed block, defaults applied. */
type ParsedLocalProcess = z.output<typeof localProcessSchema>;

/** A recorded process that is alive and ours, as a read finds it. */
interface LiveProcess {
  readonly record: ProcessRecord;
  readonly liveness: "running" | "stopped";
}

/** How long a process gets to exit after SIGTERM before it is sent SIGKILL. */
const KILL_AFTER_MS = 2_000;

/**
 * A long-lived command on this machine, started detached in its own process group and found by
 * its name. Linux only: it reads `/proc`. Running, stopped (SIGSTOP) and terminated are distinct.
 *
 * Nothing is held in memory: `<baseDir>/.pcf-local/processes/<name>.json` records the pid, the
 * process's start time and the definition it was started with, and `<name>.log` receives its
 * stdout and stderr. A recorded pid counts as this particle's process only while its start time
 * and `/proc/<pid>/cmdline` still match the record (an interpreter before a script is allowed), so a
 * recycled pid reads as `terminated` and is never signalled: each signal checks again first.
 * Programs that rewrite their own command line are therefore not supported. Any change to the
 * definition restarts the process.
 *
 * @example
 * ```ts
 * const server = new LocalProcess({
 *   pcf_name: "web",
 *   flavor: "local_process",
 *   local_resource: { name: "web", command: "python3", args: ["-m", "http.server", "8080"] },
 * });
 * await server.apply({ providerOptions: { local: { baseDir: "/tmp/demo" } } });
 * ```
 */
export class LocalProcess extends LocalResource<ParsedLocalProcess, LiveProcess> {
  static override readonly flavor: string = "local_process";
  static override readonly uniqueKeys: readonly string[] = ["local_resource.name"];
  static override readonly definitionSchema = localProcessSchema;

  /**
   * The recorded process of each name, when it is alive and ours; the record of one that is
   * gone is removed.
   * @throws PcfError `TRANSITION_FAILED` off Linux, or for a record that cannot be parsed.
   */
  protected override list(
    { baseDir }: LocalHost,
    names: readonly string[],
  ): Promise<ReadonlyMap<string, LiveProcess>> {
    requireLinux();
    return listEach(names, (name) => liveProcessOf(baseDir, name));
  }

  /**
   * Every recorded process of the base directory that is alive and ours: only the framework
   * writes records (`.pcf-local/processes/<name>.json`), one per process it started, so each
   * names one of this flavor's. Processes it did not start have no record and are not listed;
   * the records of processes that are gone are removed, as reads do.
   * @throws PcfError `TRANSITION_FAILED` off Linux; `ListFailures` for records that cannot be parsed.
   */
  protected override async listAll({ baseDir }: LocalHost): Promise<readonly LiveProcess[]> {
    requireLinux();
    const files = (await unlessMissing(readdir(recordsDir(baseDir)))) ?? [];
    const names = files
      .filter((file) => file.endsWith(RECORD_SUFFIX))
      .map((file) => file.slice(0, -RECORD_SUFFIX.length))
      .filter((name) => localProcessSchema.shape.name.safeParse(name).success);
    const found = await listEach(names, (name) => liveProcessOf(baseDir, name));
    return [...found.values()];
  }

  /** `running` or `stopped`, with the definition the process was started with. */
  protected override observe({ record, liveness }: LiveProcess): Observation {
    const { name, command, args, cwd, env } = record;
    return {
      state: liveness,
      definition: { name, command, args, env, ...(cwd === undefined ? {} : { cwd }) },
    };
  }

  /**
   * Spawns the command detached, its output appended to `<name>.log`, and records it.
   * @throws PcfError `TRANSITION_FAILED` when it exits at once.
   */
  protected override async create(
    { baseDir }: LocalHost,
    { name, command, args, cwd, env }: ParsedLocalProcess,
    { signal }: RunContext,
  ): Promise<LiveProcess> {
    const path = recordPath(baseDir, name);
    const logPath = path.replace(/\.json$/, ".log");
    await mkdir(dirname(path), { recursive: true });
    throwIfAborted(signal);
    const log = await open(logPath, "a");
    let pid: number | undefined;
    try {
      const child = spawn(command, args, {
        cwd: resolve(baseDir, cwd ?? "."),
        env: { ...process.env, ...env },
        detached: true,
        stdio: ["ignore", log.fd, log.fd],
      });
      await once(child, "spawn");
      child.unref();
      pid = child.pid;
    } finally {
      await log.close();
    }
    const stat = pid === undefined ? undefined : parseStat(await readProcFile(pid, "stat"));
    if (pid === undefined || stat === undefined || stat.state === "Z")
      throw new PcfError("TRANSITION_FAILED", `${command} exited at once; see ${logPath}`);
    const startedAt = new Date().toISOString();
    const { startTicks } = stat;
    const record: ProcessRecord = { pid, startTicks, startedAt, name, command, args, cwd, env };
    try {
      await writeAtomically(path, `${JSON.stringify(record, null, 2)}\n`, { signal });
    } catch (error) {
      // Unrecorded, the process would be found by no later run.
      signalGroup(pid, "SIGKILL");
      throw error;
    }
    return { record, liveness: "running" };
  }

  /**
   * Sends SIGTERM (and SIGCONT, so a stopped process can act on it) to the process group, waits
   * for the process to exit, polling `/proc`, with SIGKILL after 2 s, then deletes the record.
   */
  protected override async remove(
    { baseDir }: LocalHost,
    { record }: LiveProcess,
    context: RunContext,
  ): Promise<void> {
    if ((await inspect(record)) !== "gone") {
      signalGroup(record.pid, "SIGTERM");
      signalGroup(record.pid, "SIGCONT");
      const killAtMs = context.now() + KILL_AFTER_MS;
      await context.waitFor(
        async () => {
          if (await hasExited(record)) return { done: true, value: undefined };
          // Not exited, so still ours: its pid cannot have been reused yet.
          if (context.now() >= killAtMs) signalGroup(record.pid, "SIGKILL");
          return { done: false };
        },
        { particle: this.id, description: `process ${record.pid} to exit`, maxDelayMs: 250 },
      );
    }
    await rm(recordPath(baseDir, record.name), { force: true });
  }

  /** Suspends the process group with SIGSTOP. */
  protected override async halt(_host: LocalHost, { record }: LiveProcess): Promise<void> {
    if ((await inspect(record)) === "running") signalGroup(record.pid, "SIGSTOP");
  }

  /** Continues the stopped process group with SIGCONT. */
  protected override async resume(_host: LocalHost, { record }: LiveProcess): Promise<void> {
    if ((await inspect(record)) === "stopped") signalGroup(record.pid, "SIGCONT");
  }

  /**
   * Restarts the process with the desired definition. Overridden because a running process
   * cannot change in place (the kit's field updaters have nothing to call), and a restart loses
   * nothing a replacement would protect, so it needs no `replace_on_change`.
   */
  protected override async _update(context: RunContext): Promise<void> {
    await this._terminate(context);
    await this._start(context);
  }

  /** Compares the five fields (not `custom_config`) with defaults applied; `env` is compared as a whole. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { name, command, args, cwd, env } = definition;
    const envEntries = isPlainObject(env)
      ? Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      : (env ?? []);
    return { name, command, args: args ?? [], cwd: cwd ?? null, env: envEntries };
  }
}

/** How a process record's file name ends: `<name>.json`. */
const RECORD_SUFFIX = ".json";

/** @throws PcfError `TRANSITION_FAILED` off Linux: processes are read in `/proc`. */
function requireLinux(): void {
  if (process.platform !== "linux")
    throw new PcfError("TRANSITION_FAILED", "local_process needs Linux (/proc)");
}

/** The recorded process of `name`, when it is alive and ours; the record of one gone is removed. */
async function liveProcessOf(baseDir: string, name: string): Promise<LiveProcess | undefined> {
  const path = recordPath(baseDir, name);
  const record = await readRecord(path);
  if (record === undefined) return undefined;
  const liveness = await inspect(record);
  if (liveness !== "gone") return { record, liveness };
  await rm(path, { force: true });
  return undefined;
}

/** The directory of the process records, under `baseDir`. */
function recordsDir(baseDir: string): string {
  return join(baseDir, ".pcf-local", "processes");
}

/**
 * Where the process of `name` is recorded, under `baseDir`.
 * @throws PcfError `DEFINITION_INVALID` when `name` (resolved) is not a valid name.
 */
function recordPath(baseDir: string, name: string): string {
  const parsed = localProcessSchema.shape.name.safeParse(name);
  if (!parsed.success)
    throw new PcfError("DEFINITION_INVALID", parsed.error.issues[0]?.message ?? "invalid name", {
      field: "local_resource.name",
    });
  return join(recordsDir(baseDir), `${parsed.data}${RECORD_SUFFIX}`);
}

/**
 * The process record at `path`; `undefined` when there is none.
 * @throws PcfError `TRANSITION_FAILED` when it cannot be parsed.
 */
async function readRecord(path: string): Promise<ProcessRecord | undefined> {
  const text = await unlessMissing(readFile(path, "utf8"));
  if (text === undefined) return undefined;
  const parsed = processRecordSchema.safeParse(parseJson(text));
  if (parsed.success) return parsed.data;
  throw new PcfError(
    "TRANSITION_FAILED",
    `unreadable process record ${path}: stop the process it names, then delete it`,
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
