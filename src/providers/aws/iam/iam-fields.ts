import { z } from "zod";
import { isPlainObject } from "../../../core/values.js";
import { normalizeTags, tagMapSchema } from "../tags.js";

/** An IAM path: `/`, or segments between slashes (`/team/app/`), up to 512 characters. */
export const iamPathSchema = z
  .string()
  .max(512)
  .regex(/^\/(?:[\u0021-\u007e]+\/)?$/, "expected a path that starts and ends with /, like /team/");

/**
 * Tags of an IAM resource as a definition writes them: a map, or IAM's own list of
 * `{ Key, Value }` (the form PCF files pass to boto3). Values may be numbers or booleans; they are
 * sent and compared as strings.
 */
export const iamTagsSchema = z.union([
  tagMapSchema,
  z.array(
    z.strictObject({
      Key: z.string().min(1).max(128),
      Value: z.union([z.string().max(256), z.number(), z.boolean()]),
    }),
  ),
]);

/** Tags in a definition: a map or a `{ Key, Value }` list. */
export type IamTags = z.infer<typeof iamTagsSchema>;

/**
 * Tags as a map of strings, from either written form. Tolerant: it also reads unvalidated
 * definitions, where anything that is not a tag is left out.
 */
export function iamTagMap(tags: unknown): Record<string, string> {
  const entries = Array.isArray(tags)
    ? tags.flatMap((entry: unknown) =>
        isPlainObject(entry) && typeof entry["Key"] === "string"
          ? [[entry["Key"], entry["Value"]] as const]
          : [],
      )
    : Object.entries(isPlainObject(tags) ? tags : {});
  const scalars = entries.filter((entry): entry is readonly [string, string | number | boolean] =>
    ["string", "number", "boolean"].includes(typeof entry[1]),
  );
  return normalizeTags(Object.fromEntries(scalars));
}
