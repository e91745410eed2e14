import { FlavorRegistry, Quasiparticle } from "../../src/index.js";
import { DistributedMasterWorker } from "../../src/quasiparticles/distributed-master-worker.js";
import { MemoryBucket, MemoryParticle } from "./memory-particle.js";

/** A registry with the memory flavors and the generic quasiparticles, independent of the global one. */
export function testRegistry(): FlavorRegistry {
  const registry = new FlavorRegistry();
  for (const type of [MemoryParticle, MemoryBucket, Quasiparticle, DistributedMasterWorker])
    registry.register(type);
  return registry;
}
