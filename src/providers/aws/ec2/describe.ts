import {
  CreateTagsCommand,
  DeleteTagsCommand,
  paginateDescribeInstances,
  paginateDescribeVolumes,
  type EC2Client,
  type Filter,
  type Instance,
  type Tag,
  type Volume,
} from "@aws-sdk/client-ec2";
import type { TagChanges } from "../../kit/tags.js";
import { describeFiltered, onlyNamed, type NamedResourceScope } from "../ec2-describe.js";
import { PCF_NAME_TAG, tagsFromList, tagsToList } from "../tags.js";

// The EC2 flavors' shared calls: one filtered Describe for many particles, and their tag writes.

/** Every instance state but `terminated`: where a read looks for live instances. @internal */
export const LIVE_INSTANCE_STATES: Filter = {
  Name: "instance-state-name",
  Values: ["pending", "running", "shutting-down", "stopping", "stopped"],
};

/** The instances whose `filterName` is one of `values`, every page: live ones only, but by id. @internal */
export function describeInstances(
  client: EC2Client,
  filterName: string,
  values: readonly string[],
  abortSignal: AbortSignal,
): Promise<Instance[]> {
  return describeFiltered(client, paginateDescribeInstances, {
    filterName,
    values,
    itemsOf: (page) =>
      (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []),
    extraFilters: filterName === "instance-id" ? [] : [LIVE_INSTANCE_STATES],
    abortSignal,
  });
}

/** The volumes whose `filterName` is one of `values`, every page. @internal */
export function describeVolumes(
  client: EC2Client,
  filterName: string,
  values: readonly string[],
  abortSignal: AbortSignal,
): Promise<Volume[]> {
  return describeFiltered(client, paginateDescribeVolumes, {
    filterName,
    values,
    itemsOf: (page) => page.Volumes,
    abortSignal,
  });
}

/** A resource found by its `PCFName`, with the ids of the others that carry the same name. @internal */
export type Named<T> = T & { readonly namesakeIds?: readonly string[] };

/** The first of `items` under each `PCFName` value, the others' ids as its `namesakeIds`. @internal */
export function byPcfName<T extends { readonly Tags?: Tag[] | undefined }>(
  items: readonly T[],
  idOf: (item: T) => string | undefined,
): Map<string, Named<T>> {
  const byName = new Map<string, Named<T>>();
  for (const item of items) {
    const name = tagsFromList(item.Tags)[PCF_NAME_TAG];
    if (name === undefined) continue;
    const first = byName.get(name);
    if (first === undefined) {
      byName.set(name, item);
      continue;
    }
    const namesakeIds = [...(first?.namesakeIds ?? []), idOf(item) ?? "?"];
    byName.set(name, { ...first, namesakeIds });
  }
  return byName;
}

/**
 * `named` without its `namesakeIds`.
 * @throws PcfError `DUPLICATE_RESOURCE` when others carry its name (see `onlyNamed`).
 * @internal
 */
export function soleNamed<T>(
  { namesakeIds = [], ...item }: Named<T>,
  id: string | undefined,
  scope: NamedResourceScope,
): T {
  onlyNamed([id, ...namesakeIds], (each) => each, scope);
  return item as T;
}

/** Sends tag changes to one EC2 resource: DeleteTags, then CreateTags. @internal */
export async function writeEc2Tags(
  client: EC2Client,
  resourceId: string | undefined,
  { set, remove }: TagChanges,
  abortSignal: AbortSignal,
): Promise<void> {
  const Resources = [resourceId ?? ""];
  if (remove.length > 0)
    await client.send(new DeleteTagsCommand({ Resources, Tags: remove.map((Key) => ({ Key })) }), {
      abortSignal,
    });
  if (Object.keys(set).length > 0)
    await client.send(new CreateTagsCommand({ Resources, Tags: tagsToList(set) }), {
      abortSignal,
    });
}
