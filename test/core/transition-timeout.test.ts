import { describe, expect, it } from "vitest";
import { ApplyError, Field, applyField } from "../../src/index.js";
import { MemoryCloud, MemoryParticle, memory } from "../support/memory-particle.js";

function fieldOf(...particles: MemoryParticle[]): Field {
  return new Field(particles).link();
}

async function applyError(run: Promise<unknown>): Promise<ApplyError> {
  const caught = await run.catch((error: unknown) => error);
  if (!(caught instanceof ApplyError))
    throw new Error(`expected an ApplyError, got ${String(caught)}`);
  return caught;
}

describe("transitionTimeoutMs", () => {
  it("fails a particle whose transition never takes effect and lets the others converge", async () => {
    const cloud = new MemoryCloud();
    cloud.pendingReads.set("stuck:always", 1);
    const field = fieldOf(new MemoryParticle(memory("stuck")), new MemoryParticle(memory("fine")));

    const error = await applyError(
      applyField(field, { transitionTimeoutMs: 50, providerOptions: cloud.options() }),
    );

    expect(error.code).toBe("WAIT_TIMEOUT");
    const [stuck, fine] = error.result.particles;
    expect(stuck?.outcome).toBe("failed");
    expect(stuck?.transitions).toEqual(["start"]);
    expect(stuck?.error?.message).toBe(
      "start did not finish within 0.05 s (the transition timeout)",
    );
    expect(stuck?.error?.where.particle).toBe("memory:stuck");
    expect(fine?.outcome).toBe("converged");
  });

  it("aborts a transition that runs past it", async () => {
    const cloud = new MemoryCloud();
    cloud.turnsPerTransition = Number.POSITIVE_INFINITY;

    const error = await applyError(
      applyField(fieldOf(new MemoryParticle(memory("slow"))), {
        transitionTimeoutMs: 50,
        providerOptions: cloud.options(),
      }),
    );

    expect(error.result.particles[0]?.error?.code).toBe("WAIT_TIMEOUT");
    expect(error.result.particles[0]?.transitions).toEqual([]);
    expect(cloud.resources.size).toBe(0);
  });

  it("reports the caller's abort, not the transition timeout, when the run is aborted", async () => {
    const cloud = new MemoryCloud();
    cloud.turnsPerTransition = Number.POSITIVE_INFINITY;
    const controller = new AbortController();

    const error = await applyError(
      applyField(fieldOf(new MemoryParticle(memory("slow"))), {
        transitionTimeoutMs: 60_000,
        signal: controller.signal,
        providerOptions: cloud.options(),
        onEvent: (event) => (event.type === "transition.start" ? controller.abort() : undefined),
      }),
    );

    expect(error.code).toBe("ABORTED");
  });
});
