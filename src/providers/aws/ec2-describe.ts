import type { EC2Client, EC2PaginationConfiguration, Filter, Tag } from "@aws-sdk/client-ec2";
import type { Paginator } from "@smithy/types";
import { PcfError } from "../../core/errors.js";
import { setPath } from "../../core/values.js";
import { discoveredBlock, type DiscoveredBlockOptions } from "../kit/discovery.js";
import { PCF_NAME_TAG, tagsFromList } from "./tags.js";

/** EC2 takes at most this many values in one filter. */
const FILTER_VALUES_MAX = 200;

/**
 * An EC2 SDK paginator over a Describe call that takes `Filters`: `paginateDescribeVpcs`,
 * `paginateDescribeSubnets`, … @internal
 */
export type DescribePaginator<Page> = (
  config: EC2PaginationConfiguration,
  input: { Filters?: Filter[] },
  options: { abortSignal: AbortSignal },
) => Paginator<Page>;

/** What {@link describeFiltered} lists, and how. @internal */
export interface DescribeFilteredOptions<Page, Item> extends Omit<
  DescribeAllOptions<Page, Item>,
  "filters"
> {
  /** The filter to match (`tag:PCFName`, `group-name`, …). */
  readonly filterName: string;
  /** The values to match; duplicates are sent once. */
  readonly values: readonly string[];
  /** Filters sent with every chunk (`instance-state-name`, …). Default: none. */
  readonly extraFilters?: readonly Filter[];
}

/**
 * Every item whose `filterName` is one of `values` (and that matches `extraFilters`), from every
 * page of `paginate`: one paged Describe per 200 values, as EC2 takes no more in one filter, all
 * chunks at once; items come in the order of the chunks. No call when `values` is empty.
 * @throws the SDK's error unwrapped: the caller knows whom the listing was for.
 * @internal
 */
export async function describeFiltered<Page, Item>(
  client: EC2Client,
  paginate: DescribePaginator<Page>,
  options: DescribeFilteredOptions<Page, Item>,
): Promise<Item[]> {
  const values = [...new Set(options.values)];
  const chunks: string[][] = [];
  for (let start = 0; start < values.length; start += FILTER_VALUES_MAX)
    chunks.push(values.slice(start, start + FILTER_VALUES_MAX));
  const found = await Promise.all(
    chunks.map(async (chunk) => {
      const Filters = [
        { Name: options.filterName, Values: chunk },
        ...(options.extraFilters ?? []),
      ];
      return describeAll(client, paginate, { ...options, filters: Filters });
    }),
  );
  return found.flat();
}

/** What {@link describeAll} lists. @internal */
export interface DescribeAllOptions<Page, Item> {
  /** The items of one page (`page.SecurityGroups`). */
  readonly itemsOf: (page: Page) => readonly Item[] | undefined;
  /** The filters to match. Default: none, every item. */
  readonly filters?: readonly Filter[];
  readonly abortSignal: AbortSignal;
}

/**
 * Every item of every page of `paginate` that matches `filters` (all of them without): one paged
 * Describe.
 * @throws the SDK's error unwrapped.
 * @internal
 */
export async function describeAll<Page, Item>(
  client: EC2Client,
  paginate: DescribePaginator<Page>,
  { itemsOf, filters, abortSignal }: DescribeAllOptions<Page, Item>,
): Promise<Item[]> {
  const input = filters === undefined ? {} : { Filters: [...filters] };
  const items: Item[] = [];
  for await (const page of paginate({ client }, input, { abortSignal }))
    items.push(...(itemsOf(page) ?? []));
  return items;
}

/** Who asks {@link onlyNamed}, for its error. @internal */
export interface NamedResourceScope {
  /** What the resources are, in the plural (`VPCs`). */
  readonly kind: string;
  /** The `PCFName` they carry. */
  readonly name: string;
  /** The particle's id. */
  readonly particle: string;
  /** The definition field holding the name (`aws_resource.custom_config.vpc_name`). */
  readonly field: string;
  /** The region listed, for the command that resolves a duplicate. */
  readonly region: string;
}

/**
 * The one resource of `listed`, the resources carrying one `PCFName`; `undefined` when none does.
 * @throws PcfError `DUPLICATE_RESOURCE` when several do (the name no longer tells which one is the
 * particle's), naming every id and the command that removes the tag from all but the first.
 * Thrown while reading one particle, it fails that particle only (see `readEach`).
 * @internal
 */
export function onlyNamed<T>(
  listed: readonly T[],
  idOf: (item: T) => string | undefined,
  scope: NamedResourceScope,
): T | undefined {
  if (listed.length > 1) {
    const ids = listed.map((item) => idOf(item) ?? "?");
    const extra = ids.slice(1).join(" ");
    throw new PcfError(
      "DUPLICATE_RESOURCE",
      `${listed.length} ${scope.kind} carry the tag ${PCF_NAME_TAG}=${scope.name} (${ids.join(", ")}): ` +
        `keep one and remove the tag from the others, e.g. \`aws ec2 delete-tags --region ${scope.region} --resources ${extra} --tags Key=${PCF_NAME_TAG}\`, or delete them`,
      { particle: scope.particle, field: scope.field },
    );
  }
  return listed[0];
}

/**
 * An item of a describe by name, with the other items listed under the same name (see
 * {@link byName}): a batched read keys one item per name, and the particle's own read judges
 * the others (`onlyOfName`, or its VPC's among namesakes). Public: the EC2 flavors' `list` and
 * `observe`, which a subclass may override, take it.
 */
export type Named<T> = T & { readonly namesakes?: readonly T[] };

/** The items of `listed` by the name `nameOf` gives, the first of each name with the others. @internal */
export function byName<T extends object>(
  listed: readonly T[],
  nameOf: (item: T) => string | undefined,
): Map<string, Named<T>> {
  const found = new Map<string, Named<T>>();
  for (const item of listed) {
    const name = nameOf(item);
    if (name === undefined) continue;
    const first = found.get(name);
    found.set(
      name,
      first === undefined ? item : { ...first, namesakes: [...(first.namesakes ?? []), item] },
    );
  }
  return found;
}

/** The `PCFName` tag of an EC2 item, the name it is found by. @internal */
export function pcfNameOf(item: { readonly Tags?: Tag[] | undefined }): string | undefined {
  return tagsFromList(item.Tags)[PCF_NAME_TAG];
}

/**
 * Every item of `paginate` (the items of a page: `itemsOf`) carrying the tag `PCFName` with one
 * of `names`, by name (see {@link describeFiltered} and {@link byName}). @internal
 */
export async function describeByPcfName<Page, Item extends { readonly Tags?: Tag[] }>(
  client: EC2Client,
  paginate: DescribePaginator<Page>,
  itemsOf: (page: Page) => readonly Item[] | undefined,
  names: readonly string[],
  abortSignal: AbortSignal,
): Promise<Map<string, Named<Item>>> {
  const filterName = `tag:${PCF_NAME_TAG}`;
  const listed = await describeFiltered(client, paginate, {
    filterName,
    values: names,
    itemsOf,
    abortSignal,
  });
  return byName(listed, pcfNameOf);
}

/**
 * The one resource `item` stands for: itself, without its namesakes.
 * @throws PcfError `DUPLICATE_RESOURCE` when it has namesakes (see {@link onlyNamed}).
 * @internal
 */
export function onlyOfName<T>(
  { namesakes = [], ...item }: Named<T>,
  idOf: (item: T) => string | undefined,
  scope: NamedResourceScope,
): T {
  const only = item as T;
  onlyNamed([only, ...namesakes], idOf, scope);
  return only;
}

/**
 * The resource block of a discovered EC2 resource (see the kit's `discoveredBlock`): `fields`,
 * and its own tags in `tagField`; for a resource named by its `PCFName` tag (`nameField`, the
 * unique key's path in the block), that tag as the name rather than among the tags. @internal
 */
export function discoveredEc2Block(
  fields: Readonly<Record<string, unknown>>,
  { ownTags, nameField, ...options }: DiscoveredBlockOptions & { readonly nameField?: string },
): Record<string, unknown> {
  if (nameField === undefined) return discoveredBlock(fields, { ...options, ownTags });
  const { [PCF_NAME_TAG]: name, ...tags } = ownTags ?? {};
  return setPath(discoveredBlock(fields, { ...options, ownTags: tags }), nameField, name);
}
