import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, collect, jsonLines, makeProject, spawnPcf, waitForOutput } from "./pcf.js";

const dirs: string[] = [];

async function project(files: Record<string, string>): Promise<string> {
  const dir = await makeProject(files);
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.splice(0).map(cleanup));
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Start callbacks that hold their particle in flight until the file `release` exists: `hold`
 * gives up when the run's signal aborts, `holdDeaf` ignores it.
 */
const HOLD_MODULE = `import { access } from "node:fs/promises";
import { setTimeout } from "node:timers/promises";
async function until(release, signal) {
  for (;;) {
    signal?.throwIfAborted();
    try { await access(release); return; } catch { await setTimeout(20); }
  }
}
export const hold = ({ release, signal }) => until(release, signal);
export const holdDeaf = ({ release }) => until(release, undefined);
`;

/** Two local files; the first holds its start in the callback `holdExport` of HOLD_MODULE. */
function heldProject(holdExport: "hold" | "holdDeaf"): Record<string, string> {
  return {
    "hold.mjs": HOLD_MODULE,
    "pcf.json": JSON.stringify([
      {
        pcf_name: "slow",
        flavor: "local_file",
        local_resource: { path: "slow.txt" },
        callbacks: {
          start: { function: `./hold.mjs#${holdExport}`, kwargs: { release: "release" } },
        },
      },
      { pcf_name: "next", flavor: "local_file", local_resource: { path: "next.txt" } },
    ]),
  };
}

describe("SIGTERM", () => {
  it("lets work in flight finish, prints the report and exits 143", async () => {
    const cwd = await project(heldProject("hold"));
    const child = spawnPcf(["run", "--parallel", "1", "--json"], { cwd });
    const done = collect(child);

    await waitForOutput(child.stdout, /"type":"transition\.start"/);
    child.kill("SIGTERM");
    await waitForOutput(
      child.stderr,
      /SIGTERM: stopping after work in flight \(SIGTERM again to abort\)/,
    );
    await writeFile(join(cwd, "release"), "");
    const { code, stdout, stderr } = await done;

    expect(code).toBe(143);
    expect(stderr).toMatch(/interrupted: 1 converged, 1 not started/);
    expect(stderr).toMatch(/local_file:slow\s+converged\s+start/);
    expect(stderr).toMatch(/local_file:next\s+not started/);
    expect(jsonLines(stdout).at(-1)).toMatchObject({
      type: "result",
      ok: false,
      interrupted: true,
    });
    expect(await exists(join(cwd, "slow.txt"))).toBe(true);
    expect(await exists(join(cwd, "next.txt"))).toBe(false);
  });

  it("aborts work in flight at the second SIGTERM and still prints the report", async () => {
    const cwd = await project(heldProject("hold"));
    const child = spawnPcf(["run", "--parallel", "1", "--json"], { cwd });
    const done = collect(child);

    await waitForOutput(child.stdout, /"type":"transition\.start"/);
    child.kill("SIGTERM");
    await waitForOutput(child.stderr, /stopping after work in flight/);
    child.kill("SIGTERM");
    const { code, stderr } = await done;

    expect(code).toBe(143);
    expect(stderr).toContain("SIGTERM: aborting work in flight");
    expect(stderr).toMatch(/interrupted: 1 failed, 1 not started/);
    expect(stderr).toMatch(/local_file:slow\s+failed/);
    expect(await exists(join(cwd, "next.txt"))).toBe(false);
  });

  it("exits at once at the third signal when work in flight ignores the abort", async () => {
    const cwd = await project(heldProject("holdDeaf"));
    const child = spawnPcf(["run", "--parallel", "1", "--json"], { cwd });
    const done = collect(child);

    await waitForOutput(child.stdout, /"type":"transition\.start"/);
    child.kill("SIGTERM");
    await waitForOutput(child.stderr, /stopping after work in flight/);
    child.kill("SIGINT");
    await waitForOutput(child.stderr, /aborting work in flight/);
    child.kill("SIGTERM");
    const { code, stderr } = await done;

    expect(code).toBe(143);
    expect(stderr).not.toMatch(/interrupted: /);
    expect(await exists(join(cwd, "next.txt"))).toBe(false);
  });
});

describe("a signal before the command has started its work", () => {
  // The callback module is imported while the definitions load: it announces itself, then never
  // finishes loading, which holds the command before it attaches to the signals.
  const STUCK_MODULE =
    'process.stderr.write("loading callbacks\\n");\n' +
    "await new Promise(() => setInterval(() => {}, 1000));\n" +
    "export const never = () => {};\n";

  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)("prints one line and exits with the status of %s", async (signal, status) => {
    const cwd = await project({
      "stuck.mjs": STUCK_MODULE,
      "pcf.json": JSON.stringify([
        {
          pcf_name: "early",
          flavor: "local_file",
          local_resource: { path: "early.txt" },
          callbacks: { start: { function: "./stuck.mjs#never" } },
        },
      ]),
    });
    const child = spawnPcf(["run"], { cwd });
    const done = collect(child);

    await waitForOutput(child.stderr, /loading callbacks\n/);
    child.kill(signal);
    const { code, stderr } = await done;

    expect(code).toBe(status);
    expect(stderr).toBe(`loading callbacks\ninterrupted by ${signal}\n`);
    expect(await exists(join(cwd, "early.txt"))).toBe(false);
  });
});
