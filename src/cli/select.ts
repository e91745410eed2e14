import {
  PcfError,
  closestNames,
  type DesiredState,
  type LoadedField,
  type Particle,
  type Quasiparticle,
} from "../index.js";
import picomatch from "picomatch";

/** Which particles of a loaded field a command acts on. @internal */
export interface Selection {
  /** A top-level entry's `pcf_name` (or `flavor:pcf_name`). */
  readonly name?: string | undefined;
  /** Add the selected particles' dependencies (going up) or dependents (going down). */
  readonly cascade?: boolean | undefined;
  /** Keep only particles matching one of these patterns. */
  readonly targets?: readonly string[] | undefined;
  /** Add every particle that depends on a selected one. */
  readonly withDependents?: boolean | undefined;
  /** Leave out particles matching one of these patterns. */
  readonly excludes?: readonly string[] | undefined;
  /** The state the command asks for; `undefined` means each particle's own (for `-c`'s direction). */
  readonly desiredState?: DesiredState | undefined;
}

/**
 * The particles a command acts on, in field order: NAME's entry (a top-level particle or
 * quasiparticle, else a quasiparticle's member; without NAME, every particle), narrowed by
 * `--target`, grown by `--with-dependents` and `-c`, less `--exclude`. A pattern is a glob on
 * pcf_name or id (`web-*`, `local_file:*`), or `key=value` on the particle's tags.
 * @throws PcfError `NOT_FOUND` with similar names when NAME or a pattern matches nothing.
 * @internal
 */
export function selectParticles(
  loaded: LoadedField & { readonly files?: readonly string[] },
  selection: Selection,
): Particle[] {
  const { field, entries } = loaded;
  let selected = new Set<Particle>(
    selection.name === undefined ? field.particles : membersOf(findEntries(loaded, selection.name)),
  );
  const targets = selection.targets ?? [];
  if (targets.length > 0) {
    const matched = matchAll(targets, "--target", entries, field.particles);
    selected = new Set([...selected].filter((particle) => matched.has(particle)));
  }
  const isSubset = selection.name !== undefined || targets.length > 0;
  if (selection.withDependents === true) selected = new Set(field.closure(selected, "children"));
  if (selection.cascade === true && isSubset) {
    const isGoingUp = (particle: Particle): boolean =>
      (selection.desiredState ?? particle.desiredState) === "running";
    const up = [...selected].filter(isGoingUp);
    const down = [...selected].filter((particle) => !isGoingUp(particle));
    selected = new Set([...field.closure(up, "parents"), ...field.closure(down, "children")]);
  }
  const excludes = selection.excludes ?? [];
  if (excludes.length > 0) {
    const excluded = matchAll(excludes, "--exclude", entries, field.particles);
    selected = new Set([...selected].filter((particle) => !excluded.has(particle)));
  }
  return field.particles.filter((particle) => selected.has(particle));
}

/** The particles of an entry: itself, or a quasiparticle's members. @internal */
export function membersOf(entries: readonly (Particle | Quasiparticle)[]): Particle[] {
  return entries.flatMap((entry) => (isQuasiparticle(entry) ? [...entry.particles] : [entry]));
}

/** True for a quasiparticle entry. @internal */
export function isQuasiparticle(entry: Particle | Quasiparticle): entry is Quasiparticle {
  return "field" in entry;
}

/** The tags of a particle: `Tags`, `tags` and `custom_config.tags` of any `*_resource` block, as key/value pairs. @internal */
export function tagsOf(particle: Particle): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, block] of Object.entries(particle.definition)) {
    if (!key.endsWith("_resource") || !isRecord(block)) continue;
    const config = isRecord(block["custom_config"]) ? block["custom_config"] : {};
    for (const tags of [block["Tags"], block["tags"], config["tags"], config["Tags"]])
      pairs.push(...tagPairs(tags));
  }
  return pairs;
}

function findEntries(
  loaded: LoadedField & { readonly files?: readonly string[] },
  name: string,
): (Particle | Quasiparticle)[] {
  const isNamed = (item: { name: string; id: string }): boolean =>
    item.name === name || item.id === name;
  const found = loaded.entries.filter(isNamed);
  if (found.length > 0) return found;
  // A quasiparticle's member, as `pcf status` and `pcf graph` list it.
  const members = loaded.field.particles.filter(isNamed);
  if (members.length > 0) return members;
  const names = [...new Set(loaded.entries.map((entry) => entry.name))];
  const close = closestNames(name, names);
  const where = loaded.files === undefined ? "" : ` in ${loaded.files.join(", ")}`;
  throw new PcfError(
    "NOT_FOUND",
    `no particle or quasiparticle named "${name}"${where}` +
      (close.length > 0
        ? ` (did you mean ${close.join(", ")}?)`
        : names.length > 0
          ? `; the names are ${names.slice(0, 10).join(", ")}${names.length > 10 ? ", …" : ""}`
          : ""),
  );
}

/** Every particle matching one of `patterns`; a pattern that matches nothing is an error. */
function matchAll(
  patterns: readonly string[],
  option: string,
  entries: readonly (Particle | Quasiparticle)[],
  particles: readonly Particle[],
): Set<Particle> {
  const matched = new Set<Particle>();
  const misses: string[] = [];
  for (const pattern of patterns) {
    const found = matchPattern(pattern, entries, particles);
    if (found.length === 0) misses.push(pattern);
    for (const particle of found) matched.add(particle);
  }
  if (misses.length > 0) {
    const candidates = [...new Set(particles.flatMap((particle) => [particle.name, particle.id]))];
    const hints = misses.map((miss) => {
      const close = miss.includes("=") ? [] : closestNames(miss, candidates);
      return `${option} "${miss}" matches no particle${close.length > 0 ? ` (did you mean ${close.join(", ")}?)` : ""}`;
    });
    throw new PcfError("NOT_FOUND", hints.join("; "));
  }
  return matched;
}

/** Names and ids are not paths: `*` crosses `/` and `.` like any other character. */
const GLOB_OPTIONS: picomatch.PicomatchOptions = { dot: true, bash: true };

function matchPattern(
  pattern: string,
  entries: readonly (Particle | Quasiparticle)[],
  particles: readonly Particle[],
): Particle[] {
  const equals = pattern.indexOf("=");
  if (equals !== -1) {
    const key = pattern.slice(0, equals);
    const isValue = picomatch(pattern.slice(equals + 1), GLOB_OPTIONS);
    return particles.filter((particle) =>
      tagsOf(particle).some(([tagKey, tagValue]) => tagKey === key && isValue(tagValue)),
    );
  }
  const glob = picomatch(pattern, GLOB_OPTIONS);
  const isMatch = (item: { name: string; id: string }): boolean =>
    pattern.includes(":") ? glob(item.id) : glob(item.name) || glob(item.id);
  const fromEntries = membersOf(
    entries.filter((entry) => isQuasiparticle(entry) && isMatch(entry)),
  );
  return [...new Set([...particles.filter(isMatch), ...fromEntries])];
}

function tagPairs(tags: unknown): [string, string][] {
  if (Array.isArray(tags))
    return tags.flatMap((tag): [string, string][] => {
      if (!isRecord(tag)) return [];
      const key = tag["Key"] ?? tag["key"];
      const value = tag["Value"] ?? tag["value"];
      return typeof key === "string" ? [[key, textOf(value)]] : [];
    });
  if (isRecord(tags))
    return Object.entries(tags).map(([key, value]): [string, string] => [key, textOf(value)]);
  return [];
}

/** A tag value as text: strings as they are, anything else as JSON. */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  return value === undefined ? "" : JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
