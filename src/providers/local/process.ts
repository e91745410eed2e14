import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import * as z from "zod";
import { PcfError, messageOf } from "../../core/errors.js";
import { Particle } from "../../core/particle.js";
import type { RunContext } from "../../core/run-context.js";
import { isPlainObject } from "../../core/values.js";
import { throwIfAborted } from "../../core/wait.js";
import { writeAtomically } from "./atomic-write.js";
import { resolveLocalBaseDir } from "./options.js";
import {
  hasCode,
  inspect,
  parseStat,
  processRecordSchema,
  readProcFile,
  signalGroup,
  waitUntilGone,
  type ProcessRecord,
} from "./process-table.js";

/**
 * The `local_resource` block of a `local_process` particle.
 *
 * - `name`: identifies the process across runs; letters, digits, `.`, `_` and `-`. Required: it
 *   is the unique key.
 * - `command`: the program, looked up on `PATH` unless it contains a `/`. Required.
 * - `args`: its arguments. Default `[]`.
 * - `cwd`: its working directory, relative to the base directory. Default the base directory.
 * - `env`: variables added to the environment of the framework's own process. Default `{}`.
 * - `custom_config`: free-form settings for callbacks and tooling; never compared.
 */
export const localProcessSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected letters, digits, '.', '_' or '-'"),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).default({}),
  custom_config: z.record(z.string(), z.unknown()).optional(),
});

/** What a user writes in the `local_resource` block of a `local_process` particle. */
export type LocalProcessDefinition = z.input<typeof localProcessSchema>;

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
 * recycled pid reads as `terminated` and is never signalled. Programs that rewrite their own
 * command line are therefore not supported. Any change to the definition restarts the process.
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
export class LocalProcess extends Particle {
  static override readonly flavor: string = "local_process";
  static override readonly resourceKey: string = "local_resource";
  static override readonly uniqueKeys = ["local_resource.name"];
  static override readonly definitionSchema = localProcessSchema;

  /** Reads the record and `/proc`: alive and ours is `running` or `stopped`, anything else `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    const found = await this.findOwn(context);
    this.state = found?.liveness ?? "terminated";
    if (found === undefined) {
      this.currentStateDefinition = {};
      return;
    }
    const { name, command, args, cwd, env } = found.record;
    this.currentStateDefinition = {
      name,
      command,
      args,
      env,
      ...(cwd === undefined ? {} : { cwd }),
    };
  }

  /** Continues a stopped process with SIGCONT, or spawns the command when none is running. */
  protected override async _start(context: RunContext): Promise<void> {
    const found = await this.findOwn(context);
    if (found === undefined) await this.spawnProcess(context);
    else if (found.liveness === "stopped") signalGroup(found.record.pid, "SIGCONT");
  }

  /** Suspends the process group with SIGSTOP. */
  protected override async _stop(context: RunContext): Promise<void> {
    const found = await this.findOwn(context);
    if (found?.liveness === "running") signalGroup(found.record.pid, "SIGSTOP");
  }

  /**
   * Sends SIGTERM (and SIGCONT, so a stopped process can act on it) to the process group, waits
   * for the process to exit, sends SIGKILL after 2 s, then deletes the record. Nothing running is fine.
   */
  protected override async _terminate(context: RunContext): Promise<void> {
    const found = await this.findOwn(context);
    if (found !== undefined) {
      const { record } = found;
      signalGroup(record.pid, "SIGTERM");
      signalGroup(record.pid, "SIGCONT");
      if (!(await waitUntilGone(record, context.signal, KILL_AFTER_MS))) {
        signalGroup(record.pid, "SIGKILL");
        await waitUntilGone(record, context.signal);
      }
    }
    await rm(this.recordPath(context), { force: true });
  }

  /** Restarts the process with the desired definition: a running process cannot change in place. */
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

  /** The record and liveness of this particle's process when it is alive and ours; a stale record is removed. */
  private async findOwn(
    context: RunContext,
  ): Promise<{ record: ProcessRecord; liveness: "running" | "stopped" } | undefined> {
    if (process.platform !== "linux") {
      throw new PcfError("TRANSITION_FAILED", "local_process needs Linux (/proc)", {
        particle: this.id,
      });
    }
    const path = this.recordPath(context);
    const record = await readRecord(path, this.id);
    if (record === undefined) return undefined;
    const liveness = await inspect(record);
    if (liveness !== "gone") return { record, liveness };
    await rm(path, { force: true });
    return undefined;
  }

  private async spawnProcess(context: RunContext): Promise<void> {
    const definition = this.parseDesired();
    const recordPath = this.recordPath(context);
    const logPath = recordPath.replace(/\.json$/, ".log");
    await mkdir(dirname(recordPath), { recursive: true });
    throwIfAborted(context.signal);
    const log = await open(logPath, "a");
    let pid: number | undefined;
    try {
      const child = spawn(definition.command, definition.args, {
        cwd: resolve(resolveLocalBaseDir(context), definition.cwd ?? "."),
        env: { ...process.env, ...definition.env },
        detached: true,
        stdio: ["ignore", log.fd, log.fd],
      });
      await once(child, "spawn");
      child.unref();
      pid = child.pid;
    } catch (error) {
      throw new PcfError(
        "TRANSITION_FAILED",
        `cannot start ${definition.command}: ${messageOf(error)}`,
        { particle: this.id },
        { cause: error },
      );
    } finally {
      await log.close();
    }
    const stat = pid === undefined ? undefined : parseStat(await readProcFile(pid, "stat"));
    if (pid === undefined || stat === undefined || stat.state === "Z") {
      throw new PcfError(
        "TRANSITION_FAILED",
        `${definition.command} exited at once; see ${logPath}`,
        { particle: this.id },
      );
    }
    const { name, command, args, cwd, env } = definition;
    const record: ProcessRecord = {
      pid,
      startTicks: stat.startTicks,
      startedAt: new Date().toISOString(),
      name,
      command,
      args,
      cwd,
      env,
    };
    try {
      await writeAtomically(recordPath, `${JSON.stringify(record, null, 2)}\n`, {
        signal: context.signal,
      });
    } catch (error) {
      signalGroup(pid, "SIGKILL");
      throw error;
    }
  }

  private parseDesired(): z.infer<typeof localProcessSchema> {
    return this.parseDesiredDefinition<z.infer<typeof localProcessSchema>>();
  }

  private recordPath(context: RunContext): string {
    const name = localProcessSchema.shape.name.safeParse(this.desiredStateDefinition["name"]);
    if (!name.success) {
      const message = name.error.issues[0]?.message ?? "invalid name";
      throw new PcfError("DEFINITION_INVALID", message, {
        particle: this.id,
        field: "local_resource.name",
      });
    }
    return join(resolveLocalBaseDir(context), ".pcf-local", "processes", `${name.data}.json`);
  }
}

async function readRecord(path: string, particle: string): Promise<ProcessRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (hasCode(error, "ENOENT")) return undefined;
    throw error;
  }
  const parsed = processRecordSchema.safeParse(parseJson(text));
  if (parsed.success) return parsed.data;
  throw new PcfError(
    "TRANSITION_FAILED",
    `unreadable process record ${path}: stop the process it names, then delete it`,
    { particle },
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
