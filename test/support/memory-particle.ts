import { setImmediate as nextTurn } from "node:timers/promises";
import { z } from "zod";
import {
  Particle,
  PcfError,
  STOPPED_IS_TERMINATED,
  type RunContext,
  type State,
} from "../../src/index.js";

/** One resource in the in-memory cloud. */
export interface MemoryResource {
  state: State;
  definition: Record<string, unknown>;
}

/**
 * A tiny cloud held in memory, for engine tests: it records every transition in order, can
 * hold a resource in `pending` for a number of reads, fail a transition or a read, or block one
 * until released. Particles find it through `providerOptions.memory`.
 */
export class MemoryCloud {
  readonly resources = new Map<string, MemoryResource>();
  readonly log: string[] = [];
  readonly reads: string[] = [];
  /** The particles of each batched read (`syncAll` call), in order. */
  readonly batches: string[][] = [];
  /** Reads that report pending after each transition, per resource name. */
  readonly pendingReads = new Map<string, number>();
  /** `name:transition` pairs that throw. */
  readonly failures = new Set<string>();
  /** Resource names whose reads throw. */
  readonly readFailures = new Set<string>();
  /** Resources whose transitions have no effect. */
  readonly inert = new Set<string>();
  active = 0;
  maxActive = 0;
  /** Turns of the event loop each transition takes, so concurrent ones overlap. */
  turnsPerTransition = 3;

  options(): { memory: MemoryCloud } {
    return { memory: this };
  }
}

const memorySchema = z.strictObject({
  name: z.string(),
  size: z.number().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  source: z.unknown().optional(),
  custom_config: z.record(z.string(), z.unknown()).optional(),
});

/** A user particle living in a {@link MemoryCloud}: running, stopped or terminated. */
export class MemoryParticle extends Particle {
  static override readonly flavor: string = "memory";
  static override readonly resourceKey = "memory_resource";
  static override readonly uniqueKeys = ["memory_resource.name"];
  static override readonly definitionSchema = memorySchema;
  static override readonly waitOptions = { minDelayMs: 1, maxDelayMs: 5 };

  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    cloudOf(context).batches.push(particles.map((particle) => particle.name));
    await super.syncAll(particles, context);
  }

  get resourceName(): string {
    return String(this.desiredStateDefinition.name);
  }

  override syncState(context: RunContext): Promise<void> {
    const cloud = cloudOf(context);
    cloud.reads.push(this.name);
    if (cloud.readFailures.has(this.resourceName))
      return Promise.reject(new Error(`read ${this.name}: socket hang up`));
    const resource = cloud.resources.get(this.resourceName);
    const pending = cloud.pendingReads.get(this.resourceName) ?? 0;
    if (pending > 0 && resource !== undefined) {
      cloud.pendingReads.set(this.resourceName, pending - 1);
      this.state = "pending";
    } else this.state = resource?.state ?? "terminated";
    this.currentStateDefinition = resource === undefined ? {} : { ...resource.definition };
    return Promise.resolve();
  }

  protected override _start(context: RunContext): Promise<void> {
    return this.transition(context, "start", (resource) => ({
      state: "running",
      definition: resource?.definition ?? { ...this.desiredStateDefinition },
    }));
  }

  protected override _stop(context: RunContext): Promise<void> {
    return this.transition(context, "stop", (resource) => ({
      state: "stopped",
      definition: resource?.definition ?? {},
    }));
  }

  protected override _terminate(context: RunContext): Promise<void> {
    return this.transition(context, "terminate", () => undefined);
  }

  protected override _update(context: RunContext): Promise<void> {
    return this.transition(context, "update", () => ({
      state: "running",
      definition: { ...this.desiredStateDefinition },
    }));
  }

  private async transition(
    context: RunContext,
    name: string,
    next: (resource: MemoryResource | undefined) => MemoryResource | undefined,
  ): Promise<void> {
    const cloud = cloudOf(context);
    cloud.active += 1;
    cloud.maxActive = Math.max(cloud.maxActive, cloud.active);
    try {
      for (let turn = 0; turn < cloud.turnsPerTransition; turn += 1) {
        context.signal.throwIfAborted();
        await nextTurn();
      }
      cloud.log.push(`${this.name}:${name}`);
      if (cloud.failures.has(`${this.name}:${name}`))
        throw new Error(`${name} refused by the cloud`);
      if (cloud.inert.has(this.resourceName)) return;
      const result = next(cloud.resources.get(this.resourceName));
      if (result === undefined) cloud.resources.delete(this.resourceName);
      else cloud.resources.set(this.resourceName, result);
      if (cloud.pendingReads.has(`${this.resourceName}:always`))
        cloud.pendingReads.set(this.resourceName, Number.POSITIVE_INFINITY);
    } finally {
      cloud.active -= 1;
    }
  }
}

/** A memory particle whose stopped and terminated states are the same (like a bucket). */
export class MemoryBucket extends MemoryParticle {
  static override readonly flavor: string = "memory_bucket";
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
}

function cloudOf(context: RunContext): MemoryCloud {
  const cloud = context.providerOptions.memory;
  if (!(cloud instanceof MemoryCloud))
    throw new PcfError("DEFINITION_INVALID", "providerOptions.memory must be a MemoryCloud");
  return cloud;
}

/** A memory particle definition. */
export function memory(
  name: string,
  extra: Record<string, unknown> = {},
  resource: Record<string, unknown> = {},
): Record<string, unknown> & { pcf_name: string; flavor: string } {
  return { pcf_name: name, flavor: "memory", memory_resource: { name, ...resource }, ...extra };
}
