// Turns the samples of a benchmark into its report: one JSON object per workload (medians, the
// critical-path bound, the targets and PCF's figures) and a plain table.

export const ALL_PHASES = /** @type {const} */ ([
  "create",
  "noop",
  "plan",
  "inventory",
  "terminate",
]);

/** @typedef {typeof ALL_PHASES[number]} Phase */

/** @typedef {{ wall_s?: number, requests?: number, peak_mb?: number }} Target */

/**
 * @typedef {object} PhaseSample
 * @property {number} exitCode
 * @property {number} wallS
 * @property {number} requests
 * @property {number | null} peakMb
 * @property {number | null} cpuS user + system CPU seconds of the CLI (GNU time only)
 * @property {number} peakInFlight
 * @property {Record<string, number>} byOperation
 * @property {string} stderrTail
 */

/** Lines of stderr kept in the report of a failed phase. */
const STDERR_REPORT_LINES = 6;

/** The targets, which hold at 50 ms of added latency. */
const TARGETS_AT_50MS = /** @type {Record<string, Partial<Record<Phase, Target>>>} */ ({
  "flat.json": {
    create: { wall_s: 1.5 },
    noop: { wall_s: 0.5, requests: 10 },
    terminate: { wall_s: 1.5 },
  },
  "local-10000": { plan: { wall_s: 2, peak_mb: 300 } },
});
/** The target for `pcf --help`, in seconds. */
export const HELP_TARGET_S = 0.2;

/** PCF's own figures for flat.json (wall seconds and requests), from the issue. */
const PCF_FIGURES = /** @type {Record<string, Record<number, Partial<Record<Phase, Target>>>>} */ ({
  "flat.json": {
    50: {
      create: { wall_s: 57, requests: 250 },
      noop: { wall_s: 9.5, requests: 140 },
      terminate: { wall_s: 64, requests: 375 },
    },
    0: { create: { wall_s: 44 }, noop: { wall_s: 2.1 }, terminate: { wall_s: 44 } },
  },
});

/** `pcf plan` exits 2 when apply would change something; that is a success here. */
export function isPhaseOk(/** @type {Phase} */ phase, /** @type {number} */ exitCode) {
  return exitCode === 0 || (phase === "plan" && exitCode === 2);
}

/**
 * @typedef {object} SummaryOptions
 * @property {number} latencyMs
 * @property {number} runs
 * @property {Record<string, unknown>} machine
 * @property {string | undefined} skippedBecause set when the workload could not run at all
 */

/**
 * @typedef {object} WorkloadSummary the JSON line of one workload
 * @property {string} workload
 * @property {number} particles
 * @property {number} depth
 * @property {number} latency_ms
 * @property {number} runs
 * @property {Record<string, Record<string, unknown>>} phases
 * @property {Record<string, unknown>} machine
 */

/**
 * Reduces the samples of one workload to medians, with the bound, the targets and PCF's figures
 * beside them, and the first failure of each phase.
 * @param {{ name: string, shape: import("./bound.mjs").WorkloadShape, phases: Phase[] }} workload
 * @param {Map<Phase, PhaseSample[]>} samples
 * @param {SummaryOptions} options
 * @returns {WorkloadSummary}
 */
export function summarize(workload, samples, { latencyMs, runs, machine, skippedBecause }) {
  const targetKey = Object.keys(TARGETS_AT_50MS).find(
    (key) => workload.name === key || workload.name === key.replace(/\.json$/, ""),
  );
  const targets =
    latencyMs === 50 && targetKey !== undefined ? TARGETS_AT_50MS[targetKey] : undefined;
  const pcf = PCF_FIGURES[workload.name]?.[latencyMs];

  /** @type {Record<string, Record<string, unknown>>} */
  const phases = {};
  for (const phase of workload.phases) {
    const all = samples.get(phase) ?? [];
    const ok = all.filter((sample) => isPhaseOk(phase, sample.exitCode));
    const failed = all.filter((sample) => !isPhaseOk(phase, sample.exitCode));
    const rounds = workload.shape.rounds[phase] ?? 0;
    /** @type {Record<string, unknown>} */
    const entry = {
      wall_s: ok.length > 0 ? round(median(ok.map((s) => s.wallS)), 3) : null,
      cpu_s:
        ok.length > 0 && ok.every((s) => s.cpuS !== null)
          ? round(median(ok.map((s) => s.cpuS ?? 0)), 2)
          : null,
      requests: ok.length > 0 ? median(ok.map((s) => s.requests)) : null,
      peak_mb:
        ok.length > 0 && ok.every((s) => s.peakMb !== null)
          ? round(median(ok.map((s) => s.peakMb ?? 0)), 1)
          : null,
      bound_s: round((rounds * latencyMs) / 1000, 3),
      bound_rtt: rounds,
      runs_ok: ok.length,
      runs_failed: failed.length,
    };
    if (ok.length > 0) {
      entry.peak_in_flight = Math.max(...ok.map((s) => s.peakInFlight));
      const last = ok.at(-1);
      if (last !== undefined && last.requests > 0) entry.requests_by_op = last.byOperation;
    }
    const firstFailure = failed[0];
    if (firstFailure !== undefined) {
      entry.exit_code = firstFailure.exitCode;
      entry.stderr_tail = firstFailure.stderrTail
        .trim()
        .split("\n")
        .slice(-STDERR_REPORT_LINES)
        .join("\n");
      entry.error = headlineOf(firstFailure.stderrTail);
    }
    if (skippedBecause !== undefined) entry.skipped = skippedBecause;
    if (targets?.[phase] !== undefined) entry.target = targets[phase];
    if (pcf?.[phase] !== undefined) entry.pcf = pcf[phase];
    phases[phase] = entry;
  }
  return {
    workload: workload.name,
    particles: workload.shape.particles,
    depth: workload.shape.depth,
    latency_ms: latencyMs,
    runs,
    phases,
    machine,
  };
}

/**
 * The plain table of one workload: a title, a row per phase, a note per failed phase.
 * @param {WorkloadSummary} line
 * @returns {string}
 */
export function formatTable(line) {
  const header = [
    "phase",
    "wall s",
    "bound s",
    "requests",
    "peak MB",
    "cpu s",
    "ok/runs",
    "target",
    "PCF",
  ];
  /** @type {string[][]} */
  const rows = [];
  /** @type {string[]} */
  const notes = [];
  for (const [phase, entry] of Object.entries(line.phases)) {
    const target = /** @type {Target | undefined} */ (entry.target);
    const pcf = /** @type {Target | undefined} */ (entry.pcf);
    rows.push([
      phase,
      fmt(entry.wall_s, 3),
      `${fmt(entry.bound_s, 3)} (${String(entry.bound_rtt)} RTT)`,
      fmt(entry.requests, 0),
      fmt(entry.peak_mb, 1),
      fmt(entry.cpu_s, 2),
      `${String(entry.runs_ok)}/${line.runs}`,
      target === undefined ? "" : targetText(target, entry),
      pcf === undefined
        ? ""
        : [
            pcf.wall_s === undefined ? "" : `${pcf.wall_s} s`,
            pcf.requests === undefined ? "" : `${pcf.requests} req`,
          ]
            .filter(Boolean)
            .join(", "),
    ]);
    if (typeof entry.skipped === "string") notes.push(`${phase}: skipped, ${entry.skipped}`);
    else if (entry.exit_code !== undefined) {
      notes.push(`${phase}: exit ${String(entry.exit_code)}: ${String(entry.error ?? "")}`);
    }
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const format = (/** @type {string[]} */ row) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  const title = `${line.workload}: ${line.particles} particles, depth ${line.depth}, +${line.latency_ms} ms per request, median of ${line.runs}`;
  return ["", title, format(header), ...rows.map(format), ...notes.map((note) => `  ${note}`)].join(
    "\n",
  );
}

/** @param {Target} target @param {Record<string, unknown>} entry */
function targetText(target, entry) {
  const parts = [];
  let isMet = true;
  for (const [key, unit] of /** @type {const} */ ([
    ["wall_s", "s"],
    ["requests", "req"],
    ["peak_mb", "MB"],
  ])) {
    const limit = target[key];
    if (limit === undefined) continue;
    parts.push(`≤ ${limit} ${unit}`);
    const value = entry[key];
    if (typeof value !== "number" || value > limit) isMet = false;
  }
  return `${parts.join(", ")} ${isMet ? "met" : "MISSED"}`;
}

/** @param {number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** @param {number} value @param {number} digits */
export function round(value, digits) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** @param {unknown} value @param {number} digits */
function fmt(value, digits) {
  return typeof value === "number" ? value.toFixed(digits) : "–";
}

/**
 * The line of a CLI's stderr that says what went wrong: the first `error:` line, else the last.
 * @param {string} text
 */
export function headlineOf(text) {
  const lines = text.trim().split("\n");
  const at = lines.findIndex((line) => /^error\b/i.test(line));
  if (at < 0) return (lines.at(-1) ?? "").slice(0, 240);
  const detail = lines[at + 1]?.startsWith(" ") ? `; ${lines[at + 1]?.trim()}` : "";
  return `${lines[at]}${detail}`.slice(0, 240);
}
