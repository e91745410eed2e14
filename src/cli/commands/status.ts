import { createRunContext, syncField, deadlineSignal } from "../../index.js";
import { loadSelection } from "../load.js";
import { secondsToMs, providerOptionsOf, type ProviderCommandOptions } from "../options.js";
import { createOutput } from "../output.js";
import { formatTable } from "../render/format.js";

/**
 * `pcf status [NAME]`: reads the live state of each selected particle (one batched read per
 * flavor) and prints it beside the desired state.
 * @internal
 */
export async function statusCommand(
  name: string | undefined,
  options: ProviderCommandOptions,
): Promise<number> {
  const output = createOutput(options);
  const { particles } = await loadSelection(name, options);
  const deadline = deadlineSignal(undefined, secondsToMs(options.timeout));
  await syncField(
    particles,
    createRunContext({ signal: deadline.signal, providerOptions: providerOptionsOf(options) }),
  ).finally(() => deadline.dispose());
  const rows = particles.map((particle) => {
    const state = particle.state ?? "terminated";
    return {
      particle: particle.id,
      flavor: particle.flavor,
      name: particle.name,
      state,
      desiredState: particle.desiredState,
      isDesired: particle.isStateEquivalent(state, particle.desiredState),
    };
  });
  if (output.isJson) {
    output.json({ type: "status", particles: rows });
    return 0;
  }
  if (output.isQuiet) return 0;
  const c = output.outColors;
  const lines = formatTable([
    ["PARTICLE", "STATE", "DESIRED", ""],
    ...rows.map((row) => [
      row.particle,
      row.state,
      row.desiredState,
      row.isDesired ? "" : "differs",
    ]),
  ]);
  lines.forEach((line, index) => {
    const row = rows[index - 1];
    output.data(index === 0 ? c.bold(line) : row?.isDesired === false ? c.yellow(line) : line);
  });
  return 0;
}
