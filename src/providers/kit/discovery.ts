import type { DefinitionIssue } from "../../core/errors.js";
import type { ParticleDefinition } from "../../core/particle.js";
import type { RunContext } from "../../core/run-context.js";
import { keysAt } from "../../core/schema-keys.js";
import type { State } from "../../core/state.js";
import { readPath, setPath } from "../../core/values.js";
import type { DeclaredResource } from "./declared-resource.js";
import type { ProvenanceKeys } from "./facts.js";
import type { TagMap } from "./tags.js";

/**
 * Discovery: every live resource of a flavor in a location, listed without a filter (the batched
 * read the kit already makes, minus the keys), each turned into the definition that describes it.
 * `pcf discover` writes those definitions; `pcf inventory` and `pcf nuke` read the tags.
 */

/** One live resource a flavor found by listing a location. */
export interface DiscoveredResource {
  /** Its flavor (`cloudwatch_logs`). */
  readonly flavor: string;
  /** Its unique-key values joined by `/`, as reads key resources. */
  readonly key: string;
  /** Where it is: the provider's location (an AWS region). */
  readonly location: string;
  /** Its live state: `running`, `stopped`, or `pending` on its way. */
  readonly state: State;
  /**
   * The resource block that describes it: its live definition as plan compares it, its own tags
   * in the flavor's tagging field. A definition made of it plans with no changes.
   */
  readonly resource: Readonly<Record<string, unknown>>;
  /** All its tags (the framework's and the cloud's too); `undefined` for a flavor without tags. */
  readonly tags: TagMap | undefined;
  /** Whether it carries the ownership tag; `undefined` for a flavor without tags. */
  readonly isOwned: boolean | undefined;
  /** What its provenance tags say, when it has them: see {@link Provenance}. */
  readonly provenance: Provenance | undefined;
  /**
   * The particle definition of it, as `pcf discover` writes it: named after its `pcf:particle`
   * tag when it has one of this flavor, else after its key; `desired_state` when not running.
   */
  readonly definition: ParticleDefinition;
}

/** Where a resource came from, as its provenance tags say (see the kit's `provenanceTags`). */
export interface Provenance {
  /** The field that made it. */
  readonly field: string;
  /** Its particle, `flavor:pcf_name`, when tagged. */
  readonly particle: string | undefined;
  /** Its dependency depth in that field, when tagged as a whole number. */
  readonly depth: number | undefined;
}

/** What `tags` say of provenance under the provider's `keys`; `undefined` without a field tag. */
export function provenanceOf(
  tags: TagMap | undefined,
  keys: ProvenanceKeys | undefined,
): Provenance | undefined {
  const field = keys === undefined ? undefined : tags?.[keys.field];
  if (keys === undefined || field === undefined) return undefined;
  const depth = tags?.[keys.depth];
  return {
    field,
    particle: tags?.[keys.particle],
    depth: depth !== undefined && /^\d{1,4}$/.test(depth) ? Number(depth) : undefined,
  };
}

/** What discovery asks of a particle: `DeclaredResource.discoverHere`. */
export interface Discoverer {
  discoverHere(context: RunContext): Promise<readonly DiscoveredResource[] | undefined>;
}

/** A concrete declared flavor class (any `DeclaredResource` subclass the catalogue gives). */
export type DiscoverableClass = (new (definition: ParticleDefinition) => Discoverer) &
  Pick<typeof DeclaredResource, "flavor" | "resourceKey" | "definitionIssues">;

/**
 * Every live resource of `type` in the run's default location (`providerOptions`: an AWS region),
 * or `undefined` when the flavor cannot list its resources without their keys.
 */
export async function discoverFlavor(
  type: DiscoverableClass,
  context: RunContext,
): Promise<readonly DiscoveredResource[] | undefined> {
  return probeOf(type).discoverHere(context);
}

/**
 * A particle of `type` that stands for no resource: its empty resource block is not checked, so
 * that it can name a location and a client and list what is there.
 */
function probeOf(type: DiscoverableClass): Discoverer {
  const Probe = class extends type {
    static override definitionIssues(): DefinitionIssue[] {
      return [];
    }
  };
  const block = type.resourceKey === undefined ? {} : { [type.resourceKey]: {} };
  return new Probe({ flavor: type.flavor, pcf_name: "discovery", ...block });
}

/** Options of {@link discoveredBlock}. */
export interface DiscoveredBlockOptions {
  /** The flavor's resource-block schema: keys it does not declare (ARNs, ids) are left out. */
  readonly schema: Parameters<typeof keysAt>[0] | undefined;
  /** The tagging field (`tags`, `Tags`), when the flavor keeps tags. */
  readonly tagField: string | undefined;
  /** The resource's own tags, without the framework's and the cloud's. */
  readonly ownTags: TagMap | undefined;
  /** Keys written as they are though the schema does not declare them (`region_name`). */
  readonly alwaysKept: readonly string[];
}

/**
 * The resource block of an observed definition: empty values dropped (a definition that omits a
 * key does not compare it), keys the schema does not declare dropped, the own tags written to the
 * tagging field (as a `{ Key, Value }` list where the observation holds one, else as a map).
 */
export function discoveredBlock(
  observed: Readonly<Record<string, unknown>>,
  options: DiscoveredBlockOptions,
): Record<string, unknown> {
  const { tagField, ownTags } = options;
  const declared = options.schema === undefined ? undefined : new Set(keysAt(options.schema, []));
  let block: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(observed)) {
    if (value === undefined || value === null || key === tagField) continue;
    if (declared !== undefined && !declared.has(key) && !options.alwaysKept.includes(key)) continue;
    block[key] = value;
  }
  if (tagField !== undefined && ownTags !== undefined && Object.keys(ownTags).length > 0) {
    const asList = Array.isArray(readPath(observed, tagField));
    const sorted = Object.entries(ownTags).sort(([a], [b]) => a.localeCompare(b));
    block = setPath(
      block,
      tagField,
      asList ? sorted.map(([Key, Value]) => ({ Key, Value })) : Object.fromEntries(sorted),
    );
  }
  return block;
}

/**
 * The particle definition of a discovered resource (see {@link DiscoveredResource.definition}).
 * @param particleTag the value of the provider's `pcf:particle` tag, if any.
 */
export function discoveredDefinition(
  found: Omit<DiscoveredResource, "definition">,
  resourceKey: string | undefined,
): ParticleDefinition {
  const prefix = `${found.flavor}:`;
  const particleTag = found.provenance?.particle;
  const pcf_name =
    particleTag?.startsWith(prefix) === true && particleTag.length > prefix.length
      ? particleTag.slice(prefix.length)
      : nameFromKey(found.key);
  return {
    flavor: found.flavor,
    pcf_name,
    ...(found.state === "running"
      ? {}
      : { desired_state: found.state === "stopped" ? "stopped" : "terminated" }),
    ...(resourceKey === undefined ? {} : { [resourceKey]: found.resource }),
  };
}

/** A `pcf_name` from a resource's key: letters, digits, `-` and `_` kept, the rest turned into `-`. */
export function nameFromKey(key: string): string {
  const name = key
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 200);
  return name === "" ? "resource" : name;
}
