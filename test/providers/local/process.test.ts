import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApplyError } from "../../../src/core/apply-result.js";
import { DefinitionError } from "../../../src/core/errors.js";
import { createRunContext } from "../../../src/core/run-context.js";
import { waitFor } from "../../../src/core/wait.js";
import { Field, planField } from "../../../src/index.js";
import { discoverFlavor, type DiscoverableClass } from "../../../src/providers/kit/discovery.js";
import { LocalProcess, type LocalProcessDefinition } from "../../../src/providers/local/index.js";

let baseDir: string;
/** Processes a test started itself, as stand-ins for someone else's process. */
const decoys: ChildProcess[] = [];
/** Every pid a test saw started by a particle, killed after the test even if its record is gone. */
const started: number[] = [];

beforeEach(async () => {
  baseDir = await mkdtemp(join(tmpdir(), "pcf-local-process-"));
});

afterEach(async () => {
  const decoyPids = new Set(decoys.map((decoy) => decoy.pid));
  for (const file of await readdir(recordsDir()).catch(() => [])) {
    if (!file.endsWith(".json")) continue;
    const { pid } = JSON.parse(await readFile(join(recordsDir(), file), "utf8")) as { pid: number };
    if (!decoyPids.has(pid)) killQuietly(-pid);
  }
  for (const pid of started.splice(0)) killQuietly(-pid);
  for (const decoy of decoys.splice(0)) decoy.kill("SIGKILL");
  await rm(baseDir, { recursive: true, force: true });
});

function recordsDir(): string {
  return join(baseDir, ".pcf-local", "processes");
}

function localProcess(block: Partial<LocalProcessDefinition> = {}): LocalProcess {
  return new LocalProcess({
    pcf_name: "sleeper",
    flavor: "local_process",
    local_resource: { name: "sleeper", command: "sleep", args: ["30"], ...block },
  });
}

function options() {
  return { providerOptions: { local: { baseDir } } };
}

async function recordedPid(name = "sleeper"): Promise<number> {
  const { pid } = JSON.parse(await readFile(join(recordsDir(), `${name}.json`), "utf8")) as {
    pid: number;
  };
  started.push(pid);
  return pid;
}

/** Fields of `/proc/<pid>/stat` from the state letter on (index 0 is field 3). */
async function statFields(pid: number): Promise<string[]> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8");
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

async function procState(pid: number): Promise<string | undefined> {
  return (await statFields(pid).catch(() => []))[0];
}

async function isGone(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const state = await procState(pid);
  return state === undefined || state === "Z";
}

async function cmdline(pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter((arg) => arg !== "");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function killQuietly(target: number): void {
  try {
    process.kill(target, "SIGKILL");
  } catch {
    // already gone
  }
}

async function startDecoy(args: string[]): Promise<number> {
  const decoy = spawn("sleep", args, { stdio: "ignore" });
  decoys.push(decoy);
  await once(decoy, "spawn");
  if (decoy.pid === undefined) throw new Error("decoy did not start");
  return decoy.pid;
}

async function writeRecord(record: Record<string, unknown>): Promise<void> {
  await mkdir(recordsDir(), { recursive: true });
  await writeFile(join(recordsDir(), "sleeper.json"), JSON.stringify(record));
}

async function failureOf(run: Promise<unknown>): Promise<ApplyError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof ApplyError) return error;
    throw error;
  }
  throw new Error("expected the apply to fail");
}

describe("LocalProcess", () => {
  it("starts the command detached in its own process group and records its pid", async () => {
    const result = await localProcess().apply(options());

    const pid = await recordedPid();
    expect(result.particles[0]?.outcome).toBe("converged");
    expect(await cmdline(pid)).toEqual(["sleep", "30"]);
    expect(await procState(pid)).not.toBe("T");
    expect((await statFields(pid))[2]).toBe(String(pid));
  });

  it("reports unchanged when applied again", async () => {
    await localProcess().apply(options());

    const result = await localProcess().apply(options());

    expect(result.particles[0]?.outcome).toBe("unchanged");
  });

  it("stops the process with SIGSTOP and continues the same process with SIGCONT", async () => {
    const particle = localProcess();
    await particle.apply(options());
    const pid = await recordedPid();

    await particle.apply({ ...options(), desiredState: "stopped" });
    expect(await procState(pid)).toBe("T");

    await particle.apply({ ...options(), desiredState: "running" });
    expect(await recordedPid()).toBe(pid);
    expect(await procState(pid)).not.toBe("T");
  });

  it("terminates the process and removes its record", async () => {
    const particle = localProcess();
    await particle.apply(options());
    const pid = await recordedPid();

    await particle.apply({ ...options(), desiredState: "terminated" });

    expect(await isGone(pid)).toBe(true);
    expect(await exists(join(recordsDir(), "sleeper.json"))).toBe(false);
  });

  it("terminates a stopped process", async () => {
    const particle = localProcess();
    await particle.apply({ ...options(), desiredState: "stopped" });
    const pid = await recordedPid();

    await particle.apply({ ...options(), desiredState: "terminated" });

    expect(await isGone(pid)).toBe(true);
  });

  it("kills a process that ignores SIGTERM", async () => {
    const script =
      "process.on('SIGTERM', () => {}); require('fs').writeFileSync('ready', ''); setInterval(() => {}, 1000)";
    const particle = localProcess({ command: process.execPath, args: ["-e", script] });
    await particle.apply(options());
    const pid = await recordedPid();
    await waitFor(async () =>
      (await exists(join(baseDir, "ready"))) ? { done: true, value: undefined } : { done: false },
    );

    const polls: string[] = [];
    await particle.apply({
      ...options(),
      desiredState: "terminated",
      onEvent: (event) => (event.type === "wait.poll" ? polls.push(event.particle) : undefined),
    });

    expect(await isGone(pid)).toBe(true);
    // The wait for the exit goes through the run's waiter, which reports each poll.
    expect(polls.length).toBeGreaterThan(1);
    expect(new Set(polls)).toEqual(new Set(["local_process:sleeper"]));
  });

  it("succeeds in terminating a process that is not running", async () => {
    const result = await localProcess().apply({ ...options(), desiredState: "terminated" });

    expect(result.ok).toBe(true);
    expect(result.particles[0]?.outcome).toBe("unchanged");
  });

  it("finds the running process from a new particle object by its name", async () => {
    await localProcess().apply(options());
    const pid = await recordedPid();

    const again = localProcess();
    const result = await again.apply(options());
    await again.apply({ ...options(), desiredState: "terminated" });

    expect(result.particles[0]?.outcome).toBe("unchanged");
    expect(await isGone(pid)).toBe(true);
  });

  it("restarts the process when its arguments change", async () => {
    await localProcess().apply(options());
    const before = await recordedPid();

    const result = await localProcess({ args: ["31"] }).apply(options());

    const after = await recordedPid();
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(after).not.toBe(before);
    expect(await isGone(before)).toBe(true);
    expect(await cmdline(after)).toEqual(["sleep", "31"]);
  });

  it("starts the process again after it died behind its back", async () => {
    const particle = localProcess();
    await particle.apply(options());
    const before = await recordedPid();
    process.kill(before, "SIGKILL");
    await waitFor(async () =>
      (await isGone(before)) ? { done: true, value: undefined } : { done: false },
    );

    const result = await particle.apply(options());

    expect(result.particles[0]?.outcome).toBe("converged");
    expect(await recordedPid()).not.toBe(before);
  });

  it("treats a recorded pid running another command as terminated and never signals it", async () => {
    const pid = await startDecoy(["31"]);
    const startTicks = (await statFields(pid))[19];
    await writeRecord({
      pid,
      startTicks,
      startedAt: "",
      name: "sleeper",
      command: "sleep",
      args: ["30"],
      env: {},
    });

    const terminated = await localProcess().apply({ ...options(), desiredState: "terminated" });
    await localProcess().apply(options());

    expect(terminated.particles[0]?.outcome).toBe("unchanged");
    expect(await procState(pid)).toMatch(/^[RS]$/);
    expect(await recordedPid()).not.toBe(pid);
  });

  it("treats a recorded pid with another start time as terminated and never signals it", async () => {
    const pid = await startDecoy(["30"]);
    await writeRecord({
      pid,
      startTicks: "1",
      startedAt: "",
      name: "sleeper",
      command: "sleep",
      args: ["30"],
      env: {},
    });

    const result = await localProcess().apply({ ...options(), desiredState: "stopped" });

    expect(result.particles[0]?.transitions).toEqual(["start", "stop"]);
    expect(await procState(pid)).toMatch(/^[RS]$/);
    expect(await recordedPid()).not.toBe(pid);
  });

  it("fails the read of an unreadable record, naming it, and leaves it alone", async () => {
    await writeRecord({ pid: "not a pid" });

    const failure = await failureOf(localProcess().apply(options()));

    const report = failure.result.particles[0];
    expect(report?.outcome).toBe("failed");
    expect(report?.error?.message).toBe(
      `unreadable process record ${join(recordsDir(), "sleeper.json")}: stop the process it names, then delete it`,
    );
    expect(await exists(join(recordsDir(), "sleeper.json"))).toBe(true);
  });

  it("runs the command in cwd with env added", async () => {
    await mkdir(join(baseDir, "work"));
    const script =
      "require('fs').writeFileSync('out.txt', process.env.GREETING); setInterval(() => {}, 1000)";
    await localProcess({
      command: process.execPath,
      args: ["-e", script],
      cwd: "work",
      env: { GREETING: "hi" },
    }).apply(options());
    await recordedPid();

    const out = join(baseDir, "work", "out.txt");
    const content = await waitFor(async () =>
      (await exists(out)) ? { done: true, value: await readFile(out, "utf8") } : { done: false },
    );
    expect(content).toBe("hi");
  });

  it("fails the apply, naming the command, when it cannot be started", async () => {
    const failure = await failureOf(
      localProcess({ command: "pcf-no-such-command" }).apply(options()),
    );

    expect(failure).toMatchObject({ code: "APPLY_FAILED" });
    expect(failure.message).toContain("pcf-no-such-command");
  });

  it("rejects a definition without a name, naming local_resource.name", () => {
    const create = () =>
      new LocalProcess({
        pcf_name: "x",
        flavor: "local_process",
        local_resource: { command: "sleep" },
      });

    expect(create).toThrow(DefinitionError);
    expect(create).toThrow(
      expect.objectContaining({
        issues: [expect.objectContaining({ field: "local_resource.name" })],
      }),
    );
  });
});

describe("LocalProcess discovery", () => {
  async function discovered() {
    const context = createRunContext(options());
    return discoverFlavor(LocalProcess as unknown as DiscoverableClass, context);
  }

  it("lists every recorded process, running or stopped, as definitions that plan no change", async () => {
    await localProcess({ env: { MODE: "a" } }).apply(options());
    await new LocalProcess({
      pcf_name: "napper",
      flavor: "local_process",
      local_resource: { name: "napper", command: "sleep", args: ["31"] },
    }).apply({ ...options(), desiredState: "stopped" });
    await recordedPid();
    await recordedPid("napper");

    const found = [...((await discovered()) ?? [])].sort((a, b) => a.key.localeCompare(b.key));

    expect(found.map(({ key, state }) => ({ key, state }))).toEqual([
      { key: "napper", state: "stopped" },
      { key: "sleeper", state: "running" },
    ]);
    expect(found[1]?.definition).toEqual({
      flavor: "local_process",
      pcf_name: "sleeper",
      local_resource: { name: "sleeper", command: "sleep", args: ["30"], env: { MODE: "a" } },
    });
    const plan = await planField(
      new Field(found.map(({ definition }) => new LocalProcess(definition))).link(),
      options(),
    );
    expect(
      plan.particles.map(({ transitions, differences }) => ({ transitions, differences })),
    ).toEqual([
      { transitions: [], differences: [] },
      { transitions: [], differences: [] },
    ]);
  });

  it("lists nothing where no process was ever recorded", async () => {
    expect(await discovered()).toEqual([]);
  });

  it("leaves out a recorded process that is gone, and removes its record", async () => {
    await localProcess().apply(options());
    const pid = await recordedPid();
    process.kill(-pid, "SIGKILL");
    await waitFor(async () =>
      (await isGone(pid)) ? { done: true, value: undefined } : { done: false },
    );

    expect(await discovered()).toEqual([]);
    expect(await exists(join(recordsDir(), "sleeper.json"))).toBe(false);
  });
});
