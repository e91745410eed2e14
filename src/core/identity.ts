import type { DefinitionIssue } from "./errors.js";
import { escapeText } from "./escape.js";
import { isReference } from "./references.js";
import { readPath } from "./values.js";

/** One particle definition as the loader sees it, with what makes it one resource. */
export interface Claim {
  /** `flavor:pcf_name`. */
  readonly id: string;
  readonly flavor: string;
  readonly definition: Record<string, unknown>;
  /** Where it was written, for messages: `entry 2`, `particles[1] of quasiparticle:group`. */
  readonly origin: string;
  /** The flavor's unique keys (dot paths into the definition). */
  readonly uniqueKeys: readonly string[];
  /** The flavor's resource block (`aws_resource`), whose `region_name` is part of the identity. */
  readonly resourceKey: string | undefined;
}

/**
 * Every pair of definitions that are one particle or one resource: two with one id, and two of
 * one flavor whose unique-key values are the same plain strings (no `$inherit$` / `$lookup$`,
 * which are known only at run time) in the same region. The later one is reported, naming both.
 */
export function identityIssues(claims: readonly Claim[], file?: string): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const byId = new Map<string, Claim>();
  const byResource = new Map<string, Claim>();
  for (const claim of claims) {
    const where = { file, particle: claim.id };
    const twin = byId.get(claim.id);
    if (twin !== undefined) {
      issues.push({
        ...where,
        field: "pcf_name",
        message: `${escapeText(claim.id)} is defined twice, by ${twin.origin} and ${claim.origin}`,
      });
      continue;
    }
    byId.set(claim.id, claim);
    const resource = resourceKeyOf(claim);
    if (resource === undefined) continue;
    const owner = byResource.get(resource.key);
    if (owner === undefined) byResource.set(resource.key, claim);
    else
      issues.push({
        ...where,
        field: claim.uniqueKeys[0],
        message: `${escapeText(owner.id)} and ${escapeText(claim.id)} claim one resource: both have ${claim.uniqueKeys.join(", ")} = ${escapeText(resource.values.join(", "))}`,
      });
  }
  return issues;
}

/** The resource a claim names, as a map key; `undefined` when a value is not a plain string yet. */
function resourceKeyOf(claim: Claim): { key: string; values: string[] } | undefined {
  if (claim.uniqueKeys.length === 0) return undefined;
  const values = claim.uniqueKeys.map((key) => readPath(claim.definition, key));
  if (!values.every((value): value is string => typeof value === "string" && !isReference(value)))
    return undefined;
  const region =
    claim.resourceKey === undefined
      ? undefined
      : readPath(claim.definition, `${claim.resourceKey}.region_name`);
  // A region known only at run time may differ from any other: no claim is made then.
  if (region !== undefined && (typeof region !== "string" || isReference(region))) return undefined;
  return { key: JSON.stringify([claim.flavor, region ?? null, ...values]), values };
}
