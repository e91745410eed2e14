import { describe, expect, it } from "vitest";
import { Field, applyField, planField, type EngineEvent } from "../../src/index.js";
import { MemoryBucket, MemoryCloud, MemoryParticle, memory } from "../support/memory-particle.js";

describe("planField", () => {
  it("lists the transitions apply would run without running them", async () => {
    const cloud = new MemoryCloud();
    cloud.resources.set("old", { state: "running", definition: { name: "old", size: 1 } });
    cloud.resources.set("idle", { state: "stopped", definition: { name: "idle" } });
    const field = new Field([
      new MemoryParticle(memory("new")),
      new MemoryParticle(memory("old", {}, { size: 2 })),
      new MemoryParticle(memory("idle")),
      new MemoryParticle(memory("vm", { desired_state: "stopped" })),
      new MemoryBucket({
        ...memory("bucket", { desired_state: "stopped" }),
        flavor: "memory_bucket",
      }),
    ]).link();
    const plan = await planField(field, { providerOptions: cloud.options() });
    expect(plan.particles.map((entry) => [entry.particle, entry.transitions])).toEqual([
      ["memory:new", ["start"]],
      ["memory:old", ["update"]],
      ["memory:idle", ["start"]],
      ["memory:vm", ["start", "stop"]],
      ["memory_bucket:bucket", []],
    ]);
    expect(plan.particles[1]?.differences).toEqual([{ path: "size", desired: 2, current: 1 }]);
    expect(plan.hasChanges).toBe(true);
    expect(cloud.log).toEqual([]);
  });

  it("has no changes after apply converged", async () => {
    const cloud = new MemoryCloud();
    const field = new Field([
      new MemoryParticle(memory("a")),
      new MemoryParticle(memory("b", { parents: ["memory:a"] })),
    ]).link();
    await applyField(field, { providerOptions: cloud.options() });
    const plan = await planField(field, { providerOptions: cloud.options() });
    expect(plan.hasChanges).toBe(false);
  });

  it("plans terminations in a desired-state override and notes persisted particles", async () => {
    const cloud = new MemoryCloud();
    const field = new Field([
      new MemoryParticle(memory("a")),
      new MemoryParticle(memory("keep", { persist_on_termination: true })),
    ]).link();
    await applyField(field, { providerOptions: cloud.options() });
    const plan = await planField(field, {
      desiredState: "terminated",
      providerOptions: cloud.options(),
    });
    expect(plan.particles.map((entry) => [entry.transitions, entry.note])).toEqual([
      [["terminate"], undefined],
      [[], "kept: persist_on_termination"],
    ]);
  });

  it("notes values a child inherits from a parent that does not exist yet", async () => {
    const cloud = new MemoryCloud();
    const field = new Field([
      new MemoryParticle(memory("vpc", {}, { size: 4 })),
      new MemoryParticle(memory("subnet", {}, { source: "$inherit$memory:vpc$size" })),
    ]).link();
    const plan = await planField(field, { providerOptions: cloud.options() });
    expect(plan.particles[1]).toMatchObject({
      transitions: ["start"],
      note: "values from memory:vpc are known after they start",
    });
  });

  it("lists a particle whose read failed with its error and plans the others", async () => {
    const cloud = new MemoryCloud();
    cloud.readFailures.add("vpc");
    const events: EngineEvent[] = [];
    const field = new Field([
      new MemoryParticle(memory("vpc", {}, { size: 4 })),
      new MemoryParticle(memory("subnet", {}, { source: "$inherit$memory:vpc$size" })),
      new MemoryParticle(memory("queue")),
    ]).link();
    const plan = await planField(field, {
      providerOptions: cloud.options(),
      onEvent: (event) => events.push(event),
    });
    expect(plan.hasErrors).toBe(true);
    expect(plan.particles.map((entry) => [entry.particle, entry.transitions])).toEqual([
      ["memory:vpc", []],
      ["memory:subnet", ["start"]],
      ["memory:queue", ["start"]],
    ]);
    expect(plan.particles[0]?.error).toMatchObject({
      code: "READ_FAILED",
      message: "read vpc: socket hang up",
    });
    expect(plan.particles[0]?.state).toBeUndefined();
    expect(plan.particles[1]?.note).toBe("not final: memory:vpc could not be read");
    expect(events.at(-1)).toMatchObject({ type: "run.end", ok: false });
  });
});
