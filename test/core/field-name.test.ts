import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  Field,
  PcfError,
  checkFieldName,
  defaultFieldName,
  loadField,
  loadFiles,
} from "../../src/index.js";
import { MemoryParticle, memory } from "../support/memory-particle.js";
import { testRegistry } from "../support/registry.js";

describe("field names", () => {
  it("default to the file's name, or the folder's for pcf.*, made valid", () => {
    expect(defaultFieldName("/srv/web.yml")).toBe("web");
    expect(defaultFieldName("/srv/My App/pcf.yml")).toBe("my-app");
    expect(defaultFieldName("/srv/x/PCF.json")).toBe("x");
    expect(defaultFieldName("/srv/__.yml")).toBe("field");
    expect(defaultFieldName(`/srv/${"a".repeat(80)}.json`)).toHaveLength(63);
  });

  it("refuses a name that is not a valid tag value and lease name, saying the rule", () => {
    expect(checkFieldName("web-1_b")).toBe("web-1_b");
    for (const bad of ["", "Web", "-web", "a/b", "a".repeat(64)]) {
      expect(() => checkFieldName(bad)).toThrow(PcfError);
      expect(() => new Field([], { name: bad })).toThrow(/lower-case letters, digits/);
    }
  });

  it("are given to every particle of the field, by loadFiles from the first file", async () => {
    const folder = await mkdtemp(join(tmpdir(), "pcf-field-name-"));
    await mkdir(join(folder, "shop"));
    const path = join(folder, "shop", "pcf.json");
    await writeFile(
      path,
      JSON.stringify([{ pcf_name: "a", flavor: "memory", memory_resource: { name: "a" } }]),
    );
    const loaded = await loadFiles([path], { registry: testRegistry() });
    expect(loaded.field.name).toBe("shop");
    expect(loaded.field.particles.map((particle) => particle.fieldName)).toEqual(["shop"]);
    const named = await loadFiles([path], { registry: testRegistry(), fieldName: "other" });
    expect(named.field.particles[0]?.fieldName).toBe("other");
    const unnamed = await loadField(
      [{ pcf_name: "a", flavor: "memory", memory_resource: { name: "a" } }],
      { registry: testRegistry() },
    );
    expect(unnamed.field.name).toBeUndefined();
    expect(unnamed.field.particles[0]?.fieldName).toBeUndefined();
  });
});

describe("Particle.dependencyDepth", () => {
  it("is 0 without parents and one more than the deepest parent", () => {
    const [root, middle, leaf] = ["root", "middle", "leaf"].map(
      (name) => new MemoryParticle(memory(name)),
    ) as [MemoryParticle, MemoryParticle, MemoryParticle];
    const field = new Field([root, middle, leaf]);
    field.addParent(middle, root);
    field.addParent(leaf, middle);
    field.addParent(leaf, root);
    expect([root, middle, leaf].map((particle) => particle.dependencyDepth)).toEqual([0, 1, 2]);
  });
});
