import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, jsonLines, localFile, makeProject, runPcf } from "./pcf.js";

const dirs: string[] = [];

async function project(files: Record<string, string>): Promise<string> {
  const dir = await makeProject(files);
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.splice(0).map(cleanup));
});

const FAMILY =
  localFile("base") +
  localFile("child", { parents: ["local_file:base"] }) +
  localFile("other", { parents: ["local_file:base"] }) +
  localFile("grandchild", { parents: ["local_file:child", "local_file:other"] });

describe("pcf plan", () => {
  it("exits 2 and lists the transitions and differences when apply would change something", async () => {
    const cwd = await project({
      "pcf.yml": localFile("new") + localFile("changed", { content: "new\n" }) + localFile("same"),
    });
    await writeFile(join(cwd, "changed.txt"), "old\n");
    await writeFile(join(cwd, "same.txt"), "same\n");

    const { code, stdout, stderr } = await runPcf(["plan"], { cwd });

    expect(code).toBe(2);
    expect(stderr).toBe("");
    expect(stdout).toContain("+ local_file:new  start (terminated → running)");
    expect(stdout).toContain("~ local_file:changed  update (running → running)");
    expect(stdout).toContain('    content: "old\\n" → "new\\n"');
    expect(stdout).not.toContain("local_file:same");
    expect(stdout).toMatch(/\nPlan: 1 to start, 1 to update, 1 unchanged\.\n$/);
  });

  it("exits 1 and plans the other particles when one could not be read", async () => {
    const cwd = await project({
      "pcf.yml": localFile("unreadable", { path: "folder" }) + localFile("new"),
      "folder/inside.txt": "a folder where a file should be",
    });

    const { code, stdout } = await runPcf(["plan"], { cwd });

    expect(code).toBe(1);
    expect(stdout).toMatch(/^! local_file:unreadable {2}could not be read: .*EISDIR/m);
    expect(stdout).toContain("+ local_file:new  start (terminated → running)");
    expect(stdout).toMatch(/\nPlan: 1 to start\. 1 particle could not be read\.\n$/);
  });

  it("exits 0 when nothing would change", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });
    await runPcf(["run"], { cwd });

    const { code, stdout } = await runPcf(["plan"], { cwd });

    expect(code).toBe(0);
    expect(stdout).toContain("No changes: 1 particle as desired.");
  });

  it("prints the plan as one JSON object with --json", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });

    const { code, stdout } = await runPcf(["plan", "--json"], { cwd });

    expect(code).toBe(2);
    expect(jsonLines(stdout)).toMatchObject([
      {
        v: 1,
        type: "plan",
        hasChanges: true,
        particles: [{ particle: "local_file:a", state: "terminated", transitions: ["start"] }],
      },
    ]);
  });

  it("plans only NAME, with -c its parents too", async () => {
    const cwd = await project({ "pcf.yml": FAMILY });

    const alone = await runPcf(["plan", "child", "--json"], { cwd });
    const cascaded = await runPcf(["plan", "child", "-c", "--json"], { cwd });

    const ids = (text: string): unknown[] =>
      (jsonLines(text)[0]?.["particles"] as { particle: string }[]).map((entry) => entry.particle);
    expect(ids(alone.stdout)).toEqual(["local_file:child"]);
    expect(ids(cascaded.stdout)).toEqual(["local_file:base", "local_file:child"]);
  });

  it("exits 1 on an error", async () => {
    const cwd = await project({ "pcf.yml": "- pcf_name: a\n  flavor: nope\n" });

    const { code } = await runPcf(["plan"], { cwd });

    expect(code).toBe(1);
  });
});

describe("pcf status", () => {
  it("prints the live and desired state of each particle", async () => {
    const cwd = await project({ "pcf.yml": localFile("up") + localFile("down") });
    await runPcf(["run", "up"], { cwd });

    const { code, stdout } = await runPcf(["status"], { cwd });

    expect(code).toBe(0);
    expect(stdout).toMatch(/^PARTICLE\s+STATE\s+DESIRED\n/);
    expect(stdout).toMatch(/^local_file:up\s+running\s+running$/m);
    expect(stdout).toMatch(/^local_file:down\s+terminated\s+running\s+differs$/m);
  });

  it("prints the states as JSON with --json, for NAME only", async () => {
    const cwd = await project({ "pcf.yml": localFile("up") + localFile("down") });
    await runPcf(["run", "up"], { cwd });

    const { stdout } = await runPcf(["status", "up", "--json"], { cwd });

    expect(jsonLines(stdout)).toEqual([
      {
        v: 1,
        type: "status",
        particles: [
          {
            particle: "local_file:up",
            flavor: "local_file",
            name: "up",
            state: "running",
            desiredState: "running",
            isDesired: true,
            isForeign: false,
          },
        ],
        quasiparticles: [],
      },
    ]);
  });

  it("adds each quasiparticle's aggregated state, and NAME selects one of its members", async () => {
    const cwd = await project({
      "pcf.yml":
        "- pcf_name: group\n  flavor: quasiparticle\n  particles:\n" +
        "    - flavor: local_file\n      multiplier: 2\n      local_resource: { path: q.txt }\n" +
        localFile("solo"),
    });
    const run = await runPcf(["run", "local_file:group-0"], { cwd });
    expect(run.code).toBe(0);

    const half = await runPcf(["status"], { cwd });
    expect(half.stdout).toMatch(/^local_file:group-0\s+running\s+running$/m);
    expect(half.stdout).toMatch(/^local_file:group-1\s+terminated\s+running\s+differs$/m);
    expect(half.stdout).toMatch(/^QUASIPARTICLE\s+STATE\s+DESIRED\s+MEMBERS$/m);
    expect(half.stdout).toMatch(/^quasiparticle:group\s+pending\s+running\s+2\s+differs$/m);

    await runPcf(["run", "group"], { cwd });
    const { stdout } = await runPcf(["status", "group", "--json"], { cwd });
    expect(jsonLines(stdout)[0]).toMatchObject({
      quasiparticles: [
        {
          quasiparticle: "quasiparticle:group",
          state: "running",
          desiredState: "running",
          isDesired: true,
          members: ["local_file:group-0", "local_file:group-1"],
        },
      ],
    });
  });
});

describe("pcf graph", () => {
  it("prints the particles as a tree, a shared child in full once", async () => {
    const cwd = await project({ "pcf.yml": FAMILY });

    const { code, stdout } = await runPcf(["graph"], { cwd });

    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        "local_file:base",
        "├── local_file:child",
        "│   └── local_file:grandchild",
        "└── local_file:other",
        "    └── local_file:grandchild (see above)",
        "",
      ].join("\n"),
    );
  });

  it("prints Graphviz DOT with --dot, quasiparticles as clusters", async () => {
    const cwd = await project({
      "pcf.yml":
        localFile("base") +
        "- pcf_name: group\n  flavor: quasiparticle\n  parents: [local_file:base]\n  particles:\n" +
        "    - flavor: local_file\n      local_resource: { path: g.txt }\n",
    });

    const { code, stdout } = await runPcf(["graph", "--dot"], { cwd });

    expect(code).toBe(0);
    expect(stdout).toMatch(/^digraph pcf \{\n/);
    expect(stdout).toContain('    label="quasiparticle:group";');
    expect(stdout).toContain('"local_file:base" -> "local_file:group";');
    expect(stdout.trimEnd().endsWith("}")).toBe(true);
  });

  it("prints nodes and edges as JSON with --json", async () => {
    const cwd = await project({
      "pcf.yml": localFile("base") + localFile("child", { parents: ["local_file:base"] }),
    });

    const { stdout } = await runPcf(["graph", "--json"], { cwd });

    expect(jsonLines(stdout)[0]).toMatchObject({
      v: 1,
      type: "graph",
      nodes: [{ id: "local_file:base" }, { id: "local_file:child" }],
      edges: [{ from: "local_file:base", to: "local_file:child" }],
    });
  });
});

describe("pcf schema and pcf flavors", () => {
  it("prints the JSON Schema of a definition file", async () => {
    const cwd = await project({});

    const { code, stdout } = await runPcf(["schema"], { cwd });

    const schema = JSON.parse(stdout) as Record<string, unknown>;
    expect(code).toBe(0);
    expect(schema["$schema"]).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema).toHaveProperty("$defs.particle.properties.pcf_name");
    expect(schema).toHaveProperty("$defs.quasiparticle.properties.particles");
    // Each flavor's provider block is closed and typed (test/docs/schema.test.ts checks the rest).
    expect(schema).toHaveProperty("$defs.s3_bucket.additionalProperties", false);
    expect(stdout).toBe(
      await readFile(new URL("../../schema/pcf.schema.json", import.meta.url), "utf8"),
    );
  });

  it("lists the built-in flavors with their providers", async () => {
    const cwd = await project({});

    const { code, stdout } = await runPcf(["flavors"], { cwd });

    expect(code).toBe(0);
    expect(stdout).toMatch(/^FLAVOR\s+PROVIDER$/m);
    expect(stdout).toMatch(/^local_file\s+local$/m);
    expect(stdout).toMatch(/^quasiparticle\s+core$/m);
  });

  it("lists the flavors as JSON with --json", async () => {
    const cwd = await project({});

    const { stdout } = await runPcf(["flavors", "--json"], { cwd });

    const [list] = jsonLines(stdout);
    expect(list).toMatchObject({ v: 1, type: "flavors" });
    expect(list?.["flavors"]).toContainEqual({ flavor: "local_process", provider: "local" });
  });
});
