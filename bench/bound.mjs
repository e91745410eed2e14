// The critical-path bound of a workload: the fewest request round trips that must happen one
// after another for each phase, whatever the engine, assuming unlimited concurrency. Multiplied
// by the added latency it gives the time no engine can beat on that setup. See
// docs/performance.md ("The bound") for the model.

/**
 * @typedef {object} FlavorRounds
 * @property {number} read rounds to learn the live state of every particle of this flavor
 * @property {number} start rounds from "absent" to a confirmed "running", state already read
 * @property {number} terminate rounds from "running" to a confirmed "terminated"
 */

/** @type {Record<string, FlavorRounds>} */
export const FLAVOR_ROUNDS = {
  // RunInstances answers "pending": one DescribeInstances must confirm "running". Terminate
  // answers "shutting-down": one more DescribeInstances confirms "terminated".
  ec2_instance: { read: 1, start: 2, terminate: 2 },
  // The create or delete call's own answer is the confirmation.
  s3_bucket: { read: 1, start: 1, terminate: 1 },
  sqs_queue: { read: 1, start: 1, terminate: 1 },
  cloudwatch_logs: { read: 1, start: 1, terminate: 1 },
  // No network.
  local_file: { read: 0, start: 0, terminate: 0 },
  local_process: { read: 0, start: 0, terminate: 0 },
};

/** What an unknown flavor is assumed to need: one call each way. */
const UNKNOWN_ROUNDS = { read: 1, start: 1, terminate: 1 };

/**
 * @typedef {object} WorkloadShape
 * @property {number} particles number of particles after multipliers
 * @property {number} depth particles on the longest dependency path
 * @property {Record<string, number>} flavors particle count per flavor
 * @property {string[]} unknownFlavors flavors the round model does not know
 * @property {{ create: number, noop: number, plan: number, terminate: number }} rounds bound in
 *   round trips per phase
 */

/**
 * Expands a PCF definition (one entry or a list; quasiparticles, multipliers, `parents`,
 * `children` and `$inherit$` references) into its dependency graph and computes the bound.
 * @param {unknown} definition parsed JSON of a PCF-format file
 * @returns {WorkloadShape}
 */
export function shapeOf(definition) {
  /** @type {Map<string, { flavor: string, parents: Set<string> }>} */
  const nodes = new Map();
  for (const entry of Array.isArray(definition) ? definition : [definition]) addEntry(entry, nodes);

  for (const [id, node] of nodes) {
    for (const parent of node.parents) if (!nodes.has(parent)) node.parents.delete(parent);
    node.parents.delete(id);
  }

  /** @type {Record<string, number>} */
  const flavors = {};
  for (const { flavor } of nodes.values()) flavors[flavor] = (flavors[flavor] ?? 0) + 1;
  const unknownFlavors = Object.keys(flavors).filter((flavor) => !(flavor in FLAVOR_ROUNDS));
  /** @param {string} flavor */
  const roundsOf = (flavor) => FLAVOR_ROUNDS[flavor] ?? UNKNOWN_ROUNDS;

  const read = Math.max(0, ...[...nodes.values()].map((node) => roundsOf(node.flavor).read));
  const start = longestPath(nodes, (flavor) => roundsOf(flavor).start);
  const terminate = longestPath(nodes, (flavor) => roundsOf(flavor).terminate);
  return {
    particles: nodes.size,
    depth: longestPath(nodes, () => 1),
    flavors,
    unknownFlavors,
    rounds: { create: read + start, noop: read, plan: read, terminate: read + terminate },
  };
}

/**
 * @param {unknown} entry
 * @param {Map<string, { flavor: string, parents: Set<string> }>} nodes
 */
function addEntry(entry, nodes) {
  if (entry === null || typeof entry !== "object") return;
  const record = /** @type {Record<string, unknown>} */ (entry);
  const flavor = String(record.flavor ?? "");
  if (flavor === "quasiparticle" || Array.isArray(record.particles)) {
    for (const member of /** @type {unknown[]} */ (record.particles ?? [])) addEntry(member, nodes);
    return;
  }
  const name = String(record.pcf_name ?? "");
  const multiplier = typeof record.multiplier === "number" ? record.multiplier : 0;
  const names =
    multiplier >= 1 ? Array.from({ length: multiplier }, (_, i) => `${name}-${i}`) : [name];
  const parents = [...stringsOf(record.parents), ...inheritedFrom(record)];
  for (const copy of names) {
    const id = `${flavor}:${copy}`;
    const node = nodes.get(id) ?? { flavor, parents: new Set() };
    for (const parent of parents) node.parents.add(parent);
    nodes.set(id, node);
    for (const child of stringsOf(record.children)) {
      const childNode = nodes.get(child) ?? {
        flavor: child.split(":")[0] ?? "",
        parents: new Set(),
      };
      childNode.parents.add(id);
      nodes.set(child, childNode);
    }
  }
}

/** @param {unknown} value @returns {string[]} */
function stringsOf(value) {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

/**
 * Every `$inherit$flavor:name$path` reference anywhere in a definition names a parent.
 * @param {unknown} value
 * @returns {string[]}
 */
function inheritedFrom(value) {
  if (typeof value === "string") {
    return [...value.matchAll(/\$inherit\$([^$]+)\$/g)].map((match) => String(match[1]));
  }
  if (Array.isArray(value)) return value.flatMap(inheritedFrom);
  if (value !== null && typeof value === "object")
    return Object.values(value).flatMap(inheritedFrom);
  return [];
}

/**
 * Heaviest path through the graph, each particle weighing `weight(flavor)`. The graph is
 * acyclic in a valid workload; a cycle is cut where it is found.
 * @param {Map<string, { flavor: string, parents: Set<string> }>} nodes
 * @param {(flavor: string) => number} weight
 * @returns {number}
 */
function longestPath(nodes, weight) {
  /** @type {Map<string, number>} */
  const memo = new Map();
  const onStack = new Set();
  /** @param {string} id @returns {number} */
  const visit = (id) => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const node = nodes.get(id);
    if (node === undefined || onStack.has(id)) return 0;
    onStack.add(id);
    let deepest = 0;
    for (const parent of node.parents) deepest = Math.max(deepest, visit(parent));
    onStack.delete(id);
    const total = deepest + weight(node.flavor);
    memo.set(id, total);
    return total;
  };
  let longest = 0;
  for (const id of nodes.keys()) longest = Math.max(longest, visit(id));
  return longest;
}
