import type { DefinitionIssue } from "./errors.js";
import { copyPlain, isPlainObject, mergeDeep, updatePath } from "./values.js";

/** A quasiparticle member after fusing: a complete particle definition. */
export type FusedMember = Record<string, unknown> & { pcf_name: string; flavor: string };

/** What {@link fuseMembers} needs to know about a flavor. */
export type UniqueKeysOf = (flavor: string) => readonly string[];

/** The result of fusing: the members, or the problems found. */
export interface FuseResult {
  readonly members: FusedMember[];
  readonly issues: DefinitionIssue[];
}

/**
 * Expands a quasiparticle's `particles` into complete particle definitions, as PCF's fuse:
 * a member without `pcf_name` takes the quasiparticle's; `base_particle_config: NAME` starts from
 * the already-fused member of the same flavor named NAME and lays the member's own fields over it;
 * `multiplier: N` makes N copies named `name-0 … name-(N-1)` whose unique-key values get the same
 * suffix; the quasiparticle's `parents` are added to every member.
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
  const fused = new Map<string, FusedMember>();
  const issues: DefinitionIssue[] = [];
  const rawMembers = Array.isArray(quasiparticle.particles) ? quasiparticle.particles : [];

  rawMembers.forEach((raw, index) => {
    const where = { file, particle: `quasiparticle ${quasiName}`, field: `particles[${index}]` };
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
      const base = fused.get(`${flavor}:${baseName}`);
      if (base === undefined) {
        issues.push({
          ...where,
          field: `${where.field}.base_particle_config`,
          message: `no earlier ${flavor} member named "${baseName}"`,
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
    for (const copy of multiply(member, uniqueKeysOf(flavor)))
      fused.set(`${flavor}:${copy.pcf_name}`, copy);
  });
  return { members: [...fused.values()], issues };
}

function multiply(member: Record<string, unknown>, uniqueKeys: readonly string[]): FusedMember[] {
  const { multiplier, ...single } = member;
  if (typeof multiplier !== "number" || multiplier < 1) return [single as FusedMember];
  return Array.from({ length: multiplier }, (_, index) => {
    const suffix = (value: unknown): unknown =>
      typeof value === "string" ? `${value}-${index}` : value;
    const copy = uniqueKeys
      .filter((key) => key !== "pcf_name")
      .reduce((definition, key) => updatePath(definition, key, suffix), copyPlain(single));
    return { ...copy, pcf_name: `${String(single.pcf_name)}-${index}` } as FusedMember;
  });
}
