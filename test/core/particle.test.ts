import { describe, expect, it } from "vitest";
import type { ApplyError } from "../../src/index.js";
import {
  DefinitionError,
  Field,
  Particle,
  applyField,
  createRunContext,
  type RunContext,
} from "../../src/index.js";
import { MemoryCloud, MemoryParticle, memory } from "../support/memory-particle.js";

/** The seed's "new particle" pattern: a flavor with the five functions, here over a Map. */
class Greeting extends Particle {
  static override readonly flavor: string = "greeting";
  static override readonly resourceKey = "greeting_resource";
  static override readonly uniqueKeys = ["greeting_resource.to"];
  static readonly world = new Map<string, { text: string; isAwake: boolean }>();

  override syncState(): Promise<void> {
    const entry = Greeting.world.get(String(this.desiredStateDefinition.to));
    this.state = entry === undefined ? "terminated" : entry.isAwake ? "running" : "stopped";
    this.currentStateDefinition =
      entry === undefined ? {} : { to: this.desiredStateDefinition.to, text: entry.text };
    return Promise.resolve();
  }
  protected override _start(): Promise<void> {
    const existing = Greeting.world.get(this.key);
    Greeting.world.set(this.key, {
      text: existing?.text ?? String(this.desiredStateDefinition.text),
      isAwake: true,
    });
    return Promise.resolve();
  }
  protected override _stop(): Promise<void> {
    const existing = Greeting.world.get(this.key);
    if (existing !== undefined) existing.isAwake = false;
    return Promise.resolve();
  }
  protected override _terminate(): Promise<void> {
    Greeting.world.delete(this.key);
    return Promise.resolve();
  }
  protected override _update(): Promise<void> {
    Greeting.world.set(this.key, { text: String(this.desiredStateDefinition.text), isAwake: true });
    return Promise.resolve();
  }
  private get key(): string {
    return String(this.desiredStateDefinition.to);
  }
}

/** The seed's "extend a particle" pattern: a subclass with a flavor of its own and an added method. */
class LoudGreeting extends Greeting {
  static override readonly flavor = "loud_greeting";
  shout(): string {
    return String(this.getAttributeValue("text")).toUpperCase();
  }
}

const greeting = (to: string, text: string, extra: Record<string, unknown> = {}) => ({
  pcf_name: to,
  flavor: "greeting",
  greeting_resource: { to, text },
  ...extra,
});

describe("a particle written as in the PCF quickstart", () => {
  it("creates, stops, starts, updates and terminates through apply", async () => {
    const particle = new Greeting(greeting("ada", "hello"));
    await particle.apply();
    expect(Greeting.world.get("ada")).toEqual({ text: "hello", isAwake: true });
    await particle.apply({ desiredState: "stopped" });
    expect(Greeting.world.get("ada")?.isAwake).toBe(false);
    particle.setDesiredState("running");
    await particle.apply();
    particle.setDesiredStateDefinition({ to: "ada", text: "hi" });
    const result = await particle.apply();
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(Greeting.world.get("ada")?.text).toBe("hi");
    await particle.apply({ desiredState: "terminated" });
    expect(Greeting.world.has("ada")).toBe(false);
  });

  it("is extended with new methods under a new flavor", async () => {
    const particle = new LoudGreeting({ ...greeting("bob", "hey"), flavor: "loud_greeting" });
    await particle.apply();
    expect(particle.id).toBe("loud_greeting:bob");
    expect(particle.shout()).toBe("HEY");
  });

  it("rejects a definition without its unique key at construction", () => {
    expect(
      () => new Greeting({ pcf_name: "x", flavor: "greeting", greeting_resource: {} }),
    ).toThrow(DefinitionError);
    expect(
      () => new Greeting({ pcf_name: "x", flavor: "greeting", greeting_resource: {} }),
    ).toThrow(/greeting_resource\.to/);
  });

  it("reads nested attributes from the current definition, then the desired one", () => {
    const particle = new MemoryParticle(memory("a", {}, { tags: { team: "core" } }));
    particle.currentStateDefinition = { tags: { team: "live" } };
    expect(particle.getAttributeValue("tags>team")).toBe("live");
    expect(particle.getAttributeValue("name")).toBe("a");
    expect(particle.getAttributeValue("missing", "fallback")).toBe("fallback");
  });

  it("runs a custom registered transition", async () => {
    const cloud = new MemoryCloud();
    cloud.resources.set("a", { state: "stopped", definition: { name: "a" } });
    const particle = new MemoryParticle(memory("a"));
    const log: string[] = [];
    particle.registerStateTransition("stopped", "running", "resume", async (context) => {
      log.push("resume");
      cloud.resources.set("a", { state: "running", definition: { name: "a" } });
      await Promise.resolve(context.signal);
    });
    await particle.apply({ providerOptions: cloud.options() });
    expect(log).toEqual(["resume"]);
  });

  it("calls a transition's callback with its kwargs and the particle", async () => {
    const calls: unknown[] = [];
    const callbacks = {
      start: {
        function: (args: Record<string, unknown>) => calls.push(args),
        kwargs: { channel: "#ops" },
      },
    };
    const particle = new MemoryParticle(memory("a", { callbacks }));
    await particle.apply({ providerOptions: new MemoryCloud().options() });
    expect(calls).toEqual([{ channel: "#ops", particle, signal: expect.any(AbortSignal) }]);
  });

  it("reuses a state read within the cache time and reads again after a transition", async () => {
    const cloud = new MemoryCloud();
    const particle = new MemoryParticle(memory("a"));
    const context: RunContext = createRunContext({ providerOptions: cloud.options() });
    await particle.getState(context);
    await particle.getState(context);
    expect(cloud.reads).toEqual(["a"]);
    particle.markDirty();
    await particle.getState(context);
    expect(cloud.reads).toEqual(["a", "a"]);
  });

  it("applies parents first with cascade, and not without", async () => {
    const cloud = new MemoryCloud();
    const field = new Field([
      new MemoryParticle(memory("vpc")),
      new MemoryParticle(memory("subnet", { parents: ["memory:vpc"] })),
    ]).link();
    const subnet = field.get("memory:subnet") as Particle;
    await subnet.apply({ providerOptions: cloud.options() });
    expect(cloud.log).toEqual(["subnet:start"]);
    await subnet.apply({ desiredState: "terminated", providerOptions: cloud.options() });
    cloud.log.length = 0;
    subnet.setDesiredState("running");
    await subnet.apply({ cascade: true, providerOptions: cloud.options() });
    expect(cloud.log).toEqual(["vpc:start", "subnet:start"]);
  });

  it("terminates children first when a parent terminates with cascade", async () => {
    const cloud = new MemoryCloud();
    const field = new Field([
      new MemoryParticle(memory("vpc")),
      new MemoryParticle(memory("subnet", { parents: ["memory:vpc"] })),
    ]).link();
    await applyField(field, { providerOptions: cloud.options() });
    cloud.log.length = 0;
    await (field.get("memory:vpc") as Particle).apply({
      desiredState: "terminated",
      cascade: true,
      providerOptions: cloud.options(),
    });
    expect(cloud.log).toEqual(["subnet:terminate", "vpc:terminate"]);
  });

  it("runs validateConfig before touching anything", async () => {
    class Picky extends MemoryParticle {
      override validateConfig() {
        return [{ particle: this.id, field: "memory_resource.size", message: "size must be even" }];
      }
    }
    const cloud = new MemoryCloud();
    await expect(
      new Picky(memory("a", {}, { size: 3 })).apply({
        validateConfig: true,
        providerOptions: cloud.options(),
      }),
    ).rejects.toThrow(/size must be even/);
    expect(cloud.reads).toEqual([]);
  });

  it("refuses an update the flavor cannot make in place", async () => {
    class Stone extends Particle {
      static override readonly flavor = "stone";
      static override readonly resourceKey = "stone_resource";
      override syncState(): Promise<void> {
        this.state = "running";
        this.currentStateDefinition = { weight: 1 };
        return Promise.resolve();
      }
      protected override _start = (): Promise<void> => Promise.resolve();
      protected override _stop = (): Promise<void> => Promise.resolve();
      protected override _terminate = (): Promise<void> => Promise.resolve();
    }
    const stone = new Stone({ pcf_name: "s", flavor: "stone", stone_resource: { weight: 2 } });
    const error = (await stone.apply().catch((caught: unknown) => caught)) as ApplyError;
    expect(error.message).toContain("stone cannot change weight in place");
  });
});

describe("$inherit$", () => {
  const field = () =>
    new Field([
      new MemoryParticle(memory("vpc", {}, { size: 16 })),
      new MemoryParticle(memory("subnet", {}, { source: "$inherit$memory:vpc$size" })),
    ]).link();

  it("resolves from the parent's live definition after the parent started", async () => {
    const cloud = new MemoryCloud();
    await applyField(field(), { providerOptions: cloud.options() });
    expect(cloud.resources.get("subnet")?.definition.source).toBe(16);
  });

  it("is resolved again for an update when the parent changed", async () => {
    const cloud = new MemoryCloud();
    await applyField(field(), { providerOptions: cloud.options() });
    cloud.resources.set("vpc", { state: "running", definition: { name: "vpc", size: 32 } });
    const fresh = field();
    (fresh.get("memory:vpc") as Particle).setDesiredStateDefinition({ name: "vpc", size: 32 });
    const result = await applyField(fresh, { providerOptions: cloud.options() });
    expect(
      result.particles.find((report) => report.particle === "memory:subnet")?.transitions,
    ).toEqual(["update"]);
    expect(cloud.resources.get("subnet")?.definition.source).toBe(32);
  });

  it("does not stop a terminate (PCF's InvalidValueReplaceException)", async () => {
    const cloud = new MemoryCloud();
    await applyField(field(), { providerOptions: cloud.options() });
    const result = await applyField(field(), {
      desiredState: "terminated",
      providerOptions: cloud.options(),
    });
    expect(result.ok).toBe(true);
    expect(cloud.resources.size).toBe(0);
  });

  it("fails a start whose parent has no such value, naming the reference", async () => {
    const cloud = new MemoryCloud();
    const broken = new Field([
      new MemoryParticle(memory("vpc")),
      new MemoryParticle(memory("subnet", {}, { source: "$inherit$memory:vpc$nope" })),
    ]).link();
    const error = (await applyField(broken, { providerOptions: cloud.options() }).catch(
      (caught: unknown) => caught,
    )) as ApplyError;
    expect(error.result.particles[1]?.error).toMatchObject({
      code: "REFERENCE_UNRESOLVED",
      where: { particle: "memory:subnet", field: "source" },
    });
  });
});
