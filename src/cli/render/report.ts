import type { ApplyResult, ParticleOutcome, ParticleReport } from "../../index.js";
import type { Colors } from "../output.js";
import { formatDuration, formatTable, outcomeLabel } from "./format.js";

const ORDER: readonly ParticleOutcome[] = [
  "converged",
  "unchanged",
  "skipped",
  "failed",
  "not-started",
];

/**
 * `3 converged, 1 unchanged in 1.2s`, with `, 4 calls retried` before the time when cloud calls
 * were sent again (`call.retry` events: lost answers, throttling, the retry budget). @internal
 */
export function summaryLine(
  result: ApplyResult,
  options: { readonly retries?: number } = {},
): string {
  const counts = ORDER.map(
    (outcome) =>
      [outcome, result.particles.filter((report) => report.outcome === outcome).length] as const,
  ).filter(([, count]) => count > 0);
  const text =
    counts.length === 0
      ? "nothing to do"
      : counts.map(([outcome, count]) => `${count} ${outcomeLabel(outcome)}`).join(", ");
  const retries = options.retries ?? 0;
  const retried = retries === 0 ? "" : `, ${retries} call${retries === 1 ? "" : "s"} retried`;
  return `${text}${retried} in ${formatDuration(result.ms)}`;
}

/**
 * One line per particle: outcome, transitions run, time, and why it failed (its error's message)
 * or did not start (`vpc_instance:net failed`). @internal
 */
export function particleLines(result: ApplyResult, colors: Colors): string[] {
  const rows = result.particles.map((report) => [
    `  ${report.particle}`,
    outcomeLabel(report.outcome),
    report.transitions.length === 0 ? "" : report.transitions.join(", "),
    report.ms > 0 ? formatDuration(report.ms) : "",
    reasonOf(report),
  ]);
  return formatTable(rows).map((line, index) =>
    colorFor(result.particles[index]?.outcome, colors)(line),
  );
}

/** A report as JSON: the error as `{ code, message, where }`. @internal */
export function reportJson(report: ParticleReport): Record<string, unknown> {
  const { error, ...rest } = report;
  return error === undefined
    ? rest
    : { ...rest, error: { code: error.code, message: error.message, where: error.where } };
}

/** Why a particle failed or did not start; `""` otherwise. */
function reasonOf(report: ParticleReport): string {
  if (report.error !== undefined) return `${report.error.code}: ${report.error.message}`;
  if (report.blockedBy !== undefined) return `${report.blockedBy.join(", ")} failed`;
  return "";
}

function colorFor(outcome: ParticleOutcome | undefined, colors: Colors): (text: string) => string {
  if (outcome === "failed") return colors.red;
  if (outcome === "not-started") return colors.yellow;
  if (outcome === "converged") return colors.green;
  return colors.dim;
}
