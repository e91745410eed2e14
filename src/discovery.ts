import pLimit from "p-limit";
import { BUILT_IN_FLAVORS, type CatalogueEntry } from "./catalogue.js";
import { PcfError } from "./core/errors.js";
import { Field } from "./core/field.js";
import type { Particle } from "./core/particle.js";
import {
  withRunContext,
  type ProviderOptions,
  type RunContext,
  type RunContextOptions,
} from "./core/run-context.js";
import { flavorRegistry, type FlavorClass, type FlavorRegistry } from "./core/registry.js";
import { DeclaredResource } from "./providers/kit/declared-resource.js";
import {
  discoverFlavor,
  type DiscoverableClass,
  type DiscoveredResource,
} from "./providers/kit/discovery.js";

export type { DiscoveredResource, Provenance } from "./providers/kit/discovery.js";

/**
 * Discovery, inventory and nuke: what is live in the cloud, found by listing every resource of a
 * flavor in a location (no definition file, no state file), then told apart by the ownership and
 * provenance tags.
 */

/** Options of {@link discover}, {@link inventory} and {@link nukeField}. */
export interface DiscoverOptions {
  /** Settings per provider (`{ aws: { region, endpoint } }`): where to list. */
  readonly providerOptions?: ProviderOptions;
  /** Aborts the listing. */
  readonly signal?: AbortSignal;
  /** Where flavors are looked up. Default: the process-wide registry with the built-in flavors. */
  readonly registry?: FlavorRegistry;
}

/**
 * Every live resource of `flavor` in the provider's location (an AWS region: `providerOptions.aws.region`),
 * with the definition that describes it; with `tags`, only those carrying every one of them.
 * @throws PcfError `UNKNOWN_FLAVOR`; `DEFINITION_INVALID` (field `flavor`) for a flavor that
 *   cannot list its resources.
 */
export async function discover(
  flavor: string,
  options: DiscoverOptions & { readonly tags?: Readonly<Record<string, string>> } = {},
): Promise<readonly DiscoveredResource[]> {
  const type = await (options.registry ?? flavorRegistry).resolve(flavor);
  const found = await withRunContext(contextOptions(options), (context) =>
    listFlavor(type, context),
  );
  if (found === undefined)
    throw new PcfError("DEFINITION_INVALID", `flavor ${flavor} cannot list its resources`, {
      field: "flavor",
    });
  const wanted = Object.entries(options.tags ?? {});
  return found.filter((resource) => wanted.every(([key, value]) => resource.tags?.[key] === value));
}

/** Options of {@link inventory}. */
export interface InventoryOptions extends DiscoverOptions {
  /** The providers whose flavors are listed. Default `["aws"]`. */
  readonly providers?: readonly CatalogueEntry["provider"][];
  /** Only these flavors. Default: every built-in flavor of `providers`. */
  readonly flavors?: readonly string[];
  /** Only resources of this field. */
  readonly field?: string;
  /** Most flavors listed at once. Default 8. */
  readonly concurrency?: number;
}

/** What {@link inventory} found. */
export interface Inventory {
  /** Every resource carrying the ownership tag, by field (unnamed last), then flavor and key. */
  readonly resources: readonly DiscoveredResource[];
  /** Flavors that cannot list their resources, so none of theirs is counted. */
  readonly unlisted: readonly string[];
  /** Flavors whose listing failed, with the error. */
  readonly failures: readonly { readonly flavor: string; readonly error: Error }[];
}

/**
 * Every resource that carries this framework's ownership tag, by field, including resources whose
 * definition file is gone: each flavor of `providers` lists its location. A flavor whose listing
 * fails is reported in `failures`; the others still count.
 */
export async function inventory(options: InventoryOptions = {}): Promise<Inventory> {
  const providers = options.providers ?? ["aws"];
  const flavors =
    options.flavors ??
    Object.entries(BUILT_IN_FLAVORS)
      .filter(([, entry]) => providers.includes(entry.provider))
      .map(([flavor]) => flavor);
  const registry = options.registry ?? flavorRegistry;
  const limit = pLimit(options.concurrency ?? 8);
  const unlisted: string[] = [];
  const failures: { flavor: string; error: Error }[] = [];
  const lists = await withRunContext(contextOptions(options), (context) =>
    Promise.all(
      flavors.map((flavor) =>
        limit(async () => {
          try {
            const found = await listFlavor(await registry.resolve(flavor), context);
            if (found === undefined) unlisted.push(flavor);
            return found ?? [];
          } catch (error) {
            options.signal?.throwIfAborted();
            const failure = error instanceof Error ? error : new Error(String(error));
            failures.push({ flavor, error: failure });
            return [];
          }
        }),
      ),
    ),
  );
  const resources = lists
    .flat()
    .filter((resource) => resource.isOwned === true && isOwnFlavor(resource))
    .filter(
      (resource) => options.field === undefined || resource.provenance?.field === options.field,
    )
    .sort(byFieldFlavorKey);
  return { resources, unlisted: unlisted.sort(), failures };
}

/**
 * The field `name`'s resources (see {@link inventory}) as a field of particles to terminate, in
 * reverse dependency order: each resource's `pcf:depth` tag puts it below every resource of a
 * smaller depth, so the deepest go first. Apply it with `desiredState: "terminated"`. Resources
 * of another field, or of none, are never in it.
 * @returns the field (named `name`), and the inventory it came from.
 */
export async function fieldToNuke(
  name: string,
  options: InventoryOptions = {},
): Promise<{ readonly field: Field; readonly inventory: Inventory }> {
  const found = await inventory({ ...options, field: name });
  const registry = options.registry ?? flavorRegistry;
  const taken = new Set<string>();
  const levels = new Map<number, Particle[]>();
  const particles: Particle[] = [];
  for (const resource of found.resources) {
    const type = (await registry.resolve(resource.flavor)) as unknown as new (
      definition: DiscoveredResource["definition"],
    ) => Particle;
    const definition = uniquelyNamed(resource.definition, taken);
    const particle = new type({ ...definition, desired_state: "terminated" });
    const depth = resource.provenance?.depth ?? 0;
    levels.set(depth, [...(levels.get(depth) ?? []), particle]);
    particles.push(particle);
  }
  const field = new Field(particles, { name });
  const depths = [...levels.keys()].sort((a, b) => a - b);
  for (const [index, depth] of depths.entries()) {
    const above = depths[index - 1];
    if (above === undefined) continue;
    for (const child of levels.get(depth) ?? [])
      for (const parent of levels.get(above) ?? []) field.addParent(child, parent);
  }
  return { field, inventory: found };
}

/** Lists `type`'s resources; `undefined` when it is not a declared flavor or cannot list. */
async function listFlavor(
  type: FlavorClass,
  context: RunContext,
): Promise<readonly DiscoveredResource[] | undefined> {
  const prototype: unknown = (type as { readonly prototype?: unknown }).prototype;
  if (!(prototype instanceof DeclaredResource)) return undefined;
  return discoverFlavor(type as unknown as DiscoverableClass, context);
}

function contextOptions(options: DiscoverOptions): RunContextOptions {
  return { providerOptions: options.providerOptions, signal: options.signal };
}

/**
 * False for a resource tagged as another flavor's particle: two flavors may list one resource
 * (every Python function is a `lambda_function` too), and it is counted once, under the flavor
 * that made it.
 */
function isOwnFlavor(resource: DiscoveredResource): boolean {
  const particle = resource.provenance?.particle;
  return particle === undefined || particle.startsWith(`${resource.flavor}:`);
}

/** `definition`, its `pcf_name` suffixed (`-2`, `-3`) when another took it. */
function uniquelyNamed(
  definition: DiscoveredResource["definition"],
  taken: Set<string>,
): DiscoveredResource["definition"] {
  let name = definition.pcf_name;
  for (let suffix = 2; taken.has(`${definition.flavor}:${name}`); suffix += 1)
    name = `${definition.pcf_name}-${suffix}`;
  taken.add(`${definition.flavor}:${name}`);
  return { ...definition, pcf_name: name };
}

function byFieldFlavorKey(a: DiscoveredResource, b: DiscoveredResource): number {
  const field = (resource: DiscoveredResource) => resource.provenance?.field ?? "\uffff";
  return (
    field(a).localeCompare(field(b)) ||
    a.flavor.localeCompare(b.flavor) ||
    a.key.localeCompare(b.key)
  );
}
