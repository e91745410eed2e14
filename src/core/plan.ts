import { prepareDefinition } from "./converge.js";
import type { DefinitionDifference } from "./diff.js";
import { PcfError, type ErrorLocation, type PcfErrorCode } from "./errors.js";
import { startFieldReads } from "./field-read.js";
import { deadlineSignal } from "./wait.js";
import type { EngineEvent } from "./events.js";
import type { Field } from "./field.js";
import type { Particle, TransitionName } from "./particle.js";
import { findInheritReferences } from "./references.js";
import { adoptCommand, requestAdoption, type AdoptPolicy } from "./adoption.js";
import { REPLACE_TRANSITIONS, replaceRefusal, type ReplacePolicy } from "./replace.js";
import { withRunContext, type ProviderOptions, type RunContext } from "./run-context.js";
import type { DesiredState, State } from "./state.js";

/** Options of {@link planField}; `allowReplace` and `adopt` as apply would take them. */
export interface PlanOptions extends ReplacePolicy, AdoptPolicy {
  /** Overrides every particle's desired state, as `apply` would. */
  readonly desiredState?: DesiredState;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly onEvent?: (event: EngineEvent) => void;
  readonly providerOptions?: ProviderOptions;
}

/** What apply would do to one particle. */
export interface ParticlePlan {
  readonly particle: string;
  /** The live state; `undefined` when it could not be read (see `error`). */
  readonly state: State | undefined;
  readonly desiredState: DesiredState;
  /** The transitions in the order apply would run them; empty when nothing changes. */
  readonly transitions: readonly TransitionName[];
  /** Fields of the definition that differ (for `update`, and what a `start` would create). */
  readonly differences: readonly DefinitionDifference[];
  /** Why nothing or something unusual happens (`persist_on_termination`, a pending state, …). */
  readonly note?: string;
  /** Why its state could not be read (`READ_FAILED`, `DUPLICATE_RESOURCE`); no transitions then. */
  readonly error?: PcfError;
  /**
   * The fields fixed at creation that differ, when apply would replace the resource for them
   * (its transitions then end in `terminate`, `start`) or refuse to.
   */
  readonly replacedBy?: readonly string[];
  /** Why apply would refuse this particle before changing it (`REPLACE_REFUSED`). */
  readonly refusal?: PlanRefusal;
}

/** A refusal in a plan: what apply would throw for the particle, as plain data. */
export interface PlanRefusal {
  readonly code: PcfErrorCode;
  readonly message: string;
  readonly where: ErrorLocation;
}

/** What apply would do to a field. */
export interface FieldPlan {
  readonly particles: readonly ParticlePlan[];
  /** True when apply would run at least one transition. */
  readonly hasChanges: boolean;
  /** True when apply would refuse at least one particle (see {@link ParticlePlan.refusal}). */
  readonly hasRefusals: boolean;
  /** True when some particle's state could not be read: its entry carries the `error`. */
  readonly hasErrors: boolean;
}

/**
 * Computes what `applyField` would do, without changing anything: reads the live states (batched
 * per flavor), resolves references where their parents already exist, and lists per particle the
 * transitions and the differing fields. Particles come in dependency order. A particle whose
 * state could not be read is listed with its `error` instead of failing the whole plan.
 */
export function planField(field: Field, options: PlanOptions = {}): Promise<FieldPlan> {
  const deadline = deadlineSignal(options.signal, options.timeoutMs);
  const contextOptions = {
    signal: deadline.signal,
    onEvent: options.onEvent,
    providerOptions: options.providerOptions,
  };
  return withRunContext(contextOptions, (context) => planWith(field, options, context)).finally(
    () => deadline.dispose(),
  );
}

async function planWith(
  field: Field,
  options: PlanOptions,
  context: RunContext,
): Promise<FieldPlan> {
  const started = context.now();
  context.emit({ type: "run.start", operation: "plan", particles: field.particles.length });
  requestAdoption(field.particles, options);
  // As apply does: flavors read what the desired state needs (the tags that the ownership guard
  // of a terminate checks, say).
  if (options.desiredState !== undefined)
    for (const particle of field.particles) particle.setDesiredState(options.desiredState);
  const reads = startFieldReads(field.particles, context);
  const unread = new Set<Particle>();
  const plans: ParticlePlan[] = [];
  for (const particle of field.topologicalOrder()) {
    const desired = particle.desiredState;
    const readFailure = await reads.get(particle);
    if (readFailure !== undefined) {
      unread.add(particle);
      plans.push({
        particle: particle.id,
        state: undefined,
        desiredState: desired,
        transitions: [],
        differences: [],
        error: readFailure,
      });
      continue;
    }
    const unreadParents = [...particle.parents].filter((parent) => unread.has(parent));
    let note: string | undefined;
    try {
      // A parent that could not be read would only fail again: its values stay unknown.
      if (unreadParents.length === 0) await prepareDefinition(particle, context);
      else
        note = `not final: ${unreadParents.map((parent) => parent.id).join(", ")} could not be read`;
    } catch (error) {
      if (!(error instanceof PcfError) || error.code !== "REFERENCE_UNRESOLVED") throw error;
      const parents = findInheritReferences(particle.templateDefinition).map(
        (reference) => reference.parentId,
      );
      note =
        parents.length > 0
          ? `values from ${parents.join(", ")} are known after they start`
          : error.message;
    }
    plans.push(planParticle(particle, desired, { note, allowReplace: options.allowReplace }));
  }
  const plan = {
    particles: plans,
    hasChanges: plans.some((entry) => entry.transitions.length > 0),
    hasRefusals: plans.some((entry) => entry.refusal !== undefined),
    hasErrors: unread.size > 0,
  };
  context.emit({
    type: "run.end",
    operation: "plan",
    ok: !plan.hasErrors,
    ms: Math.round(context.now() - started),
  });
  return plan;
}

/** The note of a particle whose live resource the framework did not create. */
function foreignNote(particle: Particle): string {
  return `not created by particle-cloud: apply will only read it; adopt it with \`${adoptCommand(particle)}\``;
}

/** Options of {@link planParticle}. */
export interface PlanParticleOptions extends ReplacePolicy {
  /** A note to carry (why a reference is not known yet). */
  readonly note?: string | undefined;
}

/**
 * The plan for one particle whose state was just read; pure. It follows the apply loop
 * (`convergeParticle`): the transitions to the desired state, then, coming up to `running`, a
 * replacement when a field fixed at creation differs, or an update when another field does.
 */
export function planParticle(
  particle: Particle,
  desired: DesiredState,
  options: PlanParticleOptions = {},
): ParticlePlan {
  const state = particle.state ?? "terminated";
  const noteText = particle.isForeign ? foreignNote(particle) : options.note;
  const note = noteText === undefined ? {} : { note: noteText };
  const base = { particle: particle.id, state, desiredState: desired };
  if (desired === "terminated" && particle.persistOnTermination) {
    return { ...base, transitions: [], differences: [], note: "kept: persist_on_termination" };
  }
  if (state === "pending")
    return {
      ...base,
      transitions: [],
      differences: [],
      note: "pending: apply waits for it to settle first",
    };
  const toState = particle.isStateEquivalent(state, desired)
    ? []
    : transitionPath(particle, state, desired);
  const differences = desired === "running" ? particle.definitionDifferences() : [];
  if (desired !== "running" || state === "terminated")
    return { ...base, transitions: toState, differences, ...note };
  const fixed = particle.fixedDifferences();
  if (differences.length === 0 && fixed.length === 0)
    return { ...base, transitions: toState, differences, ...note };
  if (particle.persistOnUpdate)
    return { ...base, transitions: toState, differences, note: "kept: persist_on_update" };
  if (fixed.length === 0)
    return { ...base, transitions: [...toState, "update"], differences, ...note };
  const replacedBy = fixed.map((difference) => difference.path);
  const refusal = replaceRefusal(particle, fixed, options);
  if (refusal !== undefined)
    return {
      ...base,
      transitions: [],
      differences,
      replacedBy,
      refusal: { code: refusal.code, message: refusal.message, where: refusal.where },
    };
  return {
    ...base,
    transitions: [...toState, ...REPLACE_TRANSITIONS],
    differences,
    replacedBy,
    ...note,
  };
}

/** The state each built-in transition leads to. */
const TRANSITION_RESULTS: Readonly<Record<string, State>> = {
  start: "running",
  stop: "stopped",
  terminate: "terminated",
  update: "running",
};

function transitionPath(particle: Particle, from: State, desired: DesiredState): TransitionName[] {
  const path: TransitionName[] = [];
  let state = from;
  while (!particle.isStateEquivalent(state, desired) && path.length < 4) {
    const transition = particle.transitionFor(state, desired);
    if (transition === undefined) break;
    path.push(transition);
    const next = TRANSITION_RESULTS[transition];
    if (next === undefined) break;
    state = next;
  }
  return path;
}
