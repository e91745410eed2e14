import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DefinitionError, loadField, loadFiles, type Quasiparticle } from "../../src/index.js";
import { memory } from "../support/memory-particle.js";
import { testRegistry } from "../support/registry.js";

async function tempFile(name: string, text: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "pcf-load-"));
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

async function issuesOf(source: unknown, file?: string): Promise<string[]> {
  try {
    await loadField(source, { registry: testRegistry(), file });
  } catch (error) {
    if (error instanceof DefinitionError)
      return error.issues.map(
        (issue) => `${issue.particle ?? ""} › ${issue.field ?? ""}: ${issue.message}`,
      );
    throw error;
  }
  return [];
}

describe("loadField", () => {
  it("loads JSON with comments, as PCF's commentjson did", async () => {
    const path = await tempFile(
      "pcf.json",
      `[\n  // a comment\n  {"pcf_name": "a", # another\n   "flavor": "memory", "memory_resource": {"name": "a // not a comment"}}\n]`,
    );
    const { field } = await loadFiles([path], { registry: testRegistry() });
    expect(field.particles.map((particle) => particle.desiredStateDefinition.name)).toEqual([
      "a // not a comment",
    ]);
  });

  it("loads YAML with anchors and aliases", async () => {
    const path = await tempFile(
      "pcf.yml",
      [
        "- &base",
        "  pcf_name: a",
        "  flavor: memory",
        "  memory_resource: { name: a, size: 2 }",
        "- <<: *base",
        "  pcf_name: b",
        "  memory_resource: { name: b, size: 2 }",
      ].join("\n"),
    );
    const { field } = await loadFiles([path], { registry: testRegistry() });
    expect(field.particles.map((particle) => particle.id)).toEqual(["memory:a", "memory:b"]);
  });

  it("names the file and line of a syntax error", async () => {
    const path = await tempFile("pcf.json", `{\n  "pcf_name": "a",\n  "flavor": \n}`);
    await expect(loadFiles([path], { registry: testRegistry() })).rejects.toThrow(
      /invalid JSON at line 4/,
    );
  });

  it("reports the problems of every file, not only the first", async () => {
    const broken = await tempFile("a.json", `{\n  "pcf_name": \n}`);
    const alsoBroken = await tempFile("b.yml", "- pcf_name: a\n  flavor: memory\n   x: y: z\n");
    const error = await loadFiles([broken, alsoBroken], { registry: testRegistry() }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).issues.map((issue) => issue.file)).toEqual([
      broken,
      alsoBroken,
    ]);
  });

  it("names the line of a YAML syntax error", async () => {
    const path = await tempFile(
      "pcf.yml",
      "- pcf_name: a\n  flavor: memory\n   memory_resource: x: y\n",
    );
    await expect(loadFiles([path], { registry: testRegistry() })).rejects.toThrow(
      /invalid YAML at line 2: Nested mappings/,
    );
  });

  it("reports an unknown flavor once, naming its particles, without judging the fields beside it", async () => {
    expect(
      await issuesOf([
        { pcf_name: "a", flavor: "memroy", memory_resource: { name: "a" } },
        { pcf_name: "b", flavor: "memroy", memory_resource: { name: "b" } },
      ]),
    ).toEqual(['memroy:a, memroy:b › flavor: unknown flavor "memroy" (did you mean memory?)']);
  });

  it("names a quasiparticle's member with an unknown flavor by the quasiparticle's name", async () => {
    expect(
      await issuesOf([
        {
          pcf_name: "group",
          flavor: "quasiparticle",
          particles: [{ flavor: "memroy", multiplier: 2 }],
        },
      ]),
    ).toEqual(['memroy:group › flavor: unknown flavor "memroy" (did you mean memory?)']);
  });

  it("collects every problem with its particle and field before anything runs", async () => {
    const issues = await issuesOf([
      memory("a", { desired_state: "up" }),
      { ...memory("b"), memory_resource: { name: 3 } },
      { pcf_name: "c", flavor: "memroy" },
      memory("d", { parents: ["memory:nope"] }),
    ]);
    expect(issues).toEqual([
      expect.stringMatching(/^memroy:c › flavor: unknown flavor "memroy" \(did you mean memory/),
      expect.stringMatching(/^memory:a › desired_state: .*running.*stopped.*terminated/),
      expect.stringMatching(/^memory:b › memory_resource\.name: .*string/),
    ]);
  });

  it("rejects unknown fields with a suggestion", async () => {
    expect(await issuesOf([memory("a", { desired_sate: "running" })])).toEqual([
      expect.stringMatching(/memory:a › desired_sate: unknown field \(did you mean desired_state/),
    ]);
  });

  it("accepts a $schema line naming the JSON Schema, for editors", async () => {
    const entry = { ...memory("a"), $schema: "node_modules/particle-cloud/schema/pcf.schema.json" };
    expect(await issuesOf([entry])).toEqual([]);
  });

  it("rejects a definition without its unique key", async () => {
    expect(await issuesOf([{ pcf_name: "a", flavor: "memory", memory_resource: {} }])).toContain(
      "memory:a › memory_resource.name: unique key memory_resource.name is required to find the resource",
    );
  });

  it("reports a missing unique key once, not also its missing parent object", async () => {
    expect(await issuesOf([{ pcf_name: "a", flavor: "memory" }])).toEqual([
      "memory:a › memory_resource.name: unique key memory_resource.name is required to find the resource",
    ]);
  });

  it("names a parent id that is not in the field", async () => {
    await expect(
      loadField([memory("d", { parents: ["memory:nope"] })], { registry: testRegistry() }),
    ).rejects.toMatchObject({
      code: "DEFINITION_INVALID",
      where: { particle: "memory:d", field: "parents[0]" },
    });
  });

  it("names the cycle in a dependency loop", async () => {
    const source = [memory("a", { parents: ["memory:b"] }), memory("b", { parents: ["memory:a"] })];
    await expect(loadField(source, { registry: testRegistry() })).rejects.toThrow(
      /dependency cycle: memory:a → memory:b → memory:a|dependency cycle: memory:b → memory:a → memory:b/,
    );
  });

  it("links a child to the parent its $inherit$ names", async () => {
    const { field } = await loadField(
      [memory("vpc"), memory("subnet", {}, { source: "$inherit$memory:vpc$name" })],
      { registry: testRegistry() },
    );
    expect([...(field.get("memory:subnet")?.parents ?? [])].map((parent) => parent.id)).toEqual([
      "memory:vpc",
    ]);
  });

  it("rejects a malformed $inherit$ reference", async () => {
    expect(await issuesOf([memory("a", {}, { source: "$inherit$vpc" })])).toEqual([
      expect.stringContaining("memory:a › memory_resource.source: malformed reference"),
    ]);
  });

  it("loads callbacks named as module#export", async () => {
    const path = await tempFile(
      "hooks.mjs",
      "export function notify(args) { args.particle.notified = args.who; }",
    );
    const { field } = await loadField(
      [
        memory("a", {
          callbacks: { start: { function: `${path}#notify`, kwargs: { who: "ops" } } },
        }),
      ],
      { registry: testRegistry() },
    );
    expect(typeof field.particles[0]?.definition.callbacks?.start?.function).toBe("function");
  });
});

describe("quasiparticle fuse", () => {
  const cluster = {
    pcf_name: "cluster",
    flavor: "quasiparticle",
    parents: ["memory:network"],
    particles: [
      {
        flavor: "memory",
        pcf_name: "node",
        multiplier: 3,
        memory_resource: { name: "node", size: 1, tags: { team: "a" } },
      },
      {
        flavor: "memory",
        pcf_name: "big",
        base_particle_config: "node-0",
        memory_resource: { name: "big", size: 8 },
      },
      { flavor: "memory", memory_resource: { name: "solo" } },
    ],
  };

  it("multiplies members with PCF's names and suffixed unique keys", async () => {
    const { field } = await loadField([memory("network"), cluster], { registry: testRegistry() });
    const nodes = field
      .getParticles({ flavor: "memory" })
      .filter((particle) => particle.name.startsWith("node"));
    expect(nodes.map((particle) => [particle.name, particle.desiredStateDefinition.name])).toEqual([
      ["node-0", "node-0"],
      ["node-1", "node-1"],
      ["node-2", "node-2"],
    ]);
  });

  it("starts a member from its base_particle_config and lays its own fields over", async () => {
    const { field } = await loadField([memory("network"), cluster], { registry: testRegistry() });
    expect(field.get("memory:big")?.desiredStateDefinition).toEqual({
      name: "big",
      size: 8,
      tags: { team: "a" },
    });
  });

  it("names a member without pcf_name after the quasiparticle and pushes parents to every member", async () => {
    const { field, entries } = await loadField([memory("network"), cluster], {
      registry: testRegistry(),
    });
    expect(field.get("memory:cluster")?.desiredStateDefinition.name).toBe("solo");
    const quasi = entries[1] as Quasiparticle;
    expect(
      quasi.particles.every((particle) =>
        [...particle.parents].some((parent) => parent.id === "memory:network"),
      ),
    ).toBe(true);
  });

  it("expands a parent that names a whole quasiparticle into its members", async () => {
    const network = {
      pcf_name: "net",
      flavor: "quasiparticle",
      particles: [memory("vpc"), memory("dns")],
    };
    const { field } = await loadField(
      [network, memory("app", { parents: ["quasiparticle:net"] })],
      { registry: testRegistry() },
    );
    expect([...(field.get("memory:app")?.parents ?? [])].map((parent) => parent.id).sort()).toEqual(
      ["memory:dns", "memory:vpc"],
    );
  });

  it("reports a base_particle_config that names no earlier member", async () => {
    const source = {
      pcf_name: "q",
      flavor: "quasiparticle",
      particles: [
        {
          flavor: "memory",
          pcf_name: "x",
          base_particle_config: "nope",
          memory_resource: { name: "x" },
        },
      ],
    };
    expect(await issuesOf(source)).toEqual([
      expect.stringContaining(
        'particles[0].base_particle_config: no earlier memory member named "nope"',
      ),
    ]);
  });
});
