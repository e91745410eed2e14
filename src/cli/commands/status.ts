import {
  Quasiparticle,
  adoptCommand,
  aggregateState,
  createRunContext,
  deadlineSignal,
  syncField,
  type DesiredState,
  type Particle,
  type State,
} from "../../index.js";
import { loadSelection } from "../load.js";
import { commandTimeoutMs, providerOptionsOf, type ProviderCommandOptions } from "../options.js";
import { createOutput, type Output } from "../output.js";
import { formatTable } from "../render/format.js";

/**
 * `pcf status [NAME]`: reads the live state of each selected particle (one batched read per
 * flavor) and prints it beside the desired state; then each quasiparticle with selected members,
 * with its members' aggregated state.
 * @internal
 */
export async function statusCommand(
  name: string | undefined,
  options: ProviderCommandOptions,
): Promise<number> {
  const output = createOutput(options);
  const { loaded, particles } = await loadSelection(name, options);
  const deadline = deadlineSignal(undefined, commandTimeoutMs(options));
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
      isForeign: particle.isForeign,
    };
  });
  const groups = quasiparticleRows(loaded.entries, particles);
  if (output.isJson) {
    output.json({ type: "status", particles: rows, quasiparticles: groups });
    return 0;
  }
  if (output.isQuiet) return 0;
  printStatusTable(
    output,
    ["PARTICLE", "STATE", "DESIRED"],
    rows.map((row) => ({
      cells: [
        row.particle,
        row.isForeign ? `${row.state} (not ours)` : row.state,
        row.desiredState,
      ],
      isDesired: row.isDesired,
    })),
  );
  const foreign = particles.filter((particle) => particle.isForeign);
  if (foreign.length > 0) {
    output.data("");
    for (const particle of foreign)
      output.data(
        `${particle.id} exists but was not created by particle-cloud; adopt it with: ${adoptCommand(particle)}`,
      );
  }
  if (groups.length === 0) return 0;
  output.data("");
  printStatusTable(
    output,
    ["QUASIPARTICLE", "STATE", "DESIRED", "MEMBERS"],
    groups.map((group) => ({
      cells: [group.quasiparticle, group.state, group.desiredState, String(group.members.length)],
      isDesired: group.isDesired,
    })),
  );
  return 0;
}

/** A table with a bold header; rows not in their desired state end in `differs`, in yellow. */
function printStatusTable(
  output: Output,
  header: readonly string[],
  rows: readonly { readonly cells: readonly string[]; readonly isDesired: boolean }[],
): void {
  const c = output.outColors;
  formatTable([
    [...header, ""],
    ...rows.map((row) => [...row.cells, row.isDesired ? "" : "differs"]),
  ]).forEach((line, index) => {
    const row = rows[index - 1];
    output.data(index === 0 ? c.bold(line) : row?.isDesired === false ? c.yellow(line) : line);
  });
}

/** A quasiparticle's line in `pcf status`. */
interface QuasiparticleStatus {
  readonly quasiparticle: string;
  readonly flavor: string;
  readonly name: string;
  /** The selected members' aggregated state: `pending` when they differ. */
  readonly state: State;
  /** The members' desired state, or `mixed` when they want different ones. */
  readonly desiredState: DesiredState | "mixed";
  /** True when every selected member is in its desired state. */
  readonly isDesired: boolean;
  readonly members: readonly string[];
}

/** One row per quasiparticle with members among `selected`. */
function quasiparticleRows(
  entries: readonly unknown[],
  selected: readonly Particle[],
): QuasiparticleStatus[] {
  const isSelected = new Set(selected);
  return entries
    .filter((entry): entry is Quasiparticle => entry instanceof Quasiparticle)
    .flatMap((group) => {
      const members = group.particles.filter((member) => isSelected.has(member));
      if (members.length === 0) return [];
      const desired = new Set(members.map((member) => member.desiredState));
      const [only] = desired;
      return [
        {
          quasiparticle: group.id,
          flavor: group.flavor,
          name: group.name,
          state: aggregateState(members) ?? "terminated",
          desiredState: desired.size === 1 && only !== undefined ? only : "mixed",
          isDesired: members.every((member) =>
            member.isStateEquivalent(member.state ?? "terminated", member.desiredState),
          ),
          members: members.map((member) => member.id),
        },
      ];
    });
}
