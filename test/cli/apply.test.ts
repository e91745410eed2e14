import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, exists, jsonLines, localFile, makeProject, runPcf } from "./pcf.js";

const dirs: string[] = [];

async function project(files: Record<string, string>): Promise<string> {
  const dir = await makeProject(files);
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.splice(0).map(cleanup));
});

/** The `.txt` files in `dir`, sorted. */
async function textFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith(".txt")).sort();
}

const FAMILY =
  localFile("base") +
  localFile("child", { parents: ["local_file:base"] }) +
  localFile("grandchild", { parents: ["local_file:child"] }) +
  localFile("loner");

describe("pcf apply", () => {
  it("creates every particle and prints a summary on stderr", async () => {
    const cwd = await project({
      "pcf.yml": localFile("a", { content: "hello\n" }) + localFile("b"),
    });

    const { code, stdout, stderr } = await runPcf(["apply"], { cwd });

    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/local_file:a start \(terminated → running\)/);
    expect(stderr).toMatch(/\n2 converged in \d+\.\ds\n$/);
    expect(await readFile(join(cwd, "a.txt"), "utf8")).toBe("hello\n");
    expect(await textFiles(cwd)).toEqual(["a.txt", "b.txt"]);
  });

  it("changes nothing the second time", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") + localFile("b") });
    await runPcf(["apply"], { cwd });

    const { code, stderr } = await runPcf(["apply"], { cwd });

    expect(code).toBe(0);
    expect(stderr).toMatch(/\n2 unchanged in \d+\.\ds\n$/);
  });

  it("updates a particle whose definition changed", async () => {
    const cwd = await project({ "pcf.yml": localFile("a", { content: "new\n" }) });
    await writeFile(join(cwd, "a.txt"), "old\n");

    const { code, stderr } = await runPcf(["apply"], { cwd });

    expect(code).toBe(0);
    expect(stderr).toContain("local_file:a update");
    expect(await readFile(join(cwd, "a.txt"), "utf8")).toBe("new\n");
  });

  it("prints nothing with --quiet", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });

    const { code, stdout, stderr } = await runPcf(["apply", "-q"], { cwd });

    expect([code, stdout, stderr]).toEqual([0, "", ""]);
    expect(await exists(join(cwd, "a.txt"))).toBe(true);
  });

  it("prints every engine event as a JSON line with its version, then the result", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });

    const { code, stdout } = await runPcf(["apply", "--json"], { cwd });

    const lines = jsonLines(stdout);
    expect(code).toBe(0);
    expect(lines.every((line) => line["v"] === 1)).toBe(true);
    expect(lines.map((line) => line["type"])).toEqual([
      "run.start",
      "state.read",
      "transition.start",
      "transition.end",
      "particle.done",
      "run.end",
      "result",
    ]);
    expect(lines.at(-1)).toMatchObject({
      type: "result",
      ok: true,
      interrupted: false,
      particles: [{ particle: "local_file:a", outcome: "converged", transitions: ["start"] }],
    });
  });

  it("converges one particle at a time with --parallel 1", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") + localFile("b") + localFile("c") });

    const { stdout } = await runPcf(["run", "--parallel", "1", "--json"], { cwd });

    let inFlight = 0;
    let most = 0;
    for (const event of jsonLines(stdout)) {
      if (event["type"] === "transition.start") inFlight += 1;
      if (event["type"] === "particle.done") inFlight = Math.max(0, inFlight - 1);
      most = Math.max(most, inFlight);
    }
    expect(most).toBe(1);
    expect(await textFiles(cwd)).toEqual(["a.txt", "b.txt", "c.txt"]);
  });

  it("reports a failed particle on one line and exits 1", async () => {
    const cwd = await project({
      "pcf.yml": localFile("ok") + localFile("broken", { path: "blocker/broken.txt" }),
      blocker: "a file where a folder should be",
    });

    const { code, stderr } = await runPcf(["apply"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: local_file:broken: .+$/m);
    expect(stderr).toMatch(/1 converged, 1 failed in/);
    expect(await exists(join(cwd, "ok.txt"))).toBe(true);
  });

  it("says per particle what was done when one could not be read", async () => {
    const cwd = await project({
      "pcf.yml":
        localFile("unreadable", { path: "folder" }) +
        localFile("child", { parents: ["local_file:unreadable"] }) +
        localFile("ok"),
      "folder/inside.txt": "a folder where a file should be",
    });

    const { code, stderr } = await runPcf(["apply"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toMatch(/^ {2}local_file:unreadable +failed +READ_FAILED: .*EISDIR/m);
    expect(stderr).toMatch(/^ {2}local_file:child +not started +local_file:unreadable failed$/m);
    expect(stderr).toMatch(/^ {2}local_file:ok +converged +start/m);
    expect(stderr).toContain("hint: --debug prints the cause; run again once it is fixed");
    expect(await exists(join(cwd, "ok.txt"))).toBe(true);
  });

  it("terminates everything it selected after a failure with --rollback", async () => {
    const cwd = await project({
      "pcf.yml": localFile("ok") + localFile("broken", { path: "blocker/broken.txt" }),
      blocker: "a file where a folder should be",
    });

    const { code, stderr } = await runPcf(["apply", "--rollback"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: local_file:broken: .+$/m);
    expect(await exists(join(cwd, "ok.txt"))).toBe(false);
  });

  it("passes the provider options on", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });

    const { code } = await runPcf(
      [
        "apply",
        "--region",
        "eu-west-1",
        "--profile",
        "dev",
        "--endpoint",
        "http://127.0.0.1:1",
        "-q",
      ],
      { cwd },
    );

    expect(code).toBe(0);
  });
});

describe("pcf run, stop and terminate", () => {
  it("runs only the entry NAME names", async () => {
    const cwd = await project({ "pcf.yml": FAMILY });

    const { code } = await runPcf(["run", "loner"], { cwd });

    expect(code).toBe(0);
    expect(await textFiles(cwd)).toEqual(["loner.txt"]);
  });

  it("starts NAME's parents first with -c", async () => {
    const cwd = await project({ "pcf.yml": FAMILY });

    const alone = await runPcf(["run", "child"], { cwd });
    const files = await textFiles(cwd);
    const cascaded = await runPcf(["run", "grandchild", "-c", "--json"], { cwd });

    expect(alone.code).toBe(0);
    expect(files).toEqual(["child.txt"]);
    expect(cascaded.code).toBe(0);
    const started = jsonLines(cascaded.stdout)
      .filter((event) => event["type"] === "transition.start")
      .map((event) => event["particle"]);
    expect(started).toEqual(["local_file:base", "local_file:grandchild"]);
    expect(await textFiles(cwd)).toEqual(["base.txt", "child.txt", "grandchild.txt"]);
  });

  it("stops NAME's children first with -c", async () => {
    const cwd = await project({ "pcf.yml": FAMILY });
    await runPcf(["run"], { cwd });

    const { code, stdout } = await runPcf(["stop", "base", "-c", "--yes", "--json"], { cwd });

    expect(code).toBe(0);
    const stopped = jsonLines(stdout)
      .filter((event) => event["type"] === "transition.start")
      .map((event) => event["particle"]);
    expect(stopped).toEqual(["local_file:grandchild", "local_file:child", "local_file:base"]);
    expect(await textFiles(cwd)).toEqual(["loner.txt"]);
  });

  it("suggests similar names when NAME matches no entry", async () => {
    const cwd = await project({ "pcf.yml": FAMILY });

    const { code, stderr } = await runPcf(["run", "chlid"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toContain(
      'error: no particle or quasiparticle named "chlid" in pcf.yml (did you mean child',
    );
    expect(await textFiles(cwd)).toEqual([]);
  });

  it("acts on every member of a quasiparticle NAME", async () => {
    const cwd = await project({
      "pcf.yml":
        "- pcf_name: group\n  flavor: quasiparticle\n  particles:\n" +
        "    - flavor: local_file\n      multiplier: 2\n      local_resource: { path: q.txt }\n" +
        localFile("solo"),
    });

    const { code } = await runPcf(["run", "group"], { cwd });

    expect(code).toBe(0);
    expect((await readdir(cwd)).filter((name) => name.startsWith("q.txt")).sort()).toEqual([
      "q.txt-0",
      "q.txt-1",
    ]);
    expect(await exists(join(cwd, "solo.txt"))).toBe(false);
  });

  it("refuses to terminate without --yes when there is no terminal, touching nothing", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") + localFile("b") });
    await runPcf(["run"], { cwd });

    const { code, stdout, stderr } = await runPcf(["terminate"], { cwd });

    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("error: refusing to terminate without --yes (no terminal to ask)");
    expect(stderr).toContain("would terminate local_file:a, local_file:b");
    expect(await textFiles(cwd)).toEqual(["a.txt", "b.txt"]);
  });

  it("names the first few of many particles it would terminate, then how many more", async () => {
    const names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const cwd = await project({ "pcf.yml": names.map((name) => localFile(name)).join("") });
    await runPcf(["run"], { cwd });

    const { code, stderr } = await runPcf(["terminate"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toContain(
      "would terminate local_file:a, local_file:b, local_file:c, local_file:d, local_file:e and 3 more;",
    );
  });

  it("refuses a stop that deletes, and an apply that terminates, without --yes", async () => {
    const cwd = await project({
      "pcf.yml": localFile("a") + localFile("b", { extra: "  desired_state: terminated" }),
    });
    await runPcf(["run"], { cwd });

    const stop = await runPcf(["stop", "a"], { cwd });
    const apply = await runPcf(["apply"], { cwd });

    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain("would terminate local_file:a;");
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain("would terminate local_file:b;");
    expect(await textFiles(cwd)).toEqual(["a.txt", "b.txt"]);
  });

  it("terminates with --yes", async () => {
    const cwd = await project({ "pcf.yml": FAMILY });
    await runPcf(["run"], { cwd });

    const { code, stderr } = await runPcf(["terminate", "--yes"], { cwd });

    expect(code).toBe(0);
    expect(stderr).toMatch(/4 converged in/);
    expect(await textFiles(cwd)).toEqual([]);
  });

  it("does not ask when there is nothing to terminate", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });

    const { code, stderr } = await runPcf(["terminate"], { cwd });

    expect(code).toBe(0);
    expect(stderr).toMatch(/1 unchanged in/);
  });

  it("prints the plan and changes nothing with --dry-run", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") + localFile("b") });
    await runPcf(["run", "a"], { cwd });

    const run = await runPcf(["run", "--dry-run"], { cwd });
    const terminate = await runPcf(["terminate", "--dry-run"], { cwd });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("+ local_file:b  start (terminated → running)");
    expect(run.stdout).toContain("Plan: 1 to start, 1 unchanged.");
    expect(run.stderr).toContain("dry run: nothing changed");
    expect(terminate.code).toBe(0);
    expect(terminate.stdout).toContain("- local_file:a  terminate (running → terminated)");
    expect(await textFiles(cwd)).toEqual(["a.txt"]);
  });

  it("prints the dry-run plan as JSON with --json", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });

    const { code, stdout } = await runPcf(["apply", "--dry-run", "--json"], { cwd });

    expect(code).toBe(0);
    expect(jsonLines(stdout)).toMatchObject([
      {
        v: 1,
        type: "plan",
        dryRun: true,
        hasChanges: true,
        particles: [{ transitions: ["start"] }],
      },
    ]);
    expect(await textFiles(cwd)).toEqual([]);
  });
});
