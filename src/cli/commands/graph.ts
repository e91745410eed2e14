import type { Particle } from "../../index.js";
import { loadSelection } from "../load.js";
import type { GraphCommandOptions } from "../options.js";
import { createOutput } from "../output.js";
import { isQuasiparticle } from "../select.js";

/**
 * `pcf graph [NAME]`: the selected particles and their parent → child edges, as a text tree
 * (roots first, a particle with several parents shown in full once), as Graphviz DOT with one
 * cluster per quasiparticle, or as JSON nodes and edges.
 * @internal
 */
export async function graphCommand(
  name: string | undefined,
  options: GraphCommandOptions,
): Promise<number> {
  const output = createOutput(options);
  const { loaded, particles } = await loadSelection(name, options);
  const selected = new Set(particles);
  const edges = particles.flatMap((parent) =>
    [...parent.children]
      .filter((child) => selected.has(child))
      .map((child) => [parent, child] as const),
  );
  if (output.isJson) {
    output.json({
      type: "graph",
      nodes: particles.map((particle) => ({
        id: particle.id,
        flavor: particle.flavor,
        name: particle.name,
        desiredState: particle.desiredState,
      })),
      edges: edges.map(([parent, child]) => ({ from: parent.id, to: child.id })),
    });
    return 0;
  }
  const groups = loaded.entries
    .filter(isQuasiparticle)
    .map((entry) => ({
      id: entry.id,
      members: entry.particles.filter((member) => selected.has(member)),
    }))
    .filter((group) => group.members.length > 0);
  const lines =
    options.dot === true ? toDot(particles, edges, groups) : toTree(particles, selected);
  for (const line of lines) output.data(line);
  return 0;
}

function toTree(particles: readonly Particle[], selected: ReadonlySet<Particle>): string[] {
  const lines: string[] = [];
  const shown = new Set<Particle>();
  const childrenOf = (particle: Particle): Particle[] =>
    particles.filter((other) => particle.children.has(other) && selected.has(other));
  const visit = (
    particle: Particle,
    prefix: string,
    connector: string,
    childPrefix: string,
  ): void => {
    const label = `${particle.id}${particle.desiredState === "running" ? "" : ` [${particle.desiredState}]`}`;
    if (shown.has(particle)) {
      lines.push(`${prefix}${connector}${label} (see above)`);
      return;
    }
    shown.add(particle);
    lines.push(`${prefix}${connector}${label}`);
    const children = childrenOf(particle);
    children.forEach((child, index) => {
      const isLast = index === children.length - 1;
      visit(child, prefix + childPrefix, isLast ? "└── " : "├── ", isLast ? "    " : "│   ");
    });
  };
  const roots = particles.filter(
    (particle) => ![...particle.parents].some((parent) => selected.has(parent)),
  );
  for (const root of roots) visit(root, "", "", "");
  return lines;
}

function toDot(
  particles: readonly Particle[],
  edges: readonly (readonly [Particle, Particle])[],
  groups: readonly { id: string; members: readonly Particle[] }[],
): string[] {
  const grouped = new Set(groups.flatMap((group) => group.members));
  const node = (particle: Particle): string =>
    `${quote(particle.id)}${particle.desiredState === "running" ? "" : ` [style=dashed]`};`;
  return [
    "digraph pcf {",
    "  rankdir=TB;",
    '  node [shape=box, fontname="Helvetica"];',
    ...groups.flatMap((group, index) => [
      `  subgraph cluster_${index} {`,
      `    label=${quote(group.id)};`,
      ...group.members.map((member) => `    ${node(member)}`),
      "  }",
    ]),
    ...particles
      .filter((particle) => !grouped.has(particle))
      .map((particle) => `  ${node(particle)}`),
    ...edges.map(([parent, child]) => `  ${quote(parent.id)} -> ${quote(child.id)};`),
    "}",
  ];
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
