import { PcfError } from "./errors.js";
import type { Particle } from "./particle.js";
import type { TransitionName } from "./transitions.js";

/**
 * A function run after a transition. `kwargs` come from the definition; `particle` is the
 * particle; `signal` aborts with the run (pass it to anything that can wait).
 */
export type CallbackFunction = (
  args: Record<string, unknown> & { particle: Particle; signal: AbortSignal },
) => unknown;

/** A callback as written in a definition: a function (or, in a file, `"./module.js#export"`) and its arguments. */
export interface CallbackDefinition {
  readonly function: CallbackFunction | string;
  readonly kwargs?: Readonly<Record<string, unknown>>;
}

/**
 * Runs the callback a particle's definition names for `transition`, if any, with its `kwargs`,
 * the particle and the run's signal.
 * @throws PcfError `DEFINITION_INVALID` for a callback still written as a module path (the loader
 * resolves those; a definition built in code must pass the function itself).
 */
export async function runCallback(
  particle: Particle,
  transition: TransitionName,
  signal: AbortSignal,
): Promise<void> {
  const callback = particle.definition.callbacks?.[transition];
  if (callback === undefined) return;
  if (typeof callback.function !== "function") {
    throw new PcfError("DEFINITION_INVALID", `callback "${callback.function}" was never loaded`, {
      particle: particle.id,
      field: `callbacks.${transition}.function`,
    });
  }
  await callback.function({ ...callback.kwargs, particle, signal });
}
