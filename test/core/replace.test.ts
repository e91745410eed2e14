import { describe, expect, it } from "vitest";
import { ApplyError, Field, PcfError, applyField, planField } from "../../src/index.js";
import { MemoryCloud, MemoryParticle, memory } from "../support/memory-particle.js";

/** A memory particle whose `size` is fixed at creation, like a table's key schema. */
class MemoryDisk extends MemoryParticle {
  static override readonly flavor: string = "memory_disk";
  static override readonly fixedFields: readonly string[] = ["size"];
}

function disk(extra: Record<string, unknown> = {}, resource: Record<string, unknown> = {}) {
  return new MemoryDisk({
    ...memory("data", extra, { size: 2, ...resource }),
    flavor: "memory_disk",
  });
}

function cloudWithDisk(size: number): MemoryCloud {
  const cloud = new MemoryCloud();
  cloud.resources.set("data", { state: "running", definition: { name: "data", size } });
  return cloud;
}

describe("replacing a particle whose field fixed at creation changed", () => {
  it("plans terminate then start, and apply runs exactly those transitions", async () => {
    const cloud = cloudWithDisk(1);
    const particle = disk({}, { custom_config: { replace_on_change: true } });
    const plan = await planField(new Field([particle]), { providerOptions: cloud.options() });
    expect(plan.particles[0]).toMatchObject({
      transitions: ["terminate", "start"],
      replacedBy: ["size"],
    });
    const result = await applyField(new Field([particle]), { providerOptions: cloud.options() });
    expect(result.particles[0]?.transitions).toEqual(plan.particles[0]?.transitions);
    expect(cloud.log).toEqual(["data:terminate", "data:start"]);
    expect(cloud.resources.get("data")?.definition["size"]).toBe(2);
  });

  it("replaces a particle the run's allowReplace names", async () => {
    const cloud = cloudWithDisk(1);
    const result = await applyField(new Field([disk()]), {
      providerOptions: cloud.options(),
      allowReplace: ["data"],
    });
    expect(result.particles[0]?.transitions).toEqual(["terminate", "start"]);
  });

  it("refuses in plan and in apply, naming the field, when nothing allows it", async () => {
    const cloud = cloudWithDisk(1);
    const plan = await planField(new Field([disk()]), { providerOptions: cloud.options() });
    expect(plan.hasRefusals).toBe(true);
    expect(plan.particles[0]).toMatchObject({
      transitions: [],
      refusal: {
        code: "REPLACE_REFUSED",
        where: { particle: "memory_disk:data", field: "memory_resource.size" },
      },
    });
    const failure = await applyField(new Field([disk()]), {
      providerOptions: cloud.options(),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplyError);
    const report = (failure as ApplyError).result.particles[0];
    expect(report?.error).toBeInstanceOf(PcfError);
    expect(report?.error?.code).toBe("REPLACE_REFUSED");
    expect(report?.error?.message).toContain("--allow-replace data");
    expect(cloud.log).toEqual([]);
  });

  it("refuses to replace a particle kept by persist_on_termination, even when allowed", async () => {
    const cloud = cloudWithDisk(1);
    const particle = disk({ persist_on_termination: true });
    const plan = await planField(new Field([particle]), {
      providerOptions: cloud.options(),
      allowReplace: ["data"],
    });
    expect(plan.particles[0]?.refusal?.message).toContain("persist_on_termination");
    await expect(
      applyField(new Field([particle]), {
        providerOptions: cloud.options(),
        allowReplace: ["data"],
      }),
    ).rejects.toBeInstanceOf(ApplyError);
    expect(cloud.log).toEqual([]);
  });

  it("leaves the resource as it is under persist_on_update", async () => {
    const cloud = cloudWithDisk(1);
    const particle = disk({ persist_on_update: true });
    const plan = await planField(new Field([particle]), { providerOptions: cloud.options() });
    expect(plan.particles[0]).toMatchObject({ transitions: [], note: "kept: persist_on_update" });
    await applyField(new Field([particle]), { providerOptions: cloud.options() });
    expect(cloud.log).toEqual([]);
  });

  it("updates in place a field that is not fixed at creation", async () => {
    const cloud = cloudWithDisk(2);
    const particle = disk({}, { tags: { team: "data" } });
    const plan = await planField(new Field([particle]), { providerOptions: cloud.options() });
    expect(plan.particles[0]).toMatchObject({ transitions: ["update"] });
    expect(plan.particles[0]?.replacedBy).toBeUndefined();
    await applyField(new Field([particle]), { providerOptions: cloud.options() });
    expect(cloud.log).toEqual(["data:update"]);
  });
});
