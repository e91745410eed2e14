import { CreateTagsCommand, DeleteTagsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { sendTagChanges, tagsToList, type TagChanges, type TagMap } from "./tags.js";

/**
 * Brings the tags of the EC2 resource `resourceId` from `current` to `desired` plus the ownership
 * tag: DeleteTags for keys the definition does not list (never the ownership tag or `aws:` tags),
 * CreateTags for the rest. Sends nothing when they already match.
 * @internal
 */
export function updateEc2Tags(
  client: EC2Client,
  resourceId: string,
  tags: { readonly current: TagMap; readonly desired: TagMap },
  abortSignal: AbortSignal,
): Promise<void> {
  return sendTagChanges(tags.current, tags.desired, {
    untag: (keys) =>
      client.send(
        new DeleteTagsCommand({ Resources: [resourceId], Tags: keys.map((Key) => ({ Key })) }),
        { abortSignal },
      ),
    tag: (set) =>
      client.send(new CreateTagsCommand({ Resources: [resourceId], Tags: tagsToList(set) }), {
        abortSignal,
      }),
  });
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
