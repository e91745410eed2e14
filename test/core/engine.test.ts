import { describe, expect, it } from "vitest";
import { setImmediate } from "node:timers/promises";
import {
  ApplyError,
  Field,
  applyField,
  createRunContext,
  type EngineEvent,
  type Particle,
  type RunContext,
} from "../../src/index.js";
import { MemoryBucket, MemoryCloud, MemoryParticle, memory } from "../support/memory-particle.js";

function fieldOf(...particles: MemoryParticle[]): Field {
  return new Field(particles).link();
}

describe("applyField", () => {
  it("starts parents before their children", async () => {
    const cloud = new MemoryCloud();
    const field = fieldOf(
      new MemoryParticle(memory("app", { parents: ["memory:subnet"] })),
      new MemoryParticle(memory("subnet", { parents: ["memory:vpc"] })),
      new MemoryParticle(memory("vpc")),
    );
    await applyField(field, { providerOptions: cloud.options() });
    expect(cloud.log).toEqual(["vpc:start", "subnet:start", "app:start"]);
  });

  it("terminates children before their parents", async () => {
    const cloud = new MemoryCloud();
    const field = fieldOf(
      new MemoryParticle(memory("vpc")),
      new MemoryParticle(memory("subnet", { parents: ["memory:vpc"] })),
    );
    await applyField(field, { providerOptions: cloud.options() });
    cloud.log.length = 0;
    await applyField(field, { desiredState: "terminated", providerOptions: cloud.options() });
    expect(cloud.log).toEqual(["subnet:terminate", "vpc:terminate"]);
    expect(cloud.resources.size).toBe(0);
  });

  it("runs independent particles concurrently, never more than the bound", async () => {
    const cloud = new MemoryCloud();
    const field = fieldOf(
      ...Array.from({ length: 12 }, (_, index) => new MemoryParticle(memory(`p${index}`))),
    );
    await applyField(field, { concurrency: 3, providerOptions: cloud.options() });
    expect(cloud.maxActive).toBe(3);
    expect(cloud.resources.size).toBe(12);
  });

  it("bounds each concurrency scope on its own, so one API never waits for another", async () => {
    class ScopedParticle extends MemoryParticle {
      override concurrencyScope(): string {
        return this.name.startsWith("a") ? "api-a" : "api-b";
      }
    }
    const cloud = new MemoryCloud();
    const field = new Field(
      ["a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"].map(
        (name) => new ScopedParticle(memory(name)),
      ),
    ).link();
    await applyField(field, { concurrency: 2, providerOptions: cloud.options() });
    expect(cloud.maxActive).toBe(4);
    expect(cloud.resources.size).toBe(8);
  });

  it("skips the confirming read after a transition that recorded its result", async () => {
    class CertainParticle extends MemoryParticle {
      protected override async _start(context: RunContext): Promise<void> {
        await super._start(context);
        this.recordState("running", { ...this.desiredStateDefinition }, context);
      }
    }
    const cloud = new MemoryCloud();
    const certain = new Field([new CertainParticle(memory("certain"))]).link();
    const plain = fieldOf(new MemoryParticle(memory("plain")));

    await applyField(certain, { providerOptions: cloud.options() });
    await applyField(plain, { providerOptions: cloud.options() });

    expect(cloud.reads.filter((name) => name === "certain")).toHaveLength(1);
    expect(cloud.reads.filter((name) => name === "plain")).toHaveLength(2);
    expect(cloud.resources.get("certain")?.state).toBe("running");
  });

  it("reads a parent again when its recorded state lacks a value a child inherits", async () => {
    // A read gives an `arn` that the create's answer, which the parent records, does not.
    class ArnParticle extends MemoryParticle {
      override async syncState(context: RunContext): Promise<void> {
        await super.syncState(context);
        if (this.state === "running")
          this.currentStateDefinition = { ...this.currentStateDefinition, arn: `arn:${this.name}` };
      }
      protected override async _start(context: RunContext): Promise<void> {
        await super._start(context);
        this.recordState("running", { ...this.desiredStateDefinition }, context);
      }
    }
    const cloud = new MemoryCloud();
    const field = new Field([
      new ArnParticle(memory("parent")),
      new MemoryParticle(
        memory("child", { parents: ["memory:parent"] }, { source: "$inherit$memory:parent$arn" }),
      ),
    ]).link();

    await applyField(field, { providerOptions: cloud.options() });

    expect(cloud.resources.get("child")?.definition["source"]).toBe("arn:parent");
    expect(cloud.reads.filter((name) => name === "parent")).toHaveLength(2);
  });

  it("reads again after a failed transition instead of trusting the state read before it", async () => {
    const cloud = new MemoryCloud();
    const particle = new MemoryParticle(memory("flaky"));
    cloud.failures.add("flaky:start");
    await expect(
      applyField(fieldOf(particle), { providerOptions: cloud.options() }),
    ).rejects.toThrow();
    cloud.failures.clear();
    cloud.reads.length = 0;

    await applyField(fieldOf(particle), { providerOptions: cloud.options() });

    expect(cloud.reads[0]).toBe("flaky");
    expect(cloud.resources.get("flaky")?.state).toBe("running");
  });

  it("lets a flavor whose read needs its parent's state join the parent's read under way", async () => {
    // Like a subnet, whose read needs its VPC's id.
    class ChildParticle extends MemoryParticle {
      static override readonly flavor: string = "memory_child";
      static override async syncAll(
        particles: readonly Particle[],
        context: RunContext,
      ): Promise<void> {
        await Promise.all(
          particles.flatMap((particle) =>
            [...particle.parents].map((parent) => parent.getState(context)),
          ),
        );
        await super.syncAll(particles, context);
      }
    }
    const cloud = new MemoryCloud();
    const field = (): Field =>
      new Field([
        new MemoryParticle(memory("vpc")),
        new ChildParticle({
          ...memory("subnet", { parents: ["memory:vpc"] }),
          flavor: "memory_child",
        }),
      ]).link();
    await applyField(field(), { providerOptions: cloud.options() });
    cloud.reads.length = 0;

    const result = await applyField(field(), { providerOptions: cloud.options() });

    expect(result.particles.map((report) => report.outcome)).toEqual(["unchanged", "unchanged"]);
    expect(cloud.reads.sort()).toEqual(["subnet", "vpc"]);
  });

  it("reads every particle's state once for a no-op apply", async () => {
    const cloud = new MemoryCloud();
    const field = fieldOf(new MemoryParticle(memory("a")), new MemoryParticle(memory("b")));
    await applyField(field, { providerOptions: cloud.options() });
    cloud.reads.length = 0;
    const result = await applyField(field, { providerOptions: cloud.options() });
    expect(result.particles.map((report) => report.outcome)).toEqual(["unchanged", "unchanged"]);
    expect(cloud.reads.sort()).toEqual(["a", "b"]);
  });

  it("batches the state reads of particles settling in the same turn", async () => {
    const cloud = new MemoryCloud();
    const field = fieldOf(...["a", "b", "c", "d"].map((name) => new MemoryParticle(memory(name))));
    await applyField(field, { concurrency: 4, providerOptions: cloud.options() });
    expect(cloud.batches[0]).toEqual(["a", "b", "c", "d"]);
    expect(cloud.batches.slice(1).flat().sort()).toEqual(["a", "b", "c", "d"]);
    expect(cloud.batches.length).toBeLessThan(5);
  });

  it("merges reads that arrive within the flavor's batch window", async () => {
    class PatientParticle extends MemoryParticle {
      static override readonly readBatchWindowMs = 50;
    }
    const cloud = new MemoryCloud();
    const context = createRunContext({ providerOptions: cloud.options() });
    const first = new PatientParticle(memory("a")).getState(context);
    await setImmediate();
    const second = new PatientParticle(memory("b")).getState(context);
    await Promise.all([first, second]);
    expect(cloud.batches).toEqual([["a", "b"]]);
  });

  it("updates a running particle whose definition differs", async () => {
    const cloud = new MemoryCloud();
    cloud.resources.set("db", { state: "running", definition: { name: "db", size: 1 } });
    const result = await applyField(fieldOf(new MemoryParticle(memory("db", {}, { size: 2 }))), {
      providerOptions: cloud.options(),
    });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(cloud.resources.get("db")?.definition.size).toBe(2);
  });

  it("leaves a differing particle alone with persist_on_update", async () => {
    const cloud = new MemoryCloud();
    cloud.resources.set("db", { state: "running", definition: { name: "db", size: 1 } });
    const result = await applyField(
      fieldOf(new MemoryParticle(memory("db", { persist_on_update: true }, { size: 2 }))),
      { providerOptions: cloud.options() },
    );
    expect(result.particles[0]?.outcome).toBe("unchanged");
    expect(cloud.resources.get("db")?.definition.size).toBe(1);
  });

  it("keeps a particle with persist_on_termination when terminating", async () => {
    const cloud = new MemoryCloud();
    cloud.resources.set("keep", { state: "running", definition: { name: "keep" } });
    const result = await applyField(
      fieldOf(new MemoryParticle(memory("keep", { persist_on_termination: true }))),
      {
        desiredState: "terminated",
        providerOptions: cloud.options(),
      },
    );
    expect(result.particles[0]?.outcome).toBe("skipped");
    expect(cloud.resources.has("keep")).toBe(true);
  });

  it("waits out a pending state by polling", async () => {
    const cloud = new MemoryCloud();
    cloud.resources.set("slow", { state: "stopped", definition: { name: "slow" } });
    cloud.pendingReads.set("slow", 3);
    const polls: EngineEvent[] = [];
    await applyField(fieldOf(new MemoryParticle(memory("slow"))), {
      providerOptions: cloud.options(),
      onEvent: (event) => (event.type === "wait.poll" ? polls.push(event) : undefined),
    });
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(cloud.log).toEqual(["slow:start"]);
  });

  it("stops a bucket-like particle by terminating it", async () => {
    const cloud = new MemoryCloud();
    const bucket = new MemoryBucket({ ...memory("logs"), flavor: "memory_bucket" });
    await applyField(new Field([bucket]), { providerOptions: cloud.options() });
    await applyField(new Field([bucket]), {
      desiredState: "stopped",
      providerOptions: cloud.options(),
    });
    expect(cloud.log).toEqual(["logs:start", "logs:terminate"]);
  });

  it("creates then stops a particle asked to be stopped from nothing", async () => {
    const cloud = new MemoryCloud();
    await applyField(fieldOf(new MemoryParticle(memory("vm", { desired_state: "stopped" }))), {
      providerOptions: cloud.options(),
    });
    expect(cloud.log).toEqual(["vm:start", "vm:stop"]);
    expect(cloud.resources.get("vm")?.state).toBe("stopped");
  });

  it("runs one step without waiting when sync is false", async () => {
    const cloud = new MemoryCloud();
    const result = await applyField(
      fieldOf(new MemoryParticle(memory("vm", { desired_state: "stopped" }))),
      { sync: false, providerOptions: cloud.options() },
    );
    expect(cloud.log).toEqual(["vm:start"]);
    expect(result.particles[0]?.outcome).toBe("skipped");
  });

  it("reports per particle, starting no dependent of a failure but the unrelated particles", async () => {
    const cloud = new MemoryCloud();
    cloud.failures.add("vpc:start");
    const field = fieldOf(
      new MemoryParticle(memory("vpc")),
      new MemoryParticle(memory("subnet", { parents: ["memory:vpc"] })),
      new MemoryParticle(memory("bucket")),
    );
    const error = await applyField(field, {
      concurrency: 1,
      providerOptions: cloud.options(),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApplyError);
    const report = Object.fromEntries(
      (error as ApplyError).result.particles.map((entry) => [entry.particle, entry.outcome]),
    );
    expect(report).toEqual({
      "memory:vpc": "failed",
      "memory:subnet": "not-started",
      "memory:bucket": "converged",
    });
    expect((error as ApplyError).code).toBe("APPLY_FAILED");
    expect((error as ApplyError).message).toContain("start refused by the cloud");
  });

  it("converges when re-run after a failure", async () => {
    const cloud = new MemoryCloud();
    cloud.failures.add("vpc:start");
    const field = fieldOf(
      new MemoryParticle(memory("vpc")),
      new MemoryParticle(memory("subnet", { parents: ["memory:vpc"] })),
    );
    await expect(applyField(field, { providerOptions: cloud.options() })).rejects.toThrow(
      ApplyError,
    );
    cloud.failures.clear();
    const result = await applyField(field, { providerOptions: cloud.options() });
    expect(result.ok).toBe(true);
    expect(cloud.log).toEqual(["vpc:start", "vpc:start", "subnet:start"]);
  });

  it("terminates everything on failure with rollback", async () => {
    const cloud = new MemoryCloud();
    cloud.failures.add("b:start");
    const field = fieldOf(
      new MemoryParticle(memory("a")),
      new MemoryParticle(memory("b", { parents: ["memory:a"] })),
    );
    const error = (await applyField(field, {
      rollback: true,
      providerOptions: cloud.options(),
    }).catch((caught: unknown) => caught)) as ApplyError;
    expect(error.result.rollback?.ok).toBe(true);
    expect(cloud.resources.size).toBe(0);
    expect(cloud.log).toEqual(["a:start", "b:start", "a:terminate"]);
  });

  it("times out a particle stuck in pending", async () => {
    const cloud = new MemoryCloud();
    cloud.resources.set("stuck", { state: "stopped", definition: { name: "stuck" } });
    cloud.pendingReads.set("stuck", Number.POSITIVE_INFINITY);
    const error = (await applyField(fieldOf(new MemoryParticle(memory("stuck"))), {
      timeoutMs: 100,
      providerOptions: cloud.options(),
    }).catch((caught: unknown) => caught)) as ApplyError;
    expect(error.code).toBe("WAIT_TIMEOUT");
    expect(error.result.particles[0]?.error?.code).toBe("WAIT_TIMEOUT");
  });

  it("aborts work in flight when the signal aborts", async () => {
    const cloud = new MemoryCloud();
    cloud.turnsPerTransition = 1_000_000;
    const controller = new AbortController();
    const run = applyField(fieldOf(new MemoryParticle(memory("a"))), {
      signal: controller.signal,
      providerOptions: cloud.options(),
      onEvent: (event) => (event.type === "transition.start" ? controller.abort() : undefined),
    });
    const error = (await run.catch((caught: unknown) => caught)) as ApplyError;
    expect(error.code).toBe("ABORTED");
    expect(cloud.resources.size).toBe(0);
  });

  it("lets work in flight finish but schedules nothing new after the stop signal", async () => {
    const cloud = new MemoryCloud();
    const stop = new AbortController();
    const field = fieldOf(
      new MemoryParticle(memory("a")),
      new MemoryParticle(memory("b", { parents: ["memory:a"] })),
    );
    const error = (await applyField(field, {
      stopSignal: stop.signal,
      providerOptions: cloud.options(),
      onEvent: (event) => (event.type === "transition.start" ? stop.abort() : undefined),
    }).catch((caught: unknown) => caught)) as ApplyError;
    expect(error.result.particles.map((report) => report.outcome)).toEqual([
      "converged",
      "not-started",
    ]);
    expect(cloud.log).toEqual(["a:start"]);
  });

  it("fails a transition that has no effect instead of looping", async () => {
    const cloud = new MemoryCloud();
    cloud.inert.add("ghost");
    const error = (await applyField(fieldOf(new MemoryParticle(memory("ghost"))), {
      providerOptions: cloud.options(),
    }).catch((caught: unknown) => caught)) as ApplyError;
    expect(error.result.particles[0]?.error?.code).toBe("TRANSITION_FAILED");
    expect(error.message).toContain("start ran but the state is still terminated");
    expect(error.result.particles[0]?.transitions).toEqual(["start"]);
  });

  it("refuses a parent going down while its child comes up, before touching anything", async () => {
    const cloud = new MemoryCloud();
    const field = fieldOf(
      new MemoryParticle(memory("vpc", { desired_state: "terminated" })),
      new MemoryParticle(memory("subnet", { parents: ["memory:vpc"] })),
    );
    await expect(applyField(field, { providerOptions: cloud.options() })).rejects.toMatchObject({
      code: "CONFLICTING_STATES",
    });
    expect(cloud.reads).toEqual([]);
  });

  it("emits numbered events for each transition", async () => {
    const cloud = new MemoryCloud();
    const events: EngineEvent[] = [];
    await applyField(fieldOf(new MemoryParticle(memory("a"))), {
      providerOptions: cloud.options(),
      onEvent: (event) => events.push(event),
    });
    expect(events.map((event) => event.type)).toEqual([
      "run.start",
      "state.read",
      "transition.start",
      "transition.end",
      "particle.done",
      "run.end",
    ]);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
