import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, localFile, makeProject, runPcf } from "./pcf.js";

let dir: string;

beforeAll(async () => {
  dir = await makeProject({ "pcf.yml": localFile("notes") });
});

afterAll(async () => {
  await cleanup(dir);
});

/** The run reports in `folder`, oldest first. */
async function reportsIn(folder: string): Promise<string[]> {
  const files = await readdir(join(dir, folder)).catch(() => []);
  return files.filter((file) => file.endsWith(".json")).sort();
}

async function report(folder: string, file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, folder, file), "utf8")) as Record<string, unknown>;
}

describe("the run report", () => {
  it("records per particle what a mutating run did, as JSON and as a summary", async () => {
    const apply = await runPcf(["apply", "--yes"], { cwd: dir });
    expect(apply.code).toBe(0);
    expect(apply.stderr).toMatch(/report: \.pcf\/reports\/\S+-apply\.json/);
    const [file] = await reportsIn(".pcf/reports");
    expect(file).toBeDefined();
    expect(await report(".pcf/reports", file ?? "")).toMatchObject({
      v: 1,
      verb: "apply",
      ok: true,
      retries: 0,
      particles: [
        {
          particle: "local_file:notes",
          outcome: "converged",
          attempted: ["start"],
          transitions: ["start"],
          state: "running",
          retries: 0,
          ms: expect.any(Number),
        },
      ],
    });
    const summary = await readFile(
      join(dir, ".pcf/reports", (file ?? "").replace(/json$/, "txt")),
      "utf8",
    );
    expect(summary).toMatch(/1 converged/);
    expect(summary).toContain("local_file:notes");
  });

  it("says in a failed run's report what failed, with its error codes, and the re-run converges", async () => {
    // A file where the particle's folder should be: its create fails.
    await writeFile(join(dir, "blocker"), "not a folder\n");
    await writeFile(
      join(dir, "broken.yml"),
      [
        "- pcf_name: blocked",
        "  flavor: local_file",
        "  local_resource:",
        "    path: blocker/inside.txt",
        "    content: x",
        "",
      ].join("\n"),
    );
    const failed = await runPcf(["apply", "-f", "broken.yml", "--yes", "--report-dir", "runs"], {
      cwd: dir,
    });
    expect(failed.code).toBe(1);
    const [file] = await reportsIn("runs");
    const entry = ((await report("runs", file ?? ""))["particles"] as Record<string, unknown>[])[0];
    expect(entry, JSON.stringify(entry)).toMatchObject({
      particle: "local_file:blocked",
      outcome: "failed",
      attempted: ["start"],
      transitions: [],
      error: { code: "TRANSITION_FAILED", codes: ["TRANSITION_FAILED", "EEXIST"] },
    });

    await writeFile(join(dir, "broken.yml"), localFile("blocked", { path: "inside.txt" }));
    const again = await runPcf(["apply", "-f", "broken.yml", "--yes", "--report-dir", "runs"], {
      cwd: dir,
    });
    expect(again.code).toBe(0);
    const reports = await reportsIn("runs");
    expect(reports).toHaveLength(2);
    expect(await report("runs", reports[1] ?? "")).toMatchObject({ ok: true });
  });

  it("is not written with --no-report, nor by plan", async () => {
    const before = await reportsIn(".pcf/reports");
    expect((await runPcf(["apply", "--yes", "--no-report"], { cwd: dir })).code).toBe(0);
    expect((await runPcf(["plan"], { cwd: dir })).code).toBe(0);
    expect(await reportsIn(".pcf/reports")).toEqual(before);
  });
});
