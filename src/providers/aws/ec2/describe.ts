import {
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type Filter,
  type Instance,
  type Tag,
  type Volume,
} from "@aws-sdk/client-ec2";
import { createHash, randomUUID } from "node:crypto";
import { wrapAwsError } from "../errors.js";
import { PCF_NAME_TAG, tagsFromList } from "../tags.js";

// How the EC2 flavors find their resources: one filtered Describe call for many particles, and
// the client tokens of their creates.

/** Every instance state but `terminated`: where a read looks for live instances. @internal */
export const LIVE_INSTANCE_STATES: Filter = {
  Name: "instance-state-name",
  Values: ["pending", "running", "shutting-down", "stopping", "stopped"],
};

/** AWS takes at most 200 values in one filter. */
const FILTER_VALUES_MAX = 200;

/** What a describe call is for, in errors: the particles asking. @internal */
export interface DescribeScope {
  readonly abortSignal: AbortSignal;
  /** The ids of the particles asking (`ec2_instance:web, …`). */
  readonly particles: string;
}

/**
 * The instances whose `filterName` is one of `values`, every page, 200 values a call. `extra`
 * filters (e.g. {@link LIVE_INSTANCE_STATES}) apply to every call.
 * @throws PcfError wrapping the SDK error.
 * @internal
 */
export function describeInstances(
  client: EC2Client,
  filterName: string,
  values: readonly string[],
  scope: DescribeScope,
  extra: readonly Filter[] = [],
): Promise<Instance[]> {
  return describeAll(
    filterName,
    values,
    scope,
    async (Filters, NextToken) => {
      const page = await client.send(new DescribeInstancesCommand({ Filters, NextToken }), {
        abortSignal: scope.abortSignal,
      });
      const items = (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
      return { items, next: page.NextToken };
    },
    extra,
  );
}

/**
 * The volumes whose `filterName` is one of `values`, every page, 200 values a call.
 * @throws PcfError wrapping the SDK error.
 * @internal
 */
export function describeVolumes(
  client: EC2Client,
  filterName: string,
  values: readonly string[],
  scope: DescribeScope,
): Promise<Volume[]> {
  return describeAll(filterName, values, scope, async (Filters, NextToken) => {
    const page = await client.send(new DescribeVolumesCommand({ Filters, NextToken }), {
      abortSignal: scope.abortSignal,
    });
    return { items: page.Volumes ?? [], next: page.NextToken };
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

/**
 * A create's client token (at most 64 characters): the particle id's digest and a random nonce,
 * so it is unique per create, not per particle: AWS answers a reused token with the resource it
 * first made, even one since deleted, which would make a re-create a no-op. @internal
 */
export function clientToken(particleId: string): string {
  const digest = createHash("sha256").update(particleId).digest("hex").slice(0, 16);
  return `${digest}-${randomUUID()}`;
}

async function describeAll<T>(
  filterName: string,
  values: readonly string[],
  scope: DescribeScope,
  fetchPage: (
    filters: Filter[],
    token: string | undefined,
  ) => Promise<{ items: T[]; next: string | undefined }>,
  extra: readonly Filter[] = [],
): Promise<T[]> {
  const chunks: string[][] = [];
  for (let start = 0; start < values.length; start += FILTER_VALUES_MAX)
    chunks.push(values.slice(start, start + FILTER_VALUES_MAX));
  try {
    const results = await Promise.all(
      chunks.map(async (chunk) => {
        const found: T[] = [];
        let token: string | undefined;
        do {
          const page = await fetchPage([{ Name: filterName, Values: chunk }, ...extra], token);
          found.push(...page.items);
          token = page.next;
        } while (token !== undefined && token !== "");
        return found;
      }),
    );
    return results.flat();
  } catch (error) {
    throw wrapAwsError(error, scope.particles, `describe by ${filterName}`);
  }
}
