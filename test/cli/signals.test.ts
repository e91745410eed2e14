import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cleanup,
  collect,
  exists,
  heldProject,
  jsonLines,
  makeProject,
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

describe("a signal while apply works", () => {
  it.each([
    { signal: "SIGINT", code: 130, again: "Ctrl-C" },
    { signal: "SIGTERM", code: 143, again: "SIGTERM" },
  ] as const)(
    "lets work in flight finish at the first $signal, prints the report and exits $code",
    async ({ signal, code: expectedCode, again }) => {
      const cwd = await project(heldProject("hold"));
      const child = spawnPcf(["run", "--parallel", "1", "--json"], { cwd });
      const done = collect(child);

      await waitForOutput(child.stdout, /"type":"transition\.start"/);
      child.kill(signal);
      await waitForOutput(
        child.stderr,
        new RegExp(`${signal}: stopping after work in flight \\(${again} again to abort\\)`),
      );
      await writeFile(join(cwd, "release"), "");
      const { code, stdout, stderr } = await done;

      expect(code).toBe(expectedCode);
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
    },
  );

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
