import type { FieldPlan, ParticlePlan } from "../../index.js";
import type { Colors } from "../output.js";
import { formatValue, plural } from "./format.js";

/**
 * A plan as text: per particle a symbol (`+` start, `~` update, `-` stop or terminate, `±`
 * replace, `!` refused or not read), its id, the transitions and `(state → desired)`, then one
 * line per differing field (`path: current → desired`, marked `forces replacement` for a field
 * fixed at creation) and the refusal or the read error; a summary line closes it. Unchanged
 * particles are left out (the summary counts them) unless a note says their plan is not final.
 * @internal
 */
export function formatPlan(plan: FieldPlan, colors: Colors): string[] {
  const lines: string[] = [];
  for (const entry of plan.particles) {
    if (entry.error !== undefined) {
      lines.push(colors.red(`! ${entry.particle}  could not be read: ${entry.error.message}`));
      continue;
    }
    const kind = kindOf(entry);
    if (kind === "unchanged" && entry.note === undefined) continue;
    const symbol = SYMBOLS[kind];
    const color = COLORS[kind](colors);
    const what =
      entry.refusal !== undefined
        ? `refused (${entry.state ?? "unknown"})`
        : entry.transitions.length === 0
          ? `no changes (${entry.state ?? "unknown"})`
          : `${entry.transitions.join(", ")} (${entry.state ?? "unknown"} → ${entry.desiredState})`;
    lines.push(color(`${symbol} ${entry.particle}  ${what}`));
    const forcing = new Set(entry.replacedBy ?? []);
    for (const difference of entry.differences)
      lines.push(
        `    ${difference.path}: ${formatValue(difference.current)} → ${formatValue(difference.desired)}` +
          (forcing.has(difference.path) ? "  (forces replacement)" : ""),
      );
    if (entry.refusal !== undefined) lines.push(colors.red(`    ${entry.refusal.message}`));
    if (entry.note !== undefined) lines.push(colors.dim(`    note: ${entry.note}`));
  }
  lines.push("", planSummary(plan));
  return lines;
}

/** A plan as JSON: each read error as `{ code, message, where }`. @internal */
export function planJson(plan: FieldPlan): Record<string, unknown> {
  return {
    ...plan,
    particles: plan.particles.map(({ error, ...entry }) =>
      error === undefined
        ? entry
        : { ...entry, error: { code: error.code, message: error.message, where: error.where } },
    ),
  };
}

/**
 * `Plan: 1 to start, 2 to terminate, 3 unchanged.` or `No changes: …`, then how many particles
 * could not be read. @internal
 */
export function planSummary(plan: FieldPlan): string {
  const unread = plan.particles.filter((entry) => entry.error !== undefined).length;
  const summary = changesSummary(plan);
  return unread === 0 ? summary : `${summary} ${plural(unread, "particle")} could not be read.`;
}

function changesSummary(plan: FieldPlan): string {
  const counts = new Map<string, number>();
  for (const entry of plan.particles) {
    if (entry.error !== undefined) continue;
    const label = LABELS[primaryTransition(entry)];
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  if (!plan.hasChanges && !plan.hasRefusals)
    return `No changes: ${plural(
      [...counts.values()].reduce((sum, count) => sum + count, 0),
      "particle",
    )} as desired.`;
  const parts = Object.values(LABELS)
    .filter((label) => counts.has(label))
    .map((label) => `${counts.get(label) ?? 0} ${label}`);
  return `Plan: ${parts.join(", ")}.`;
}

type Kind = "start" | "update" | "replace" | "remove" | "refused" | "unchanged";

const SYMBOLS: Record<Kind, string> = {
  start: "+",
  update: "~",
  replace: "±",
  remove: "-",
  refused: "!",
  unchanged: " ",
};

const COLORS: Record<Kind, (colors: Colors) => (text: string) => string> = {
  start: (colors) => colors.green,
  update: (colors) => colors.yellow,
  replace: (colors) => colors.yellow,
  remove: (colors) => colors.red,
  refused: (colors) => colors.red,
  unchanged: (colors) => colors.dim,
};

const LABELS = {
  refused: "refused",
  replace: "to replace",
  start: "to start",
  update: "to update",
  stop: "to stop",
  terminate: "to terminate",
  other: "to change",
  none: "unchanged",
} as const;

function primaryTransition(entry: ParticlePlan): keyof typeof LABELS {
  const { transitions } = entry;
  if (entry.refusal !== undefined) return "refused";
  if (entry.replacedBy !== undefined) return "replace";
  if (transitions.length === 0) return "none";
  for (const name of ["terminate", "stop", "start", "update"] as const)
    if (transitions.includes(name)) return name;
  return "other";
}

function kindOf(entry: ParticlePlan): Kind {
  const primary = primaryTransition(entry);
  if (primary === "none") return "unchanged";
  if (primary === "refused" || primary === "replace") return primary;
  if (primary === "terminate" || primary === "stop") return "remove";
  if (primary === "start") return "start";
  return "update";
}
