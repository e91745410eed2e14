import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ApplyResult, ParticleReport } from "../index.js";
import pc from "picocolors";
import { particleLines, summaryLine } from "./render/report.js";

/** Where run reports go unless `--report-dir` says otherwise. */
export const DEFAULT_REPORT_DIR = ".pcf/reports";

/** What a run report records beside the result. */
export interface RunReportContext {
  readonly verb: string;
  readonly files: readonly string[];
  readonly startedAt: Date;
  /** Retries per particle id (`call.retry` events). */
  readonly retries: ReadonlyMap<string, number>;
  /** The transitions started per particle id (`transition.start` events), failed ones included. */
  readonly attempted: ReadonlyMap<string, readonly string[]>;
  readonly isInterrupted: boolean;
}

/** The error codes along an error's cause chain: the framework's, then the cloud's (`NoSuchBucket`). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    else if (current.name !== "Error") codes.push(current.name);
    current = current.cause;
  }
  return [...new Set(codes)];
}

function particleEntry(report: ParticleReport, context: RunReportContext): object {
  return {
    particle: report.particle,
    outcome: report.outcome,
    // Every transition started, in order; `transitions` are the ones that completed.
    attempted: context.attempted.get(report.particle) ?? [],
    transitions: report.transitions,
    state: report.state,
    ms: report.ms,
    retries: context.retries.get(report.particle) ?? 0,
    ...(report.error === undefined
      ? {}
      : {
          error: {
            code: report.error.code,
            message: report.error.message,
            codes: errorCodes(report.error),
          },
        }),
    ...(report.blockedBy === undefined ? {} : { blockedBy: report.blockedBy }),
  };
}

/**
 * Writes the report of a mutating run to `dir`: `<time>-<verb>.json` (per particle the
 * transitions attempted and those completed, the outcome, the error codes, the duration, the
 * retries and the final state) and `<time>-<verb>.txt`, the summary a person reads.
 * @returns the JSON report's path.
 * @internal
 */
export async function writeRunReport(
  result: ApplyResult,
  context: RunReportContext,
  dir: string,
): Promise<string> {
  const folder = resolve(dir);
  await mkdir(folder, { recursive: true });
  const stamp = context.startedAt.toISOString().replace(/[:.]/g, "-");
  const base = join(folder, `${stamp}-${context.verb}`);
  const retries = [...context.retries.values()].reduce((sum, count) => sum + count, 0);
  const report = {
    v: 1,
    verb: context.verb,
    files: context.files,
    startedAt: context.startedAt.toISOString(),
    ms: result.ms,
    ok: result.ok,
    interrupted: context.isInterrupted,
    retries,
    particles: result.particles.map((entry) => particleEntry(entry, context)),
  };
  await writeFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const summary = [
    summaryLine(result, { retries }),
    ...particleLines(result, pc.createColors(false)),
  ];
  await writeFile(`${base}.txt`, `${summary.join("\n")}\n`);
  return `${base}.json`;
}
