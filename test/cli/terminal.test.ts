import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cleanup,
  collect,
  hasScript,
  localFile,
  makeProject,
  pcfCommandLine,
  runInTerminal,
  runPcf,
  spawnPcf,
  waitForOutput,
} from "./pcf.js";

const dirs: string[] = [];

async function project(files: Record<string, string>): Promise<string> {
  const dir = await makeProject(files);
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.splice(0).map(cleanup));
});

async function textFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith(".txt")).sort();
}

/** A process that ignores SIGTERM: terminating it waits until the engine gives up or kills it. */
function stubbornProcess(name: string): string {
  const script = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);";
  return JSON.stringify([
    {
      pcf_name: name,
      flavor: "local_process",
      local_resource: { name, command: process.execPath, args: ["-e", script] },
    },
  ]);
}

/** Kills what a `local_process` particle started, whatever state the test left it in. */
async function killRecorded(dir: string, name: string): Promise<void> {
  try {
    const record = JSON.parse(
      await readFile(join(dir, ".pcf-local", "processes", `${name}.json`), "utf8"),
    ) as { pid: number };
    process.kill(-record.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

describe.skipIf(!hasScript)("on a terminal", () => {
  it("redraws one line per particle in place with ANSI cursor movement", async () => {
    const cwd = await project({ "pcf.yml": localFile("alpha") + localFile("beta") });

    const { code, stdout } = await runInTerminal(pcfCommandLine(["apply"]), { cwd });

    expect(code).toBe(0);
    expect(stdout).toContain("\u001b[?25l");
    expect(stdout).toContain("\u001b[3A");
    expect(stdout).toContain("\u001b[2K");
    expect(stdout).toMatch(/✓ local_file:alpha\s+converged \(start\)/);
    expect(stdout).toMatch(/✓ local_file:beta\s+converged \(start\)/);
    expect(stdout).toContain("2/2 particles done");
    expect(stdout).toContain("\u001b[?25h");
    expect(stdout).toMatch(/2 converged in \d+\.\ds/);
  });

  it("asks before terminating and terminates on yes", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") + localFile("b") });
    await runPcf(["run"], { cwd });

    const { code, stdout } = await runInTerminal(pcfCommandLine(["terminate"]), {
      cwd,
      input: "y\n",
    });

    expect(stdout).toContain("Terminate 2 particles? [y/N]");
    expect(code).toBe(0);
    expect(await textFiles(cwd)).toEqual([]);
  });

  it("changes nothing when the answer is no", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });
    await runPcf(["run"], { cwd });

    const { code, stdout } = await runInTerminal(pcfCommandLine(["terminate"]), {
      cwd,
      input: "n\n",
    });

    expect(stdout).toContain("Terminate 1 particle? [y/N]");
    expect(stdout).toContain("not confirmed: nothing changed");
    expect(code).toBe(1);
    expect(await textFiles(cwd)).toEqual(["a.txt"]);
  });
});

describe("Ctrl-C", () => {
  it("aborts work in flight at the second Ctrl-C", async () => {
    const cwd = await project({ "pcf.json": stubbornProcess("stubborn") });
    try {
      expect((await runPcf(["run"], { cwd })).code).toBe(0);
      const child = spawnPcf(["terminate", "--yes", "--json"], { cwd });
      const done = collect(child);

      await waitForOutput(child.stdout, /"type":"transition\.start"/);
      child.kill("SIGINT");
      await waitForOutput(child.stderr, /stopping after work in flight/);
      child.kill("SIGINT");
      const { code, stderr } = await done;

      expect(code).toBe(130);
      expect(stderr).toContain("aborting work in flight");
      expect(stderr).toMatch(/interrupted: /);
    } finally {
      await killRecorded(cwd, "stubborn");
    }
  });
});

describe("--timeout", () => {
  it("gives up after the timeout and says what to do", async () => {
    const cwd = await project({ "pcf.json": stubbornProcess("slowpoke") });
    try {
      expect((await runPcf(["run"], { cwd })).code).toBe(0);

      const { code, stderr } = await runPcf(["terminate", "--yes", "--timeout", "0.5"], { cwd });

      expect(code).toBe(1);
      expect(stderr).toMatch(/^error: .*timed out/m);
      expect(stderr).toContain("hint: raise --timeout");
    } finally {
      await killRecorded(cwd, "slowpoke");
    }
  });
});
