import { describe, expect, it } from "vitest";
import {
  PcfError,
  ReadFailures,
  createRunContext,
  settleReads,
  type Particle,
  type RunContext,
} from "../../src/index.js";
import { MemoryCloud, MemoryParticle, memory } from "../support/memory-particle.js";

/** Reads its batch, then throws a `ReadFailures` for the particles named `broken-…`. */
class HalfReadable extends MemoryParticle {
  static override readonly flavor: string = "memory_half";
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    await super.syncAll(particles, context);
    const broken = particles.filter((particle) => particle.name.startsWith("broken"));
    if (broken.length > 0)
      throw new ReadFailures(
        new Map(broken.map((particle) => [particle, new Error(`cannot read ${particle.name}`)])),
      );
  }
}

function half(name: string): HalfReadable {
  return new HalfReadable({ ...memory(name), flavor: "memory_half" });
}

describe("per-particle read results", () => {
  it("fails only its own particle's getState when merged reads fail one particle", async () => {
    const cloud = new MemoryCloud();
    cloud.resources.set("fine", { state: "running", definition: { name: "fine" } });
    const context = createRunContext({ providerOptions: cloud.options() });
    const [fine, broken] = [half("fine"), half("broken-1")];

    const [fineState, brokenState] = await Promise.allSettled([
      fine.getState(context),
      broken.getState(context),
    ]);

    expect(cloud.batches).toEqual([["fine", "broken-1"]]);
    expect(fineState).toEqual({ status: "fulfilled", value: "running" });
    expect(brokenState.status).toBe("rejected");
    const reason: unknown = brokenState.status === "rejected" ? brokenState.reason : undefined;
    expect(reason).toBeInstanceOf(PcfError);
    expect(reason).toMatchObject({
      code: "READ_FAILED",
      message: "cannot read broken-1",
      where: { particle: "memory_half:broken-1" },
    });
  });

  it("fails every particle a plain rejection covers, and only those named by a ReadFailures", async () => {
    const [a, b, c] = [half("a"), half("b"), half("c")];
    const error = await settleReads([
      { particles: [a], read: Promise.reject(new Error("region down")) },
      {
        particles: [b, c],
        read: Promise.reject(new ReadFailures(new Map([[c, new Error("c is odd")]]))),
      },
    ]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ReadFailures);
    const failures = (error as ReadFailures).failures;
    expect([...failures.keys()]).toEqual([a, c]);
    expect(failures.get(a)?.message).toBe("region down");
    expect((error as ReadFailures).message).toBe(
      "2 particles could not be read: memory_half:a, memory_half:c",
    );
  });
});
