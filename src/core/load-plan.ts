import { checkFrameworkFields, isQuasiparticleDefinition } from "./definition.js";
import type { DefinitionIssue } from "./errors.js";
import { fuseMembers, type FusedMember } from "./fuse.js";
import type { Claim } from "./identity.js";
import type { ParticleClass } from "./particle.js";
import {
  isQuasiparticleClass,
  type QuasiparticleClass,
  type QuasiparticleDefinition,
} from "./quasiparticle.js";
import type { FlavorClass } from "./registry.js";
import { isPlainObject } from "./values.js";

// One top-level entry checked and, for a quasiparticle, fused: what the loader builds particles
// from. Entries with problems are reported and planned as nothing.

/** An entry ready to build: a particle definition, or a quasiparticle with its fused members. @internal */
export type PlannedEntry =
  | {
      readonly kind: "particle";
      readonly id: string;
      readonly index: number;
      readonly definition: FusedMember;
    }
  | {
      readonly kind: "quasi";
      readonly id: string;
      readonly index: number;
      readonly type: QuasiparticleClass;
      readonly definition: QuasiparticleDefinition;
      readonly members: FusedMember[];
      readonly origins: string[];
    };

/** Every definition of the planned entries, quasiparticles included, for the identity checks. @internal */
export function claimsOf(
  planned: readonly PlannedEntry[],
  classes: Map<string, FlavorClass>,
): Claim[] {
  const claim = (definition: FusedMember, origin: string): Claim => {
    const type = classes.get(definition.flavor) as ParticleClass | undefined;
    return {
      id: `${definition.flavor}:${definition.pcf_name}`,
      flavor: definition.flavor,
      definition,
      origin,
      uniqueKeys: type?.uniqueKeys ?? [],
      resourceKey: type?.resourceKey,
    };
  };
  return planned.flatMap((entry) =>
    entry.kind === "particle"
      ? [claim(entry.definition, `entry ${entry.index}`)]
      : [
          // The quasiparticle's own id must be unique too; it claims no resource.
          {
            ...claim(entry.definition as unknown as FusedMember, `entry ${entry.index}`),
            uniqueKeys: [],
          },
          ...entry.members.map((member, position) =>
            claim(member, `${entry.origins[position] ?? "particles"} of ${entry.id}`),
          ),
        ],
  );
}

/**
 * One raw entry as its quasiparticle class reads it: PCF's shorthand forms turned into the
 * general one (see `QuasiparticleClass.normalizeDefinition`); any other entry as written.
 * @internal
 */
export function normalizeEntry(raw: unknown, classes: ReadonlyMap<string, FlavorClass>): unknown {
  if (!isPlainObject(raw)) return raw;
  const type = classes.get(String(raw.flavor));
  return type !== undefined && isQuasiparticleClass(type) && type.normalizeDefinition !== undefined
    ? type.normalizeDefinition(raw)
    : raw;
}

/**
 * Checks one raw entry (a quasiparticle's members after fusing) and plans it; problems go to `issues`.
 * @internal
 */
export function planEntry(
  raw: unknown,
  index: number,
  classes: Map<string, FlavorClass>,
  file: string | undefined,
  issues: DefinitionIssue[],
): PlannedEntry[] {
  if (!isPlainObject(raw)) {
    issues.push({
      file,
      particle: `entry ${index}`,
      message: "expected a particle or quasiparticle definition (an object)",
    });
    return [];
  }
  const type = classes.get(String(raw.flavor));
  const id = `${String(raw.flavor)}:${String(raw.pcf_name)}`;
  if (!isQuasiparticleDefinition(raw)) {
    return checkParticle(raw, type, { file, particle: id }, issues)
      ? [{ kind: "particle", id, index, definition: raw as FusedMember }]
      : [];
  }
  const countBefore = issues.length;
  issues.push(...checkFrameworkFields(raw, { file, particle: id }, { resourceKey: undefined }));
  if (type !== undefined && !isQuasiparticleClass(type))
    issues.push({
      file,
      particle: id,
      field: "flavor",
      message: `${String(raw.flavor)} is a particle flavor, not a quasiparticle`,
    });
  const uniqueKeysOf = (flavor: string): readonly string[] => {
    const memberType = classes.get(flavor);
    return memberType !== undefined && !isQuasiparticleClass(memberType)
      ? (memberType as ParticleClass).uniqueKeys
      : [];
  };
  const fused = fuseMembers(raw, uniqueKeysOf, file);
  issues.push(...fused.issues);
  const prepare =
    fused.issues.length === 0 && type !== undefined && isQuasiparticleClass(type)
      ? type.prepareMembers
      : undefined;
  const prepared = prepare?.(fused.members, { file, particle: id }) ?? fused;
  if (prepare !== undefined) issues.push(...prepared.issues);
  for (const member of prepared.members)
    checkParticle(
      member,
      classes.get(member.flavor),
      { file, particle: `${member.flavor}:${member.pcf_name}` },
      issues,
    );
  if (issues.length > countBefore || type === undefined || !isQuasiparticleClass(type)) return [];
  return [
    {
      kind: "quasi",
      id,
      index,
      type,
      definition: raw as unknown as QuasiparticleDefinition,
      members: prepared.members,
      origins: fused.origins,
    },
  ];
}

function checkParticle(
  raw: Record<string, unknown>,
  type: FlavorClass | undefined,
  where: { file: string | undefined; particle: string },
  issues: DefinitionIssue[],
): boolean {
  const countBefore = issues.length;
  if (type !== undefined && isQuasiparticleClass(type)) {
    issues.push({
      ...where,
      field: "particles",
      message: `${type.flavor} is a quasiparticle flavor: it needs a particles list`,
    });
    return false;
  }
  // The resource block is checked by the particle's constructor (resourceBlockIssues).
  issues.push(
    ...checkFrameworkFields(
      raw,
      where,
      type === undefined ? "unknown flavor" : (type as ParticleClass),
    ),
  );
  return issues.length === countBefore && type !== undefined;
}
