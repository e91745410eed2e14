import { PcfError, listNames, type PcfErrorCode } from "./errors.js";
import type { ParticleOutcome } from "./events.js";
import type { TransitionName } from "./particle.js";
import type { State } from "./state.js";

/** What happened to one particle in a run. */
export interface ParticleReport {
  readonly particle: string;
  readonly outcome: ParticleOutcome;
  readonly transitions: readonly TransitionName[];
  readonly state: State | undefined;
  readonly ms: number;
  /** Why it failed: `READ_FAILED` or `DUPLICATE_RESOURCE` when its state could not be read. */
  readonly error?: PcfError;
  /**
   * For a `not-started` particle, the ids of the failed particles it depends on, directly or
   * through other particles that did not start. Absent when the run stopped scheduling (Ctrl-C,
   * abort, timeout).
   */
  readonly blockedBy?: readonly string[];
}

/** The result of `applyField`: one report per particle, in the field's order. */
export interface ApplyResult {
  readonly ok: boolean;
  readonly particles: readonly ParticleReport[];
  /** When rollback ran after a failure, its own result. */
  readonly rollback?: ApplyResult;
  readonly ms: number;
}

/**
 * An apply that did not converge; `result` says per particle what was done. The message does
 * too: each failure with its message, each particle not started with the failure that held it,
 * then the particles that converged, were unchanged or skipped.
 */
export class ApplyError extends PcfError {
  constructor(
    code: PcfErrorCode,
    readonly result: ApplyResult,
  ) {
    const failed = result.particles.filter((report) => report.outcome === "failed");
    const only = failed.length === 1 ? failed[0] : undefined;
    super(
      code,
      describeFailure(code, result),
      { particle: only?.particle },
      { cause: only?.error },
    );
  }
}

/** Outcomes that count as done, in the order the message lists them. */
const DONE_OUTCOMES: readonly ParticleOutcome[] = ["converged", "unchanged", "skipped"];

function describeFailure(code: PcfErrorCode, result: ApplyResult): string {
  const { particles } = result;
  const failed = particles.filter((report) => report.outcome === "failed");
  const only = particles.length === 1 ? particles[0] : undefined;
  if (code === "APPLY_FAILED" && only?.outcome === "failed") return only.error?.message ?? "failed";
  const finished = particles.filter((report) => DONE_OUTCOMES.includes(report.outcome)).length;
  const headline =
    code === "APPLY_FAILED"
      ? `${failed.length} of ${particles.length} particles failed`
      : `${code === "ABORTED" ? "aborted" : "timed out"}; ${finished} of ${particles.length} particles finished`;
  const failures = failed.map(
    (report) => `${report.particle} failed: ${report.error?.message ?? "failed"}`,
  );
  const blocked = particles.flatMap((report) =>
    report.outcome === "not-started" && report.blockedBy !== undefined
      ? [`${report.particle} not started: ${report.blockedBy.join(", ")} failed`]
      : [],
  );
  const stopped = particles
    .filter((report) => report.outcome === "not-started" && report.blockedBy === undefined)
    .map((report) => report.particle);
  const done = DONE_OUTCOMES.flatMap((outcome) => {
    const names = particles
      .filter((report) => report.outcome === outcome)
      .map((report) => report.particle);
    return names.length === 0 ? [] : [`${outcome}: ${listNames(names)}`];
  });
  return [
    headline,
    ...failures,
    ...blocked,
    ...(stopped.length === 0 ? [] : [`not started: ${listNames(stopped)}`]),
    ...done,
  ].join("; ");
}
