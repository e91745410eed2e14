import type { DefinitionIssue } from "./errors.js";
import { escapeText } from "./escape.js";
import { isQuasiparticleDefinition } from "./definition.js";
import { countMembers } from "./fuse.js";
import { MAX_PARTICLES } from "./limits.js";
import { structureIssues } from "./structure-check.js";
import { isPlainObject } from "./values.js";

/** A top-level entry that passed {@link screenEntries}, with its place in the file. */
export interface ScreenedEntry {
  readonly raw: unknown;
  readonly index: number;
}

/**
 * The checks that come before any other, because the others would be unsafe or endless without
 * them: a file with no definitions; prototype keys, self-containing values and absurd nesting
 * (such an entry is reported and left out); a `multiplier` outside a quasiparticle's members (left
 * out too); and
 * more than {@link MAX_PARTICLES} particles in all (then `undefined`: nothing is fused).
 */
export function screenEntries(
  rawEntries: readonly unknown[],
  file: string | undefined,
  issues: DefinitionIssue[],
): ScreenedEntry[] | undefined {
  if (rawEntries.length === 0) {
    issues.push(noDefinitionsIssue(file));
    return undefined;
  }
  const screened: ScreenedEntry[] = [];
  let total = 0;
  let largest: { id: string; count: number } | undefined;
  rawEntries.forEach((raw, index) => {
    const particle = isPlainObject(raw) ? idOf(raw, index) : `entry ${index}`;
    const hostile = structureIssues(raw, { file, particle });
    issues.push(...hostile);
    if (hostile.length > 0) return;
    if (isPlainObject(raw) && raw.multiplier !== undefined) {
      // Left out too: its schema would report a bad multiplier a second time.
      issues.push({
        file,
        particle,
        field: "multiplier",
        message:
          "multiplier applies only to the members of a quasiparticle (in its particles list)",
      });
      return;
    }
    screened.push({ raw, index });
    if (!isPlainObject(raw)) return;
    const count = isQuasiparticleDefinition(raw) ? countMembers(raw) : 1;
    total += count;
    if (count > (largest?.count ?? 0)) largest = { id: particle, count };
  });
  if (total <= MAX_PARTICLES) return screened;
  issues.push({
    file,
    particle: largest?.id,
    field: "particles",
    message: `the definitions make ${total} particles (this entry ${largest?.count ?? 0}); the limit is ${MAX_PARTICLES} per load`,
  });
  return undefined;
}

/** The entries of a source: a list's items, or the one definition; none for `undefined` or `null`. */
export function entriesOf(source: unknown): unknown[] {
  if (source === undefined || source === null) return [];
  return Array.isArray(source) ? (source as unknown[]) : [source];
}

/** The problem of a file that holds no definition at all. */
export function noDefinitionsIssue(file: string | undefined): DefinitionIssue {
  return {
    file,
    message: "no definitions: expected a particle, a quasiparticle, or a list of them",
  };
}

function idOf(raw: Record<string, unknown>, index: number): string {
  return typeof raw.flavor === "string" && typeof raw.pcf_name === "string"
    ? escapeText(`${raw.flavor}:${raw.pcf_name}`)
    : `entry ${index}`;
}
