import type { DefinitionDifference } from "./diff.js";
import type { PcfError } from "./errors.js";
import type { Field } from "./field.js";
import { planField, type FieldPlan, type PlanOptions } from "./plan.js";
import type { DesiredState, State } from "./state.js";

/** How one particle's live resource differs from what its definition asks for. */
export interface ParticleDrift {
  readonly particle: string;
  /** The live state, `undefined` when it could not be read. */
  readonly state: State | undefined;
  readonly desiredState: DesiredState;
  /** True when the live state is not the desired one (a resource deleted behind the tool's back). */
  readonly isStateDrifted: boolean;
  /** The fields whose live values differ from the written ones (only keys the user wrote). */
  readonly fields: readonly DefinitionDifference[];
  /** Why the particle could not be read. */
  readonly error?: PcfError;
}

/** A field's drift: every particle, and whether any drifted or could not be read. */
export interface FieldDrift {
  readonly particles: readonly ParticleDrift[];
  readonly hasDrift: boolean;
  readonly hasErrors: boolean;
}

/**
 * Compares every particle's live state and definition with the desired ones, field by field,
 * changing nothing: the read of a plan, reported as what differs rather than what apply would
 * run. Only keys the user wrote count, each flavor's comparison normalises what the cloud
 * fills in or reorders, and a field fixed at creation counts like any other.
 */
export async function driftField(field: Field, options: PlanOptions = {}): Promise<FieldDrift> {
  return driftOfPlan(await planField(field, options));
}

/** The drift a plan shows. */
export function driftOfPlan(plan: FieldPlan): FieldDrift {
  const particles = plan.particles.map((entry): ParticleDrift => {
    // A transition other than an update (or a replacement for a changed fixed field) means the
    // live state is not the desired one.
    const isReplacement = (entry.replacedBy?.length ?? 0) > 0;
    const isStateDrifted =
      entry.error === undefined &&
      !isReplacement &&
      entry.transitions.some((name) => name !== "update");
    return {
      particle: entry.particle,
      state: entry.state,
      desiredState: entry.desiredState,
      isStateDrifted,
      fields: entry.differences,
      ...(entry.error === undefined ? {} : { error: entry.error }),
    };
  });
  return {
    particles,
    hasDrift: particles.some((entry) => entry.isStateDrifted || entry.fields.length > 0),
    hasErrors: plan.hasErrors,
  };
}
