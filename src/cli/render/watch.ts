import type { ReconcileEvent, ReconcileFailure } from "../../index.js";
import type { Colors, Output } from "../output.js";
import { formatDuration, outcomeLabel, plural } from "./format.js";

/**
 * How `pcf watch` shows the events of its fields: with `--json`, every event as one JSON line on
 * stdout (`{"v":1,"type":…,"seq":…,"atMs":…,"field":…,"watcher":…,…}`); otherwise one line per
 * event worth reading on stderr, time and field first: rounds that changed or failed, rounds
 * with no drift, lease changes, and a skip only when the holder differs from the last one seen
 * (a field held elsewhere would otherwise print a line every round). With `--quiet`, failures only.
 * @internal
 */
export function watchEventPrinter(output: Output): (event: ReconcileEvent) => void {
  if (output.isJson) return (event) => output.json({ ...event });
  const lastHolder = new Map<string | undefined, string>();
  const colors = output.errColors;
  return (event) => {
    const lines = linesOf(event, colors, lastHolder);
    const isFailure = event.type === "round.end" && event.errors.length > 0;
    if (lines.length === 0 || (output.isQuiet && !isFailure)) return;
    const prefix = `${new Date(event.atMs).toISOString()} ${event.field ?? "(unnamed)"}`;
    output.stderr.write(`${lines.map((line) => `${prefix} ${line}`).join("\n")}\n`);
  };
}

function linesOf(
  event: ReconcileEvent,
  c: Colors,
  lastHolder: Map<string | undefined, string>,
): string[] {
  switch (event.type) {
    case "lease.acquired":
      lastHolder.delete(event.field);
      return [c.green(`took the lease (token ${event.token}, ${event.location})`)];
    case "lease.lost":
      return [c.yellow(`lost the lease: ${event.message}`)];
    case "lease.released":
      return event.error === undefined
        ? [`released the lease (token ${event.token})`]
        : [c.yellow(`could not release the lease (it expires by itself): ${event.error.message}`)];
    case "round.start":
      return [];
    case "round.end":
      return roundLines(event, c);
    case "round.skipped": {
      if (event.reason === "lease-failed")
        return [c.yellow(`round ${event.round} skipped: the lease: ${event.error.message}`)];
      if (lastHolder.get(event.field) === event.holder) return [];
      lastHolder.set(event.field, event.holder);
      return [c.dim(`held by ${event.holder} (token ${event.token}): its watcher reconciles it`)];
    }
  }
}

function roundLines(event: Extract<ReconcileEvent, { type: "round.end" }>, c: Colors): string[] {
  const took = formatDuration(event.ms);
  if (event.changed.length === 0 && event.errors.length === 0)
    return [
      c.dim(`round ${event.round}: no drift (${plural(event.particles, "particle")}, ${took})`),
    ];
  const counts = new Map<string, number>();
  for (const change of event.changed)
    counts.set(change.outcome, (counts.get(change.outcome) ?? 0) + 1);
  const summary = [...counts].map(([outcome, count]) => `${count} ${outcomeLabel(outcome)}`);
  const head = `round ${event.round}: ${summary.join(", ") || "failed"} in ${took}`;
  return [
    event.errors.length > 0 ? c.red(head) : c.green(head),
    ...event.changed
      .filter((change) => change.transitions.length > 0)
      .map((change) => `  ${change.particle}  ${change.transitions.join(", ")}`),
    ...event.errors.map((failure) => c.red(`  ${failureLine(failure)}`)),
  ];
}

function failureLine(failure: ReconcileFailure): string {
  const where = failure.particle === undefined ? "" : `${failure.particle}: `;
  const code = failure.code === undefined ? "" : `${failure.code}: `;
  return `${where}${code}${failure.message}`;
}
