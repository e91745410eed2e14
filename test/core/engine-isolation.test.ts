import { describe, expect, it } from "vitest";
import {
  ApplyError,
  Field,
  PcfError,
  applyField,
  type ApplyResult,
  type EngineEvent,
  type Particle,
  type RunContext,
} from "../../src/index.js";
import { MemoryCloud, MemoryParticle, memory } from "../support/memory-particle.js";

/** A flavor whose batched read fails as a whole, as a list call that times out would. */
class UnreadableParticle extends MemoryParticle {
  static override readonly flavor: string = "memory_unreadable";
  static override syncAll(): Promise<void> {
    return Promise.reject(new Error("list memories: socket hang up"));
  }
}

/** A flavor whose batched read waits for {@link SlowParticle.gate}, a promise the test controls. */
class SlowParticle extends MemoryParticle {
  static override readonly flavor: string = "memory_slow";
  static gate: Promise<void> = Promise.resolve();
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    await SlowParticle.gate;
    await super.syncAll(particles, context);
  }
}

function of(flavor: string, name: string, extra: Record<string, unknown> = {}): MemoryParticle {
  const definition = { ...memory(name, extra), flavor };
  if (flavor === UnreadableParticle.flavor) return new UnreadableParticle(definition);
  if (flavor === SlowParticle.flavor) return new SlowParticle(definition);
  return new MemoryParticle(definition);
}

async function failedRun(
  field: Field,
  options: Parameters<typeof applyField>[1],
): Promise<ApplyError> {
  const error = await applyField(field, options).catch((caught: unknown) => caught);
  if (!(error instanceof ApplyError))
    throw new Error(`expected an ApplyError, got ${String(error)}`);
  return error;
}

function outcomes(result: ApplyResult): Record<string, string> {
  return Object.fromEntries(result.particles.map((report) => [report.particle, report.outcome]));
}

describe("failure isolation", () => {
  it("fails only the particles of a flavor whose read fails, and converges the other flavors", async () => {
    const cloud = new MemoryCloud();
    const field = new Field([
      of("memory_unreadable", "a"),
      of("memory_unreadable", "b"),
      of("memory", "queue"),
    ]).link();

    const error = await failedRun(field, { providerOptions: cloud.options() });

    expect(outcomes(error.result)).toEqual({
      "memory_unreadable:a": "failed",
      "memory_unreadable:b": "failed",
      "memory:queue": "converged",
    });
    const [a, b] = error.result.particles;
    expect([a?.error?.code, b?.error?.code]).toEqual(["READ_FAILED", "READ_FAILED"]);
    expect(a?.error?.where.particle).toBe("memory_unreadable:a");
    expect(a?.error?.message).toBe("list memories: socket hang up");
    expect(a?.error?.cause).toBeInstanceOf(Error);
    expect(error.result.particles[2]?.error).toBeUndefined();
    expect(cloud.log).toEqual(["queue:start"]);
  });

  it("fails only the particle whose read fails inside a batched read", async () => {
    const cloud = new MemoryCloud();
    cloud.readFailures.add("bad");
    const field = new Field([of("memory", "bad"), of("memory", "good")]).link();

    const error = await failedRun(field, { providerOptions: cloud.options() });

    expect(cloud.batches[0]).toEqual(["bad", "good"]);
    expect(outcomes(error.result)).toEqual({ "memory:bad": "failed", "memory:good": "converged" });
    expect(error.result.particles[0]?.error?.code).toBe("READ_FAILED");
    expect(error.result.particles[0]?.error?.message).toBe("read bad: socket hang up");
    expect(error.message).toContain("memory:bad failed: read bad: socket hang up");
    expect(error.message).toContain("converged: memory:good");
  });

  it("keeps a flavor's own read error code, such as DUPLICATE_RESOURCE, on its particle", async () => {
    class TwinParticle extends MemoryParticle {
      static override readonly flavor: string = "memory_twin";
      override syncState(): Promise<void> {
        return Promise.reject(
          new PcfError("DUPLICATE_RESOURCE", "2 memories carry the name twin (m-1, m-2)"),
        );
      }
    }
    const cloud = new MemoryCloud();
    const field = new Field([
      new TwinParticle({ ...memory("twin"), flavor: "memory_twin" }),
      of("memory", "other"),
    ]).link();

    const error = await failedRun(field, { providerOptions: cloud.options() });

    expect(error.result.particles[0]?.error?.code).toBe("DUPLICATE_RESOURCE");
    expect(error.result.particles[0]?.error?.where.particle).toBe("memory_twin:twin");
  });

  it("converges particles unrelated to a failed transition and names it on its dependents", async () => {
    const cloud = new MemoryCloud();
    cloud.failures.add("vpc:start");
    const field = new Field([
      of("memory", "vpc"),
      of("memory", "subnet", { parents: ["memory:vpc"] }),
      of("memory", "instance", { parents: ["memory:subnet"] }),
      of("memory", "bucket"),
    ]).link();

    // One slot: the bucket is scheduled after the failure, not beside it.
    const error = await failedRun(field, { concurrency: 1, providerOptions: cloud.options() });

    expect(outcomes(error.result)).toEqual({
      "memory:vpc": "failed",
      "memory:subnet": "not-started",
      "memory:instance": "not-started",
      "memory:bucket": "converged",
    });
    expect(error.result.particles.map((report) => report.blockedBy)).toEqual([
      undefined,
      ["memory:vpc"],
      ["memory:vpc"],
      undefined,
    ]);
    expect(error.code).toBe("APPLY_FAILED");
    expect(error.message).toContain("memory:vpc failed: start refused by the cloud");
    expect(error.message).toContain("memory:instance not started: memory:vpc failed");
    expect(cloud.log).toEqual(["vpc:start", "bucket:start"]);
  });

  it("reports the failed dependency in the particle.done event of a particle not started", async () => {
    const cloud = new MemoryCloud();
    cloud.failures.add("vpc:start");
    const events: EngineEvent[] = [];
    const field = new Field([
      of("memory", "vpc"),
      of("memory", "subnet", { parents: ["memory:vpc"] }),
    ]).link();

    await failedRun(field, { providerOptions: cloud.options(), onEvent: (e) => events.push(e) });

    expect(
      events.find((event) => event.type === "particle.done" && event.particle === "memory:subnet"),
    ).toMatchObject({ outcome: "not-started", blockedBy: ["memory:vpc"] });
  });

  it("does not hold another flavor's transitions behind a slow read", async () => {
    const cloud = new MemoryCloud();
    let release = (): void => {};
    SlowParticle.gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const field = new Field([
      of("memory_slow", "slow"),
      of("memory", "child", { parents: ["memory_slow:slow"] }),
      of("memory", "fast"),
    ]).link();

    const result = await applyField(field, {
      providerOptions: cloud.options(),
      onEvent: (event) => {
        if (event.type === "state.read" || event.type === "transition.end")
          order.push(`${event.type} ${event.particle}`);
        // The slow read ends only once the other flavor's create is done.
        if (event.type === "transition.end" && event.particle === "memory:fast") release();
      },
    });

    expect(result.ok).toBe(true);
    expect(order.indexOf("transition.end memory:fast")).toBeLessThan(
      order.indexOf("state.read memory_slow:slow"),
    );
    expect(order.indexOf("state.read memory_slow:slow")).toBeLessThan(
      order.indexOf("transition.end memory:child"),
    );
  });

  it("going down, blocks the parent of a failed child only", async () => {
    const cloud = new MemoryCloud();
    for (const name of ["vpc", "subnet-a", "subnet-b", "queue"])
      cloud.resources.set(name, { state: "running", definition: { name } });
    cloud.failures.add("subnet-a:terminate");
    const field = new Field([
      of("memory", "vpc"),
      of("memory", "subnet-a", { parents: ["memory:vpc"] }),
      of("memory", "subnet-b", { parents: ["memory:vpc"] }),
      of("memory", "queue"),
    ]).link();

    const error = await failedRun(field, {
      desiredState: "terminated",
      providerOptions: cloud.options(),
    });

    expect(outcomes(error.result)).toEqual({
      "memory:vpc": "not-started",
      "memory:subnet-a": "failed",
      "memory:subnet-b": "converged",
      "memory:queue": "converged",
    });
    expect(error.result.particles[0]?.blockedBy).toEqual(["memory:subnet-a"]);
    expect(cloud.resources.has("vpc")).toBe(true);
  });

  it("reports a read ended by the run's abort as ABORTED, not as a read failure", async () => {
    class HangingParticle extends MemoryParticle {
      static override readonly flavor: string = "memory_hanging";
      /** Answers only when the run is aborted, as a read in flight does. */
      static override syncAll(_particles: readonly Particle[], context: RunContext): Promise<void> {
        return new Promise((_resolve, reject) => {
          const fail = (): void => reject(new Error("read aborted"));
          if (context.signal.aborted) fail();
          else context.signal.addEventListener("abort", fail, { once: true });
        });
      }
    }
    const cloud = new MemoryCloud();
    const controller = new AbortController();
    const field = new Field([
      new HangingParticle({ ...memory("hang"), flavor: "memory_hanging" }),
    ]).link();

    const error = await failedRun(field, {
      signal: controller.signal,
      providerOptions: cloud.options(),
      onEvent: (event) => (event.type === "run.start" ? controller.abort() : undefined),
    });

    expect(error.code).toBe("ABORTED");
    expect(error.result.particles[0]?.error?.code).toBe("ABORTED");
  });

  it("rolls back after a failure that other particles outlived", async () => {
    const cloud = new MemoryCloud();
    cloud.failures.add("b:start");
    const field = new Field([of("memory", "a"), of("memory", "b"), of("memory", "c")]).link();

    const error = await failedRun(field, {
      concurrency: 1,
      rollback: true,
      providerOptions: cloud.options(),
    });

    expect(outcomes(error.result)).toMatchObject({ "memory:c": "converged" });
    expect(error.result.rollback?.ok).toBe(true);
    expect(cloud.resources.size).toBe(0);
  });
});
