import {
  paginateDescribeInstances,
  paginateDescribeVolumes,
  type EC2Client,
  type Filter,
  type Instance,
  type Tag,
  type Volume,
} from "@aws-sdk/client-ec2";
import { describeFiltered } from "../ec2-describe.js";
import { PCF_NAME_TAG, tagsFromList } from "../tags.js";

// How the EC2 flavors find their resources: one filtered Describe call for many particles (see
// describeFiltered), and the client tokens of their creates.

/** Every instance state but `terminated`: where a read looks for live instances. @internal */
export const LIVE_INSTANCE_STATES: Filter = {
  Name: "instance-state-name",
  Values: ["pending", "running", "shutting-down", "stopping", "stopped"],
};

/**
 * The instances whose `filterName` is one of `values`, every page, 200 values a call. `extra`
 * filters (e.g. {@link LIVE_INSTANCE_STATES}) apply to every call.
 * @throws the SDK's error unwrapped: the caller knows whom the listing was for.
 * @internal
 */
export function describeInstances(
  client: EC2Client,
  filterName: string,
  values: readonly string[],
  abortSignal: AbortSignal,
  extra: readonly Filter[] = [],
): Promise<Instance[]> {
  return describeFiltered(client, paginateDescribeInstances, {
    filterName,
    values,
    itemsOf: (page) =>
      (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []),
    extraFilters: extra,
    abortSignal,
  });
}

/**
 * The volumes whose `filterName` is one of `values`, every page, 200 values a call.
 * @throws the SDK's error unwrapped: the caller knows whom the listing was for.
 * @internal
 */
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

/** Resources by their `PCFName` tag value; untagged ones are left out. @internal */
export function groupByPcfName<T extends { readonly Tags?: Tag[] | undefined }>(
  items: readonly T[],
): Map<string, T[]> {
  const byName = new Map<string, T[]>();
  for (const item of items) {
    const name = tagsFromList(item.Tags)[PCF_NAME_TAG];
    if (name !== undefined) byName.set(name, [...(byName.get(name) ?? []), item]);
  }
  return byName;
}
