import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, jsonLines, localFile, makeProject, runPcf } from "./pcf.js";

let dir: string;

beforeAll(async () => {
  dir = await makeProject({ "pcf.yml": localFile("notes") + localFile("todo") });
  expect((await runPcf(["apply", "--yes"], { cwd: dir })).code).toBe(0);
});

afterAll(async () => {
  await cleanup(dir);
});

describe("pcf drift", () => {
  it("finds no drift right after an apply, and exits 0 even with --detailed-exitcode", async () => {
    const drift = await runPcf(["drift", "--detailed-exitcode"], { cwd: dir });
    expect(drift.code).toBe(0);
    expect(drift.stdout).toContain("No drift: 2 particles as desired.");
  });

  it("names a field changed behind its back, with the live and the desired value, changing nothing", async () => {
    await writeFile(join(dir, "notes.txt"), "edited by hand\n");
    const drift = await runPcf(["drift", "--detailed-exitcode"], { cwd: dir });
    expect(drift.code).toBe(2);
    expect(drift.stdout).toContain("~ local_file:notes  running");
    expect(drift.stdout).toContain('content: "edited by hand\\n" (desired "notes\\n")');
    expect(drift.stdout).toContain("Drift: 1 particle of 2 differ from their definitions.");
    // Read-only: the file still holds the edit, and without the flag drift exits 0.
    const again = await runPcf(["drift"], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("edited by hand");
  });

  it("reports a resource deleted behind its back as a state drift, in JSON too", async () => {
    await rm(join(dir, "todo.txt"));
    const drift = await runPcf(["drift", "--json", "--detailed-exitcode"], { cwd: dir });
    expect(drift.code).toBe(2);
    const [report] = jsonLines(drift.stdout);
    expect(report).toMatchObject({ type: "drift", hasDrift: true });
    expect(report?.["particles"]).toContainEqual(
      expect.objectContaining({
        particle: "local_file:todo",
        state: "terminated",
        desiredState: "running",
        isStateDrifted: true,
      }),
    );
  });

  it("is gone once apply corrects it", async () => {
    expect((await runPcf(["apply", "--yes"], { cwd: dir })).code).toBe(0);
    const drift = await runPcf(["drift", "--detailed-exitcode"], { cwd: dir });
    expect(drift.code).toBe(0);
  });
});
