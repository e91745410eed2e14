import type { DefinitionIssue } from "./errors.js";
import { escapeText } from "./escape.js";
import { MAX_MULTIPLIER, MAX_NAME_LENGTH } from "./limits.js";
import { copyPlain, isPlainObject, mergeDeep, updatePath } from "./values.js";

/** A quasiparticle member after fusing: a complete particle definition. */
export type FusedMember = Record<string, unknown> & { pcf_name: string; flavor: string };

/** What {@link fuseMembers} needs to know about a flavor. */
export type UniqueKeysOf = (flavor: string) => readonly string[];

/** The result of fusing: the members, or the problems found. */
export interface FuseResult {
  readonly members: FusedMember[];
  /** Where each member came from, by index in `members`: `particles[2]`. */
  readonly origins: string[];
  readonly issues: DefinitionIssue[];
}

/**
 * Expands a quasiparticle's `particles` into complete particle definitions, as PCF's fuse:
 * a member without `pcf_name` takes the quasiparticle's; `base_particle_config: NAME` starts from
 * the already-fused member of the same flavor named NAME and lays the member's own fields over it;
 * `multiplier: N` makes N copies named `name-0 … name-(N-1)` whose unique-key values get the same
 * suffix; the quasiparticle's `parents` are added to every member. A multiplier that is not a
 * whole number from 1 to {@link MAX_MULTIPLIER} is reported and no copy is made; two members that
 * end up with one id are reported, naming both.
 */
export function fuseMembers(
  quasiparticle: Record<string, unknown>,
  uniqueKeysOf: UniqueKeysOf,
  file?: string,
): FuseResult {
  const quasiName = String(quasiparticle.pcf_name);
  const quasiParents = Array.isArray(quasiparticle.parents)
    ? (quasiparticle.parents as unknown[])
    : [];
  const fused = new Map<string, { member: FusedMember; origin: string }>();
  const issues: DefinitionIssue[] = [];
  const rawMembers = Array.isArray(quasiparticle.particles) ? quasiparticle.particles : [];

  rawMembers.forEach((raw, index) => {
    const where = {
      file,
      particle: `${String(quasiparticle.flavor)}:${quasiName}`,
      field: `particles[${index}]`,
    };
    if (!isPlainObject(raw)) {
      issues.push({ ...where, message: "expected a particle definition (an object)" });
      return;
    }
    const flavor = typeof raw.flavor === "string" ? raw.flavor : "";
    let member: Record<string, unknown> = {
      ...copyPlain(raw),
      pcf_name: raw.pcf_name ?? quasiName,
    };
    const baseName = raw.base_particle_config;
    if (typeof baseName === "string") {
      const base = fused.get(`${flavor}:${baseName}`)?.member;
      if (base === undefined) {
        issues.push({
          ...where,
          field: `${where.field}.base_particle_config`,
          message: `no earlier ${flavor} member named "${escapeText(baseName)}"`,
        });
        return;
      }
      const {
        multiplier: _multiplier,
        base_particle_config: _base,
        pcf_name: _name,
        ...inherited
      } = base;
      member = mergeDeep(inherited, member);
    }
    if (quasiParents.length > 0) {
      const own = Array.isArray(member.parents) ? (member.parents as unknown[]) : [];
      member.parents = [...new Set([...own, ...quasiParents])];
    }
    delete member.base_particle_config;
    const multiplier = raw.multiplier === undefined ? 1 : raw.multiplier;
    if (!isValidMultiplier(multiplier)) {
      issues.push({ ...where, field: `${where.field}.multiplier`, message: MULTIPLIER_RULE });
      return;
    }
    const lastName = `${String(member.pcf_name)}-${multiplier - 1}`;
    if (raw.multiplier !== undefined && lastName.length > MAX_NAME_LENGTH) {
      issues.push({
        ...where,
        field: `${where.field}.multiplier`,
        message: `the copies' names (up to ${lastName.length} characters) would be longer than ${MAX_NAME_LENGTH}`,
      });
      return;
    }
    for (const copy of multiply(member, multiplier, uniqueKeysOf(flavor))) {
      const id = `${flavor}:${copy.pcf_name}`;
      const taken = fused.get(id);
      if (taken === undefined)
        fused.set(id, { member: copy, origin: `${where.field}${howNamed(raw)}` });
      else
        issues.push({
          ...where,
          field: `${where.field}.pcf_name`,
          message: `${escapeText(id)} is defined twice, by ${taken.origin} and ${where.field}${howNamed(raw)}`,
        });
    }
  });
  const entries = [...fused.values()];
  return {
    members: entries.map((entry) => entry.member),
    origins: entries.map((entry) => entry.origin),
    issues,
  };
}

/** What a member's multiplier must be. */
const MULTIPLIER_RULE = `expected a whole number from 1 to ${MAX_MULTIPLIER} (the limit per member)`;

/** True for a multiplier {@link fuseMembers} accepts: a whole number from 1 to {@link MAX_MULTIPLIER}. */
function isValidMultiplier(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_MULTIPLIER;
}

/**
 * How many particles fusing `quasiparticle` would make, counted without making them; a
 * multiplier {@link fuseMembers} would refuse counts as one.
 */
export function countMembers(quasiparticle: Record<string, unknown>): number {
  const members = Array.isArray(quasiparticle.particles) ? quasiparticle.particles : [];
  return members.reduce<number>((total, member) => {
    const multiplier = isPlainObject(member) ? member.multiplier : undefined;
    return total + (isValidMultiplier(multiplier) ? multiplier : 1);
  }, 0);
}

/** How a member got its name, when not from its own `pcf_name` alone. */
function howNamed(raw: Record<string, unknown>): string {
  if (raw.multiplier !== undefined) return " (a multiplier copy)";
  return raw.pcf_name === undefined ? " (no pcf_name: it takes the quasiparticle's)" : "";
}

function multiply(
  member: Record<string, unknown>,
  multiplier: number,
  uniqueKeys: readonly string[],
): FusedMember[] {
  const { multiplier: _given, ...single } = member;
  if (member.multiplier === undefined) return [single as FusedMember];
  return Array.from({ length: multiplier }, (_, index) => {
    const suffix = (value: unknown): unknown =>
      typeof value === "string" ? `${value}-${index}` : value;
    const copy = uniqueKeys
      .filter((key) => key !== "pcf_name")
      .reduce((definition, key) => updatePath(definition, key, suffix), copyPlain(single));
    return { ...copy, pcf_name: `${String(single.pcf_name)}-${index}` } as FusedMember;
  });
}
