import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLease, fileLeaseBackend, type Lease } from "../../src/index.js";
import { EventStream, type JsonEvent } from "../support/event-stream.js";
import {
  HOLD_MODULE,
  cleanup,
  collect,
  exists,
  isBuilt,
  localFile,
  makeProject,
  runPcf,
  spawnPcf,
  waitForOutput,
} from "./pcf.js";

const dirs: string[] = [];
const leases: Lease[] = [];

beforeAll(() => {
  expect(isBuilt, "run `npm run build` first (npm test does)").toBe(true);
});

afterAll(async () => {
  await Promise.all(leases.map((lease) => lease.release().catch(() => undefined)));
  await Promise.all(dirs.splice(0).map(cleanup));
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await makeProject(files);
  dirs.push(dir);
  return dir;
}

/** Starts `pcf watch …args --json` in `cwd`: its events as they come, and its end. */
function startWatch(args: readonly string[], cwd: string) {
  const child = spawnPcf(["watch", ...args, "--json"], { cwd });
  const events = new EventStream(child.stdout);
  const done = collect(child);
  return { child, events, done };
}

const roundEnd =
  (field: string, predicate: (event: JsonEvent) => boolean = () => true) =>
  (event: JsonEvent): boolean =>
    event["type"] === "round.end" && event["field"] === field && predicate(event);

const hasStarted = (particle: string) => (event: JsonEvent) =>
  JSON.stringify(event["changed"]).includes(`"particle":"${particle}","outcome":"converged"`);

describe("pcf watch", () => {
  it("converges a field, puts back a file deleted behind its back, and exits 0 on SIGTERM", async () => {
    const cwd = await project({ "web.yml": localFile("a") });
    const watch = startWatch(["-f", "web.yml", "--interval", "100ms"], cwd);

    await watch.events.find(roundEnd("web", hasStarted("local_file:a")));
    await watch.events.next(roundEnd("web", (event) => JSON.stringify(event["changed"]) === "[]"));
    await rm(join(cwd, "a.txt"));
    await watch.events.next(roundEnd("web", hasStarted("local_file:a")));
    watch.child.kill("SIGTERM");
    const { code, stderr } = await watch.done;

    expect(code, stderr).toBe(0);
    expect(await exists(join(cwd, "a.txt"))).toBe(true);
    expect(watch.events.events.at(-1)).toMatchObject({ type: "lease.released", field: "web" });
    for (const event of watch.events.events)
      expect(event).toMatchObject({
        v: 1,
        field: "web",
        watcher: expect.stringContaining(" pid "),
      });
  });

  it("watches each -f file as a field of its own, with its own lease", async () => {
    const cwd = await project({ "a.yml": localFile("a"), "b.yml": localFile("b") });
    const watch = startWatch(["-f", "a.yml", "-f", "b.yml", "--interval", "100ms"], cwd);

    const acquired = await Promise.all(
      ["a", "b"].map((field) =>
        watch.events.find(
          (event) => event["type"] === "lease.acquired" && event["field"] === field,
        ),
      ),
    );
    await Promise.all(["a", "b"].map((field) => watch.events.find(roundEnd(field))));
    watch.child.kill("SIGTERM");
    const { code } = await watch.done;

    expect(code).toBe(0);
    expect(acquired.map((event) => event["location"])).toEqual([
      join(cwd, ".pcf", "locks", "a"),
      join(cwd, ".pcf", "locks", "b"),
    ]);
    expect(await exists(join(cwd, "a.txt"))).toBe(true);
    expect(await exists(join(cwd, "b.txt"))).toBe(true);
  });

  it("skips a field whose lease another process holds, naming the holder, and changes nothing", async () => {
    const cwd = await project({ "web.yml": localFile("a") });
    const lease = await acquireLease(fileLeaseBackend(join(cwd, ".pcf", "locks", "web")));
    leases.push(lease);
    const watch = startWatch(["-f", "web.yml", "--interval", "100ms"], cwd);

    const skipped = await watch.events.find(
      (event) => event["type"] === "round.skipped" && event["round"] === 2,
    );
    watch.child.kill("SIGTERM");
    const { code } = await watch.done;

    expect(code).toBe(0);
    expect(skipped).toMatchObject({ reason: "held", holder: lease.holder.owner, token: 1 });
    expect(watch.events.events.map((event) => event["type"])).not.toContain("round.start");
    expect(await exists(join(cwd, "a.txt"))).toBe(false);
  });

  it("finishes the round under way on SIGTERM, then releases the lease and exits 0", async () => {
    const cwd = await project(heldField("hold"));
    const watch = startWatch(["-f", "web.json", "--interval", "100ms"], cwd);

    await waitForOutput(watch.child.stderr, /^holding$/m);
    watch.child.kill("SIGTERM");
    await waitForOutput(watch.child.stderr, /SIGTERM: finishing the rounds under way/);
    await writeFile(join(cwd, "release"), "");
    const { code, stderr } = await watch.done;

    expect(code, stderr).toBe(0);
    expect(await exists(join(cwd, "slow.txt")), watch.events.describe()).toBe(true);
    expect(await exists(join(cwd, "next.txt"))).toBe(false);
    const types = watch.events.events.map((event) => event["type"]);
    expect(types.slice(-2)).toEqual(["round.end", "lease.released"]);
    expect(watch.events.events.at(-2)).toMatchObject({
      isStopped: true,
      changed: [
        { particle: "local_file:slow", outcome: "converged", transitions: ["start"] },
        { particle: "local_file:next", outcome: "not-started", transitions: [] },
      ],
    });
    expect(types.filter((type) => type === "round.start")).toHaveLength(1);
  });

  it("exits at once on a second signal, with the signal's status", async () => {
    const cwd = await project(heldField("holdDeaf"));
    const watch = startWatch(["-f", "web.json", "--interval", "100ms"], cwd);

    await waitForOutput(watch.child.stderr, /^holding$/m);
    watch.child.kill("SIGTERM");
    await waitForOutput(watch.child.stderr, /SIGTERM: finishing the rounds under way/);
    watch.child.kill("SIGTERM");
    const { code, stderr } = await watch.done;

    expect(code).toBe(143);
    expect(stderr).toContain("SIGTERM: exiting at once");
    expect(await exists(join(cwd, "next.txt"))).toBe(false);
    expect(watch.events.events.map((event) => event["type"])).not.toContain("round.end");
  });

  it("refuses one --lock object for several fields", async () => {
    const cwd = await project({ "a.yml": localFile("a"), "b.yml": localFile("b") });

    const { code, stderr } = await runPcf(
      ["watch", "-f", "a.yml", "-f", "b.yml", "--lock", "shared-lease"],
      { cwd },
    );

    expect(code).toBe(1);
    expect(stderr).toContain("error: --lock shared-lease would be one lease for 2 fields");
    expect(stderr).toContain("end it with /");
  });

  it("refuses two files that are the same field", async () => {
    const cwd = await project({ "one/web.yml": localFile("a"), "two/web.yml": localFile("b") });

    const { code, stderr } = await runPcf(["watch", "-f", "one/web.yml", "-f", "two/web.yml"], {
      cwd,
    });

    expect(code).toBe(1);
    expect(stderr).toContain('one/web.yml and two/web.yml are both the field "web"');
  });

  it.each([
    ["--interval", "soon", "expected a duration such as 500ms, 60s, 2m or 1h"],
    ["--lease-ttl", "0s", "expected a duration such as 500ms, 60s, 2m or 1h"],
    ["--jitter", "150%", "expected a jitter from 0% to under 100%"],
  ])("rejects %s %s", async (flag, value, message) => {
    const cwd = await project({ "web.yml": localFile("a") });

    const { code, stderr } = await runPcf(["watch", flag, value], { cwd });

    expect(code).toBe(1);
    expect(stderr).toContain(message);
  });
});

/**
 * The field `web`: a local file whose start waits in a callback until `release` exists, and a
 * second one that starts after it.
 */
function heldField(holdExport: "hold" | "holdDeaf"): Record<string, string> {
  return {
    // Says on stderr when the start callback begins to hold, so the test signals mid-round.
    "hold.mjs": `${HOLD_MODULE}export const say = (args) => (process.stderr.write("holding\\n"), ${holdExport}(args));\n`,
    "web.json": JSON.stringify([
      {
        pcf_name: "slow",
        flavor: "local_file",
        local_resource: { path: "slow.txt" },
        callbacks: {
          start: { function: "./hold.mjs#say", kwargs: { release: "release" } },
        },
      },
      {
        pcf_name: "next",
        flavor: "local_file",
        parents: ["local_file:slow"],
        local_resource: { path: "next.txt" },
      },
    ]),
  };
}
