import type { ECSClient } from "@aws-sdk/client-ecs";
import { TagResourceCommand, UntagResourceCommand } from "@aws-sdk/client-ecs";
import * as z from "zod";
import { isPlainObject } from "../../../core/values.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { normalizeTags, tagMapSchema } from "../tags.js";

/**
 * ECS tags: the API lists them as `[{ key, value }]` (lower case, unlike most AWS APIs).
 * Definitions take that list (PCF's form) or a map.
 */

/** One tag as ECS lists it. */
export interface EcsTag {
  readonly key: string;
  readonly value: string;
}

/** `tags` in an ECS definition: `[{ key, value }]` or a map; values may be numbers or booleans. */
export const ecsTagInputSchema = z.union([
  tagMapSchema,
  z.array(
    z.strictObject({
      key: z.string().min(1).max(128),
      value: z.union([z.string().max(256), z.number(), z.boolean()]),
    }),
  ),
]);

/**
 * Written or listed ECS tags (a `{ key, value }` list or a map) as a map of strings; `undefined`
 * when `value` is neither. Tolerant: entries that are not a tag with a scalar value are left out.
 */
export function ecsTagMapOf(value: unknown): Record<string, string> | undefined {
  if (Array.isArray(value)) {
    const tags: Record<string, string | number | boolean> = {};
    for (const entry of value as unknown[])
      if (isPlainObject(entry) && typeof entry["key"] === "string") {
        const tagValue = entry["value"] ?? "";
        if (["string", "number", "boolean"].includes(typeof tagValue))
          tags[entry["key"]] = tagValue as string | number | boolean;
      }
    return normalizeTags(tags);
  }
  if (!isPlainObject(value)) return undefined;
  const scalars = Object.entries(value).filter(
    (entry): entry is [string, string | number | boolean] =>
      ["string", "number", "boolean"].includes(typeof entry[1]),
  );
  return normalizeTags(Object.fromEntries(scalars));
}

/** `{ a: "1" }` → `[{ key: "a", value: "1" }]`, sorted by key. */
export function ecsTagList(tags: TagMap): EcsTag[] {
  return Object.keys(tags)
    .sort()
    .map((key) => ({ key, value: tags[key] ?? "" }));
}

/** Sends `changes` to the ECS resource `resourceArn`: UntagResource, then TagResource. */
export async function writeEcsTags(
  client: ECSClient,
  resourceArn: string | undefined,
  { set, remove }: TagChanges,
  signal: AbortSignal,
): Promise<void> {
  if (remove.length > 0)
    await client.send(new UntagResourceCommand({ resourceArn, tagKeys: remove }), {
      abortSignal: signal,
    });
  if (Object.keys(set).length > 0)
    await client.send(new TagResourceCommand({ resourceArn, tags: ecsTagList(set) }), {
      abortSignal: signal,
    });
}
