import type { Particle } from "./particle.js";

/** Whose live resources a run takes ownership of, though the framework did not create them. */
export interface AdoptPolicy {
  /**
   * Particles whose existing resource this run adopts, by id (`flavor:pcf_name`) or `pcf_name`
   * (the CLI's `--adopt NAME`): apply writes the ownership mark on it, and from then on manages
   * it as its own. The same as `custom_config.adopt: true`, for one run. Default none.
   */
  readonly adopt?: readonly string[] | undefined;
}

/** Marks the particles `policy` names as adopted for this run (see {@link Particle.isAdoptionRequested}). */
export function requestAdoption(particles: Iterable<Particle>, policy: AdoptPolicy): void {
  const names = policy.adopt ?? [];
  if (names.length === 0) return;
  for (const particle of particles)
    if (names.includes(particle.id) || names.includes(particle.name))
      particle.isAdoptionRequested = true;
}

/** How plan and status tell a user to adopt `particle`'s resource: the one command. */
export function adoptCommand(particle: Particle): string {
  return `pcf apply --adopt ${particle.name}`;
}
