import { describe, expect, it } from "vitest";
import {
  ApplyError,
  Quasiparticle,
  loadQuasiparticle,
  type QuasiparticleDefinition,
} from "../../src/index.js";
import { DistributedMasterWorker } from "../../src/quasiparticles/distributed-master-worker.js";
import { MemoryCloud, memory } from "../support/memory-particle.js";
import { testRegistry } from "../support/registry.js";

const group: QuasiparticleDefinition = {
  pcf_name: "group",
  flavor: "quasiparticle",
  particles: [
    memory("db"),
    memory("cache", { parents: ["memory:db"] }),
    memory("web", { parents: ["memory:cache"] }),
  ],
};

describe("Quasiparticle", () => {
  it("applies its members as one graph and aggregates their state", async () => {
    const cloud = new MemoryCloud();
    const quasi = await loadQuasiparticle(group, { registry: testRegistry() });
    expect(quasi.state).toBeUndefined();
    await quasi.apply({ providerOptions: cloud.options() });
    expect(cloud.log).toEqual(["db:start", "cache:start", "web:start"]);
    expect(quasi.state).toBe("running");
    expect(await quasi.getState({ providerOptions: cloud.options() })).toBe("running");
  });

  it("is pending when its members differ", async () => {
    const cloud = new MemoryCloud();
    const quasi = await loadQuasiparticle(group, { registry: testRegistry() });
    quasi.setParticleState("memory", "web", "stopped");
    await quasi.apply({ providerOptions: cloud.options() });
    expect(quasi.state).toBe("pending");
  });

  it("counts a persisted running member beside terminated ones as terminated", async () => {
    const cloud = new MemoryCloud();
    const definition = {
      ...group,
      particles: [memory("db", { persist_on_termination: true }), memory("web")],
    };
    const quasi = await loadQuasiparticle(definition, { registry: testRegistry() });
    await quasi.apply({ providerOptions: cloud.options() });
    quasi.setDesiredState("terminated");
    await quasi.apply({ providerOptions: cloud.options() });
    expect(cloud.resources.has("db")).toBe(true);
    expect(quasi.state).toBe("terminated");
  });

  it("rolls every member back to terminated when a member fails", async () => {
    const cloud = new MemoryCloud();
    cloud.failures.add("web:start");
    const quasi = await loadQuasiparticle(group, { registry: testRegistry() });
    const error = (await quasi
      .apply({ rollback: true, providerOptions: cloud.options() })
      .catch((caught: unknown) => caught)) as ApplyError;
    expect(error).toBeInstanceOf(ApplyError);
    expect(cloud.resources.size).toBe(0);
    expect(cloud.log.slice(-2)).toEqual(["cache:terminate", "db:terminate"]);
  });

  it("finds a member by flavor and name", async () => {
    const quasi = await loadQuasiparticle(group, { registry: testRegistry() });
    expect(quasi.getParticle("memory", "cache").id).toBe("memory:cache");
    expect(() => quasi.getParticle("memory", "nope")).toThrow(/no member memory:nope/);
  });

  it("lets a subclass set parents in code", async () => {
    class Pipeline extends Quasiparticle {
      static override readonly flavor = "pipeline";
      protected override linkParticles(): void {
        this.field.addParent(this.getParticle("memory", "b"), this.getParticle("memory", "a"));
      }
    }
    const registry = testRegistry();
    registry.register(Pipeline);
    const cloud = new MemoryCloud();
    const quasi = await loadQuasiparticle(
      { pcf_name: "p", flavor: "pipeline", particles: [memory("b"), memory("a")] },
      { registry },
    );
    await quasi.apply({ providerOptions: cloud.options() });
    expect(cloud.log).toEqual(["a:start", "b:start"]);
  });
});

describe("DistributedMasterWorker (the seed's quasiparticle)", () => {
  const definition: QuasiparticleDefinition = {
    pcf_name: "example",
    flavor: "distributed_master_worker",
    custom_config: { master: "master" },
    particles: [
      { flavor: "memory", pcf_name: "master", multiplier: 3, memory_resource: { name: "master" } },
      { flavor: "memory", pcf_name: "worker", multiplier: 3, memory_resource: { name: "worker" } },
    ],
  };

  it("starts every master before any worker, and removes workers before masters", async () => {
    const cloud = new MemoryCloud();
    const quasi = await loadQuasiparticle<DistributedMasterWorker>(definition, {
      registry: testRegistry(),
    });
    expect(quasi).toBeInstanceOf(DistributedMasterWorker);
    quasi.setDesiredState("running");
    await quasi.apply({ providerOptions: cloud.options() });
    const firstWorker = cloud.log.findIndex((entry) => entry.startsWith("worker"));
    expect(cloud.log.slice(0, firstWorker).sort()).toEqual([
      "master-0:start",
      "master-1:start",
      "master-2:start",
    ]);
    cloud.log.length = 0;
    quasi.setDesiredState("terminated");
    await quasi.apply({ providerOptions: cloud.options() });
    const firstMaster = cloud.log.findIndex((entry) => entry.startsWith("master"));
    expect(cloud.log.slice(0, firstMaster).sort()).toEqual([
      "worker-0:terminate",
      "worker-1:terminate",
      "worker-2:terminate",
    ]);
  });

  it("requires custom_config.master", async () => {
    await expect(
      loadQuasiparticle({ ...definition, custom_config: {} }, { registry: testRegistry() }),
    ).rejects.toMatchObject({
      code: "DEFINITION_INVALID",
      where: { field: "custom_config.master" },
    });
  });
});
