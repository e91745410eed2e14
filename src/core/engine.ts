import pLimit, { type LimitFunction } from "p-limit";
import { ApplyError, type ApplyResult, type ParticleReport } from "./apply-result.js";
import { convergeParticle } from "./converge.js";
import { DefinitionError, PcfError, messageOf, type PcfErrorCode } from "./errors.js";
import type { EngineEvent, RunOperation } from "./events.js";
import type { Field } from "./field.js";
import { startFieldReads } from "./field-read.js";
import type { Particle, TransitionName } from "./particle.js";
import { withRunContext, type ProviderOptions, type RunContext } from "./run-context.js";
import { requestAdoption, type AdoptPolicy } from "./adoption.js";
import type { ReplacePolicy } from "./replace.js";
import type { DesiredState } from "./state.js";
import { abortError, deadlineSignal } from "./wait.js";

/**
 * Options of {@link applyField}; `allowReplace` names particles that may be replaced, `adopt`
 * those whose existing resource the run takes over.
 */
export interface ApplyOptions extends ReplacePolicy, AdoptPolicy {
  /** Overrides every particle's desired state for this run. */
  readonly desiredState?: DesiredState;
  /**
   * Most particles converging at once in each concurrency scope (see
   * {@link Particle.concurrencyScope}: an API and region for cloud flavors). Default 10.
   */
  readonly concurrency?: number;
  /** False runs one step per particle without waiting (PCF's `sync=False`). Default true. */
  readonly sync?: boolean;
  /** Whole-run deadline in ms; past it, work in flight is aborted with `WAIT_TIMEOUT`. */
  readonly timeoutMs?: number;
  /**
   * Most ms one transition may take, with the wait for its effect; past it that particle fails
   * with `WAIT_TIMEOUT`. 0: no limit. Default `DEFAULT_TRANSITION_TIMEOUT_MS` (15 minutes).
   */
  readonly transitionTimeoutMs?: number | undefined;
  /** Aborts work in flight (the second Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Stops scheduling new particles while letting those in flight finish (the first Ctrl-C). */
  readonly stopSignal?: AbortSignal;
  /** On failure, sets every particle to terminated and applies again (PCF's rollback). */
  readonly rollback?: boolean;
  /** Runs each particle's `validateConfig` before anything else. */
  readonly validateConfig?: boolean;
  /** Receives every engine event. */
  readonly onEvent?: (event: EngineEvent) => void;
  /** Monotonic clock in ms, for tests. */
  readonly now?: () => number;
  /** Settings per provider (`{ aws: { region, profile, endpoint } }`); see each provider's docs. */
  readonly providerOptions?: ProviderOptions;
  /**
   * Awaited before every transition; a rejection fails that particle with its error. Give it a
   * lease's `beforeMutation` so that a run which lost its lease stops mutating.
   */
  readonly beforeMutation?: () => Promise<void>;
}

/**
 * Converges every particle of `field` to its desired state, walking the graph: a particle that
 * comes up waits for its parents; one that goes down waits for its children; independent
 * particles run concurrently, up to `concurrency` per concurrency scope. Each particle waits for
 * its own flavor's batched first read only, not for every flavor's. A failure (of a read or a
 * transition) affects only that particle and its dependents, which are reported `not-started`
 * with `blockedBy` naming it; unrelated particles go on. The stop signal stops scheduling
 * everything and lets work in flight finish.
 * @returns the per-particle report when everything converged.
 * @throws ApplyError (`APPLY_FAILED`, `ABORTED` or `WAIT_TIMEOUT`) carrying the report otherwise.
 * @throws PcfError `CONFLICTING_STATES` before anything runs, when a parent must go down while its child comes up.
 */
export async function applyField(field: Field, options: ApplyOptions = {}): Promise<ApplyResult> {
  if (options.desiredState !== undefined)
    for (const particle of field.particles) particle.setDesiredState(options.desiredState);
  assertCompatibleStates(field);
  requestAdoption(field.particles, options);
  if (options.validateConfig === true) validateAll(field);
  const result = await walk(field, options);
  if (result.ok) return result;
  if (options.rollback === true) {
    const rollback = await walk(field, options, "terminated");
    throw new ApplyError("APPLY_FAILED", { ...result, rollback });
  }
  throw new ApplyError(failureCode(result, options), result);
}

/** Whether a particle moves up (towards running) in this run. */
function isGoingUp(particle: Particle): boolean {
  return particle.desiredState === "running";
}

/** The particles a particle must wait for: parents when it comes up, children when it goes down. */
function dependenciesOf(particle: Particle, field: Field): Particle[] {
  const related = isGoingUp(particle) ? particle.parents : particle.children;
  return [...related].filter(
    (other) => field.get(other.id) === other && isGoingUp(other) === isGoingUp(particle),
  );
}

function assertCompatibleStates(field: Field): void {
  for (const parent of field.particles) {
    if (isGoingUp(parent)) continue;
    for (const child of parent.children) {
      if (field.get(child.id) === child && isGoingUp(child)) {
        throw new PcfError(
          "CONFLICTING_STATES",
          `${parent.id} should be ${parent.desiredState} but its child ${child.id} should be running`,
          { particle: parent.id, field: "desired_state" },
        );
      }
    }
  }
}

function walk(
  field: Field,
  options: ApplyOptions,
  operationState?: DesiredState,
): Promise<ApplyResult> {
  if (operationState !== undefined)
    for (const particle of field.particles) particle.setDesiredState(operationState);
  const deadline = deadlineSignal(options.signal, options.timeoutMs);
  const contextOptions = {
    signal: deadline.signal,
    onEvent: options.onEvent,
    now: options.now,
    providerOptions: options.providerOptions,
    beforeMutation: options.beforeMutation,
  };
  return withRunContext(contextOptions, (context) =>
    walkWith(field, options, deadline.signal, context),
  ).finally(() => deadline.dispose());
}

async function walkWith(
  field: Field,
  options: ApplyOptions,
  signal: AbortSignal,
  context: RunContext,
): Promise<ApplyResult> {
  const startedMs = context.now();
  const operation: RunOperation = "apply";
  context.emit({ type: "run.start", operation, particles: field.particles.length });

  const reports = new Map<Particle, ParticleReport>();
  const record = (
    particle: Particle,
    report: Omit<ParticleReport, "particle" | "state">,
  ): ParticleReport => {
    const full = { particle: particle.id, state: particle.state, ...report };
    reports.set(particle, full);
    context.emit({
      type: "particle.done",
      particle: particle.id,
      outcome: full.outcome,
      state: full.state,
      ms: full.ms,
      ...(full.blockedBy === undefined ? {} : { blockedBy: full.blockedBy }),
    });
    return full;
  };
  const fail = (
    particle: Particle,
    failure: PcfError,
    report: { transitions: readonly TransitionName[]; ms: number },
  ): ParticleReport => {
    context.emit({
      type: "particle.error",
      particle: particle.id,
      code: failure.code,
      message: failure.message,
    });
    return record(particle, { outcome: "failed", ...report, error: failure });
  };
  const shouldSchedule = (): boolean => options.stopSignal?.aborted !== true && !signal.aborted;

  const firstReads = startFieldReads(field.particles, context);
  const limitOf = scopedLimits(Math.max(1, options.concurrency ?? 10));
  const running = new Map<Particle, Promise<ParticleReport>>();
  const converge = async (particle: Particle): Promise<ParticleReport> => {
    const readFailure = await firstReads.get(particle);
    if (readFailure !== undefined)
      return fail(particle, toPcfError(readFailure, signal, particle.id), {
        transitions: [],
        ms: 0,
      });
    const dependencies = await Promise.all(
      dependenciesOf(particle, field).map((dependency) => schedule(dependency)),
    );
    const blockedBy = failedDependencies(dependencies);
    if (blockedBy.length > 0)
      return record(particle, { outcome: "not-started", transitions: [], ms: 0, blockedBy });
    if (!shouldSchedule())
      return record(particle, { outcome: "not-started", transitions: [], ms: 0 });
    return limitOf(scopeOf(particle, context))(async () => {
      if (!shouldSchedule())
        return record(particle, { outcome: "not-started", transitions: [], ms: 0 });
      const particleStartMs = context.now();
      const done: TransitionName[] = [];
      try {
        const { outcome, transitions } = await convergeParticle(particle, context, {
          sync: options.sync ?? true,
          allowReplace: options.allowReplace,
          transitionTimeoutMs: options.transitionTimeoutMs,
          onTransition: (transition) => done.push(transition),
        });
        return record(particle, {
          outcome,
          transitions,
          ms: Math.round(context.now() - particleStartMs),
        });
      } catch (error) {
        return fail(particle, toPcfError(error, signal, particle.id), {
          transitions: done,
          ms: Math.round(context.now() - particleStartMs),
        });
      }
    });
  };
  const schedule = (particle: Particle): Promise<ParticleReport> => {
    let promise = running.get(particle);
    if (promise === undefined) {
      promise = converge(particle);
      running.set(particle, promise);
    }
    return promise;
  };
  await Promise.all(field.particles.map((particle) => schedule(particle)));
  return finish(field, reports, context, startedMs, operation);
}

/**
 * The failed particles behind `dependencies`: those that failed, and those that held the ones
 * not started. Empty when none failed (a dependency not started because the run stopped).
 */
function failedDependencies(dependencies: readonly ParticleReport[]): string[] {
  const failed = dependencies.flatMap((report) =>
    report.outcome === "failed" ? [report.particle] : (report.blockedBy ?? []),
  );
  return [...new Set(failed)];
}

/** The particle's concurrency scope; its flavor when the scope cannot be worked out yet. */
function scopeOf(particle: Particle, context: RunContext): string {
  try {
    return particle.concurrencyScope(context);
  } catch {
    // The transition itself will report the problem (say, no region) with its particle.
    return particle.flavor;
  }
}

/** One `p-limit` of `concurrency` slots per scope, made on first use. */
function scopedLimits(concurrency: number): (scope: string) => LimitFunction {
  const limits = new Map<string, LimitFunction>();
  return (scope) => {
    let limit = limits.get(scope);
    if (limit === undefined) {
      limit = pLimit(concurrency);
      limits.set(scope, limit);
    }
    return limit;
  };
}

function finish(
  field: Field,
  reports: Map<Particle, ParticleReport>,
  context: RunContext,
  startedMs: number,
  operation: RunOperation,
): ApplyResult {
  const particles = field.particles.map(
    (particle) =>
      reports.get(particle) ?? {
        particle: particle.id,
        outcome: "not-started" as const,
        transitions: [],
        state: particle.state,
        ms: 0,
      },
  );
  const ok = particles.every(
    (report) => report.outcome !== "failed" && report.outcome !== "not-started",
  );
  const ms = Math.round(context.now() - startedMs);
  context.emit({ type: "run.end", operation, ok, ms });
  return { ok, particles, ms };
}

function validateAll(field: Field): void {
  const issues = field.particles.flatMap((particle) => particle.validateConfig());
  if (issues.length > 0) throw new DefinitionError(issues);
}

function failureCode(result: ApplyResult, options: ApplyOptions): PcfErrorCode {
  const codes = new Set(result.particles.map((report) => report.error?.code));
  if (codes.has("WAIT_TIMEOUT")) return "WAIT_TIMEOUT";
  if (
    codes.has("ABORTED") ||
    options.signal?.aborted === true ||
    options.stopSignal?.aborted === true
  )
    return "ABORTED";
  return "APPLY_FAILED";
}

function toPcfError(error: unknown, signal: AbortSignal, particle?: string): PcfError {
  // A read that failed because the run was aborted reports the abort, as a transition does.
  const original = error instanceof PcfError && error.code === "READ_FAILED" ? error.cause : error;
  if (
    signal.aborted &&
    !(
      original instanceof PcfError &&
      original.code !== "ABORTED" &&
      original.code !== "WAIT_TIMEOUT"
    )
  ) {
    const aborted = abortError(signal);
    return new PcfError(aborted.code, aborted.message, { particle }, { cause: error });
  }
  if (error instanceof PcfError) {
    return error.where.particle !== undefined || particle === undefined
      ? error
      : new PcfError(error.code, error.message, { ...error.where, particle }, { cause: error });
  }
  return new PcfError("TRANSITION_FAILED", messageOf(error), { particle }, { cause: error });
}
