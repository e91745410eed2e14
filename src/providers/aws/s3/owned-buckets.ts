import {
  paginateGetResources,
  type ResourceGroupsTaggingAPIClient,
} from "@aws-sdk/client-resource-groups-tagging-api";
import type { TagMap } from "../../kit/tags.js";
import { OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE, tagsFromList } from "../tags.js";

/** `arn:aws:s3:::NAME` (any partition) → `NAME`. */
const BUCKET_ARN = /^arn:[^:]+:s3:::([^/]+)$/;

/**
 * The tags of every bucket in the region that carries the ownership tag, by bucket name, from
 * the Resource Groups Tagging API: one paged call for all of them, where GetBucketTagging costs
 * a call per bucket. `undefined` when the caller may not use that API (no `tag:GetResources`)
 * or it fails: the buckets' tags are then read one by one.
 *
 * The tagging index is eventually consistent, so only what it holds is trusted: a bucket it
 * lists carries the tag; one it does not list may be untagged or just created, and is read with
 * GetBucketTagging.
 */
export async function ownedBucketTags(
  client: ResourceGroupsTaggingAPIClient,
  signal: AbortSignal,
): Promise<ReadonlyMap<string, TagMap> | undefined> {
  const owned = new Map<string, TagMap>();
  const input = {
    ResourceTypeFilters: ["s3:bucket"],
    TagFilters: [{ Key: OWNERSHIP_TAG_KEY, Values: [OWNERSHIP_TAG_VALUE] }],
  };
  try {
    for await (const page of paginateGetResources({ client }, input, { abortSignal: signal }))
      for (const resource of page.ResourceTagMappingList ?? []) {
        const name = BUCKET_ARN.exec(resource.ResourceARN ?? "")?.[1];
        if (name !== undefined) owned.set(name, tagsFromList(resource.Tags));
      }
  } catch {
    signal.throwIfAborted();
    return undefined;
  }
  return owned;
}
