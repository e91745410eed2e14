import type { PcfError } from "./errors.js";
import type { Particle, ParticleClass } from "./particle.js";
import { ReadFailures, ownRead, readFailureOf } from "./read-failures.js";
import type { RunContext } from "./run-context.js";

/** Each particle's first read: resolves `undefined` once its state is set, or with its error. */
export type FieldReads = ReadonlyMap<Particle, Promise<PcfError | undefined>>;

/**
 * Starts the first read of every particle, one batched read (`syncAll`) per flavor class, all
 * classes at once, and gives each particle's own result: a particle waits for its class's read
 * only, and a read that fails some particles (see {@link ReadFailures}) fails only those. The
 * promises never reject. Emits `state.read` for each particle read.
 * @internal
 */
export function startFieldReads(particles: readonly Particle[], context: RunContext): FieldReads {
  const byClass = new Map<ParticleClass, Particle[]>();
  for (const particle of particles) {
    const type = particle.constructor as ParticleClass;
    byClass.set(type, [...(byClass.get(type) ?? []), particle]);
  }
  const reads = new Map<Particle, Promise<PcfError | undefined>>();
  for (const [type, members] of byClass) {
    const read = type.syncAll(members, context);
    for (const particle of members)
      // Tracked per particle: a flavor whose read needs a parent's state (a subnet its VPC's id)
      // joins the parent's read under way instead of reading it again.
      reads.set(
        particle,
        settledRead(particle, particle.trackRead(ownRead(particle, read)), context),
      );
  }
  return reads;
}

/**
 * Reads the live state of every particle, one batched read per flavor class.
 * @throws ReadFailures (`READ_FAILED`) naming each particle that could not be read, after every
 * other particle's state was set.
 */
export async function syncField(
  particles: readonly Particle[],
  context: RunContext,
): Promise<void> {
  const reads = startFieldReads(particles, context);
  const failures = new Map<Particle, PcfError>();
  for (const [particle, read] of reads) {
    const failure = await read;
    if (failure !== undefined) failures.set(particle, failure);
  }
  if (failures.size > 0) throw new ReadFailures(failures);
}

async function settledRead(
  particle: Particle,
  read: Promise<void>,
  context: RunContext,
): Promise<PcfError | undefined> {
  try {
    await read;
  } catch (error) {
    return readFailureOf(error, particle);
  }
  particle.markSynced(context.now());
  context.emit({
    type: "state.read",
    particle: particle.id,
    state: particle.state ?? "terminated",
  });
  return undefined;
}
