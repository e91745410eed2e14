import { CreateTagsCommand, DeleteTagsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { readPath } from "../../core/values.js";
import type { OperationErrors } from "../kit/facts.js";
import { tagMapOf, tagsToList, type TagChanges, type TagMap } from "./tags.js";

/**
 * Sends `changes` to the tags of the EC2 resource `resourceId`: DeleteTags for the keys to
 * remove, then CreateTags for the rest; nothing for an empty side.
 * @internal
 */
export async function writeEc2Tags(
  client: EC2Client,
  resourceId: string,
  { set, remove }: TagChanges,
  abortSignal: AbortSignal,
): Promise<void> {
  const Resources = [resourceId];
  if (remove.length > 0)
    await client.send(new DeleteTagsCommand({ Resources, Tags: remove.map((Key) => ({ Key })) }), {
      abortSignal,
    });
  if (Object.keys(set).length > 0)
    await client.send(new CreateTagsCommand({ Resources, Tags: tagsToList(set) }), {
      abortSignal,
    });
}

/**
 * The tags an EC2 definition lists in `custom_config.Tags` (a map or PCF's `{ Key, Value }`
 * list) plus `extra` (its `PCFName`); `undefined` when it lists none: its tags are then neither
 * compared nor changed.
 * @internal
 */
export function writtenEc2Tags(
  definition: Readonly<Record<string, unknown>>,
  extra: TagMap = {},
): TagMap | undefined {
  const tags = readPath(definition, "custom_config.Tags");
  return tags === undefined ? undefined : { ...tagMapOf(tags), ...extra };
}

/**
 * The codes by which EC2's tagging calls say a resource is gone: `notFound`, its own kind's
 * (`InvalidVpcID.NotFound`), or `InvalidID`. @internal
 */
export function ec2TagErrors(notFound: string): OperationErrors {
  const gone = { notFound: [notFound, "InvalidID"] };
  return { CreateTags: gone, DeleteTags: gone };
}
