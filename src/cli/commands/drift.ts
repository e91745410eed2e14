import { Field, deadlineSignal, driftField, type FieldDrift } from "../../index.js";
import { loadSelection } from "../load.js";
import { commandTimeoutMs, providerOptionsOf, type DriftCommandOptions } from "../options.js";
import { createOutput, type Colors } from "../output.js";
import { formatValue, plural } from "../render/format.js";

/** Exit status of `pcf drift --detailed-exitcode` when something drifted. */
const DRIFT_FOUND = 2;

/**
 * `pcf drift [NAME]`: compares each particle's live state and definition with the desired ones,
 * changing nothing, and prints what differs.
 * @returns 1 when a particle could not be read; with `--detailed-exitcode`, 2 when something
 * drifted; else 0.
 * @internal
 */
export async function driftCommand(
  name: string | undefined,
  options: DriftCommandOptions,
): Promise<number> {
  const output = createOutput(options);
  const { particles } = await loadSelection(name, options);
  const deadline = deadlineSignal(undefined, commandTimeoutMs(options));
  const drift = await driftField(new Field(particles), {
    providerOptions: providerOptionsOf(options),
    signal: deadline.signal,
  }).finally(() => deadline.dispose());
  if (output.isJson) output.json({ type: "drift", ...driftJson(drift) });
  else if (!output.isQuiet)
    for (const line of formatDrift(drift, output.outColors)) output.data(line);
  if (drift.hasErrors) return 1;
  return drift.hasDrift && options.detailedExitcode === true ? DRIFT_FOUND : 0;
}

/** Per drifted particle its state (`terminated, desired running`) and its differing fields. */
function formatDrift(drift: FieldDrift, colors: Colors): string[] {
  const lines: string[] = [];
  let drifted = 0;
  for (const entry of drift.particles) {
    if (entry.error !== undefined) {
      lines.push(colors.red(`! ${entry.particle}  could not be read: ${entry.error.message}`));
      continue;
    }
    if (!entry.isStateDrifted && entry.fields.length === 0) continue;
    drifted += 1;
    const state = entry.isStateDrifted
      ? `${entry.state ?? "unknown"}, desired ${entry.desiredState}`
      : (entry.state ?? "unknown");
    lines.push(colors.yellow(`~ ${entry.particle}  ${state}`));
    for (const field of entry.fields)
      lines.push(
        `    ${field.path}: ${formatValue(field.current)} (desired ${formatValue(field.desired)})`,
      );
  }
  const total = drift.particles.length;
  lines.push(
    drifted === 0
      ? `No drift: ${plural(total, "particle")} as desired.`
      : `Drift: ${plural(drifted, "particle")} of ${total} differ from their definitions.`,
  );
  return lines;
}

function driftJson(drift: FieldDrift): Record<string, unknown> {
  return {
    hasDrift: drift.hasDrift,
    particles: drift.particles.map((entry) => ({
      particle: entry.particle,
      state: entry.state,
      desiredState: entry.desiredState,
      isStateDrifted: entry.isStateDrifted,
      fields: entry.fields,
      ...(entry.error === undefined ? {} : { error: entry.error.message }),
    })),
  };
}
