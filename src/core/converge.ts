import { PcfError } from "./errors.js";
import type { ParticleOutcome } from "./events.js";
import type { Particle, TransitionName } from "./particle.js";
import { findInheritReferences, isReference, resolveInherit } from "./references.js";
import { REPLACE_TRANSITIONS, replaceRefusal, type ReplacePolicy } from "./replace.js";
import type { RunContext } from "./run-context.js";
import type { State } from "./state.js";
import { readPath } from "./values.js";
import { deadlineSignal } from "./wait.js";

/**
 * Default of `transitionTimeoutMs`: 15 minutes. The slowest transitions of the built-in flavors
 * (an EC2 instance starting or stopping, a DynamoDB table with indexes) take a few minutes; three
 * times that still ends a hung one well before the CLI's one-hour run deadline.
 */
export const DEFAULT_TRANSITION_TIMEOUT_MS = 15 * 60_000;

/** Options of {@link convergeParticle}. */
export interface ConvergeOptions extends ReplacePolicy {
  /** False runs one transition and returns without waiting (PCF's `sync=False`). */
  readonly sync: boolean;
  /**
   * Most ms one transition may take, with the wait for its effect; past it the particle fails
   * with `WAIT_TIMEOUT`. 0: no limit. Default {@link DEFAULT_TRANSITION_TIMEOUT_MS}.
   */
  readonly transitionTimeoutMs?: number | undefined;
  /** Receives each transition as it completes, so a caller still knows what ran when a later step throws. */
  readonly onTransition?: (transition: TransitionName) => void;
}

/** What converging one particle did. */
export interface ConvergeResult {
  readonly outcome: ParticleOutcome;
  readonly transitions: readonly TransitionName[];
}

/** Reads after a transition that may still show the old state (eventual consistency) before it counts as failed. */
const SETTLE_READS = 4;
/** Runs of one transition allowed in one converge, for a state that moved and then moved back. */
const MAX_RUNS_PER_TRANSITION = 2;

/**
 * Brings one particle to its desired state and definition, PCF's apply loop: wait out pending,
 * run the transition from the current state, wait for it to take effect, repeat; then, while
 * running but different from the definition, replace it when a field fixed at creation differs,
 * and update.
 * @throws PcfError `TRANSITION_FAILED` when a transition has no effect or no transition leads on.
 * @throws PcfError `REPLACE_REFUSED`, before any transition, when a field fixed at creation
 * differs and the particle may not be replaced (see {@link replaceRefusal}).
 */
export async function convergeParticle(
  particle: Particle,
  context: RunContext,
  options: ConvergeOptions,
): Promise<ConvergeResult> {
  const desired = particle.desiredState;
  if (desired === "terminated" && particle.persistOnTermination)
    return { outcome: "skipped", transitions: [] };
  await prepareDefinition(particle, context);

  const transitions: TransitionName[] = [];
  let state = await settle(particle, context, () => true);
  const mayUpdate = desired === "running" && !particle.persistOnUpdate;
  if (mayUpdate && state !== "terminated") {
    const refusal = replaceRefusal(particle, particle.fixedDifferences(), options);
    if (refusal !== undefined) throw refusal;
  }
  while (!particle.isStateEquivalent(state, desired)) {
    const transition = particle.transitionFor(state, desired);
    if (transition === undefined) {
      throw new PcfError("TRANSITION_FAILED", `no transition leads from ${state} to ${desired}`, {
        particle: particle.id,
      });
    }
    const runs = transitions.filter((done) => done === transition).length;
    if (runs >= MAX_RUNS_PER_TRANSITION) {
      throw new PcfError(
        "TRANSITION_FAILED",
        `${transition} ran ${runs} times but the state is still ${state}`,
        { particle: particle.id },
      );
    }
    if (runs > 0)
      context.emit({
        type: "transition.retry",
        particle: particle.id,
        transition,
        attempt: runs + 1,
        state,
      });
    const before = state;
    const after = await runAndSettle(particle, context, {
      ...options,
      transition,
      from: state,
      isDone: (now) => now !== before || particle.isStateEquivalent(now, desired),
      onRun: () => transitions.push(transition),
    });
    if (after === undefined) return { outcome: "skipped", transitions };
    state = after;
    if (state === before && !particle.isStateEquivalent(state, desired)) {
      throw new PcfError("TRANSITION_FAILED", `${transition} ran but the state is still ${state}`, {
        particle: particle.id,
      });
    }
  }

  if (mayUpdate) {
    if (particle.fixedDifferences().length > 0) {
      for (const transition of REPLACE_TRANSITIONS) {
        await runTransition(particle, context, transition, state);
        transitions.push(transition);
        options.onTransition?.(transition);
        if (!options.sync) return { outcome: "skipped", transitions };
        const before = state;
        state = await settle(particle, context, (now) => now !== before);
      }
      if (!particle.isStateEquivalent(state, desired))
        throw new PcfError("TRANSITION_FAILED", `replace ran but the state is ${state}`, {
          particle: particle.id,
        });
    }
    while (!particle.isStateDefinitionEquivalent()) {
      if (transitions.filter((done) => done === "update").length >= MAX_RUNS_PER_TRANSITION) {
        const fields = particle.definitionDifferences().map((difference) => difference.path);
        throw new PcfError(
          "TRANSITION_FAILED",
          `update ran but ${fields.join(", ")} still differ`,
          { particle: particle.id },
        );
      }
      const after = await runAndSettle(particle, context, {
        ...options,
        transition: "update",
        from: state,
        isDone: () => particle.isStateDefinitionEquivalent(),
        onRun: () => transitions.push("update"),
      });
      if (after === undefined) return { outcome: "skipped", transitions };
      state = after;
    }
  }
  return { outcome: transitions.length === 0 ? "unchanged" : "converged", transitions };
}

/**
 * Resolves the particle's desired definition for this run: `$inherit$` values from its parents'
 * live definitions, then the provider's own references. Going down (stop, terminate), a
 * reference to a parent that is already gone is left as written: the resource is found by its
 * unique keys, and PCF's failure to terminate such a child is not reproduced.
 */
export async function prepareDefinition(particle: Particle, context: RunContext): Promise<void> {
  const template = particle.templateDefinition;
  const references = findInheritReferences(template);
  const parentsById = new Map([...particle.parents].map((parent) => [parent.id, parent]));
  const referencedParents = references.flatMap(
    (reference) => parentsById.get(reference.parentId) ?? [],
  );
  await Promise.all(referencedParents.map((parent) => parent.getState(context)));
  const currentOf = (id: string): Record<string, unknown> | undefined => {
    const parent = parentsById.get(id);
    return parent?.state === undefined || parent.state === "terminated"
      ? undefined
      : parent.currentStateDefinition;
  };
  const resolve = (): Record<string, unknown> => resolveInherit(template, currentOf, particle.id);
  let resolved = template;
  try {
    resolved = resolve();
  } catch {
    if (particle.desiredState === "running") {
      // A parent's state may have been recorded by its transition rather than read, without
      // every field a read gives (a queue's ARN): read the referenced parents again, then retry.
      await Promise.all(
        referencedParents.map((parent) => parent.getState(context, { maxAgeMs: 0 })),
      );
      resolved = resolve();
    }
  }
  particle.desiredStateDefinition = await particle.resolveDefinition(resolved, context);
  // A unique key written as a reference (a record's `$inherit$` zone id) was not known when the
  // field was first read: the resource is read again, under the resolved key.
  const { uniqueKeys } = particle.constructor as typeof Particle;
  if (uniqueKeys.some((key) => isReference(readPath(particle.definition, key))))
    await particle.getState(context, { maxAgeMs: 0 });
}

async function runTransition(
  particle: Particle,
  context: RunContext,
  transition: TransitionName,
  from: State,
): Promise<void> {
  const startedMs = context.now();
  context.emit({
    type: "transition.start",
    particle: particle.id,
    transition,
    from,
    to: particle.desiredState,
  });
  await particle.runTransition(transition, context);
  context.emit({
    type: "transition.end",
    particle: particle.id,
    transition,
    ms: Math.round(context.now() - startedMs),
  });
}

/** One step of the loop: a transition, and what counts as its effect. */
interface StepOptions extends ConvergeOptions {
  readonly transition: TransitionName;
  readonly from: State;
  readonly isDone: (state: State) => boolean;
  /** Called once the transition itself has run. */
  readonly onRun: () => void;
}

/**
 * Runs one transition and, when `sync`, waits for its effect, both under the transition
 * timeout; past it, fails with `WAIT_TIMEOUT` naming the transition. The state reads keep the
 * run's own context (a read may be batched with other particles'): only the wait between reads
 * is bounded.
 * @returns the state reached, or `undefined` when not waiting (`sync` false).
 */
async function runAndSettle(
  particle: Particle,
  context: RunContext,
  step: StepOptions,
): Promise<State | undefined> {
  const { transition, transitionTimeoutMs: timeoutMs = DEFAULT_TRANSITION_TIMEOUT_MS } = step;
  const deadline = deadlineSignal(context.signal, timeoutMs === 0 ? undefined : timeoutMs);
  try {
    await runTransition(particle, { ...context, signal: deadline.signal }, transition, step.from);
    step.onRun();
    step.onTransition?.(transition);
    if (!step.sync) return undefined;
    return await settle(particle, context, step.isDone, deadline.signal);
  } catch (error) {
    if (!deadline.signal.aborted || context.signal.aborted) throw error;
    throw new PcfError(
      "WAIT_TIMEOUT",
      `${transition} did not finish within ${formatDuration(timeoutMs)} (the transition timeout)`,
      { particle: particle.id },
      { cause: error },
    );
  } finally {
    deadline.dispose();
  }
}

/** `900000` → `15 min`, `1500` → `1.5 s`. */
function formatDuration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/**
 * Reads the state until it is not pending and `isDone` holds, backing off between reads. A
 * state that is stable but not done is accepted after a few reads, for the caller to judge.
 * `signal` bounds the wait (the transition's deadline); the reads use the run's context.
 */
async function settle(
  particle: Particle,
  context: RunContext,
  isDone: (state: State) => boolean,
  signal: AbortSignal = context.signal,
): Promise<State> {
  let reads = 0;
  let stableReads = 0;
  const type = particle.constructor as typeof Particle;
  return context.waitFor<State>(
    async () => {
      reads += 1;
      const state = await particle.getState(context, reads === 1 ? {} : { maxAgeMs: 0 });
      if (state === "pending") return { done: false };
      stableReads += 1;
      return isDone(state) || stableReads >= SETTLE_READS
        ? { done: true, value: state }
        : { done: false };
    },
    {
      ...type.waitOptions,
      signal,
      particle: particle.id,
      description: `${particle.id} to settle`,
      state: () => particle.state ?? "terminated",
    },
  );
}
