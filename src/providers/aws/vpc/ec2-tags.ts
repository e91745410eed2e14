import {
  CreateTagsCommand,
  DeleteTagsCommand,
  type EC2Client,
  type ResourceType,
  type TagSpecification,
} from "@aws-sdk/client-ec2";
import { z } from "zod";
import { isPlainObject } from "../../../core/values.js";
import {
  comparableTags,
  normalizeTags,
  tagChanges,
  tagMapSchema,
  tagsToList,
  withOwnershipTag,
  type TagEntry,
  type TagMap,
} from "../tags.js";

/**
 * EC2 tags as the VPC flavors' `custom_config.Tags` take them: PCF's list of `{ Key, Value }`, or
 * a map of key to value. Values may be numbers or booleans; they are sent as strings.
 * @internal
 */
export const ec2TagsSchema = z.union([
  tagMapSchema,
  z.array(
    z.strictObject({
      Key: z.string().min(1).max(128),
      Value: z.union([z.string().max(256), z.number(), z.boolean()]),
    }),
  ),
]);

/** Tags as written in a VPC flavor's definition. @internal */
export type Ec2Tags = z.infer<typeof ec2TagsSchema>;

/** Written tags (list or map) as a map with string values. @internal */
export function tagMapOf(tags: Ec2Tags | undefined): Record<string, string> {
  if (tags === undefined) return {};
  if (!Array.isArray(tags)) return normalizeTags(tags);
  return Object.fromEntries(tags.map(({ Key, Value }) => [Key, String(Value)]));
}

/**
 * The tags a definition's `custom_config.Tags` asks for, plus `extra` (the PCFName tag), as the
 * flavors compare them; `undefined` when the definition lists no tags, so none are compared.
 * @internal
 */
export function comparableEc2Tags(
  definition: Record<string, unknown>,
  extra: TagMap = {},
): TagEntry[] | undefined {
  const config = definition["custom_config"];
  const parsed = ec2TagsSchema.safeParse(isPlainObject(config) ? config["Tags"] : undefined);
  return parsed.success ? comparableTags({ ...tagMapOf(parsed.data), ...extra }) : undefined;
}

/** `TagSpecifications` for a create call: `tags` plus the ownership tag. @internal */
export function tagSpecifications(resourceType: ResourceType, tags: TagMap): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: tagsToList(withOwnershipTag(tags)) }];
}

/**
 * Brings the tags of `resourceId` from `current` to `desired` plus the ownership tag: DeleteTags
 * for keys the definition does not list (never the ownership tag or `aws:` tags), CreateTags for
 * the rest. Sends nothing when they already match.
 * @internal
 */
export async function updateEc2Tags(
  client: EC2Client,
  resourceId: string,
  tags: { readonly current: TagMap; readonly desired: TagMap },
  abortSignal: AbortSignal,
): Promise<void> {
  const { set, remove } = tagChanges(tags.current, tags.desired);
  if (remove.length > 0)
    await client.send(
      new DeleteTagsCommand({ Resources: [resourceId], Tags: remove.map((Key) => ({ Key })) }),
      { abortSignal },
    );
  if (Object.keys(set).length > 0)
    await client.send(new CreateTagsCommand({ Resources: [resourceId], Tags: tagsToList(set) }), {
      abortSignal,
    });
}
