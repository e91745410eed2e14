import type { ResourceType, TagSpecification } from "@aws-sdk/client-ec2";
import * as z from "zod";
import { isPlainObject } from "../../core/values.js";
import { provenanceKeyList, type ProvenanceKeys } from "../kit/facts.js";
import { tagChanges as kitTagChanges, type TagChanges, type TagMap } from "../kit/tags.js";

export type { TagChanges, TagMap } from "../kit/tags.js";

/** The key of the tag particle-cloud puts on every resource it creates. */
export const OWNERSHIP_TAG_KEY = "pcf:managed-by";
/** The value of the ownership tag. */
export const OWNERSHIP_TAG_VALUE = "particle-cloud";
/** The ownership tag, as a map. */
export const OWNERSHIP_TAGS: TagMap = { [OWNERSHIP_TAG_KEY]: OWNERSHIP_TAG_VALUE };
/**
 * The provenance tags' keys (see the kit's `provenanceTags`): the field a resource was created by,
 * its particle (`flavor:pcf_name`) and its dependency depth. Written with the ownership tag, never
 * compared nor removed.
 */
export const PROVENANCE_KEYS: ProvenanceKeys = {
  field: "pcf:field",
  particle: "pcf:particle",
  depth: "pcf:depth",
};
const PROVENANCE_TAG_KEYS = provenanceKeyList(PROVENANCE_KEYS);
/** The EC2 tag that holds a particle's `custom_config.instance_name` (PCF's name for it). */
export const PCF_NAME_TAG = "PCFName";

/** One tag as the AWS APIs list them. */
export interface TagEntry {
  readonly Key: string;
  readonly Value: string;
}

const tagKeySchema = z.string().min(1).max(128);
const tagValueSchema = z.union([z.string().max(256), z.number(), z.boolean()]);

/**
 * A tag map in a definition. Values may be written as numbers or booleans (YAML `version: 2`);
 * they are sent and compared as strings.
 */
export const tagMapSchema = z.record(tagKeySchema, tagValueSchema);

/**
 * Tags in a definition that takes either form: a map (see {@link tagMapSchema}), or the AWS list
 * of `{ Key, Value }` that PCF files pass to boto3. Values may be numbers or booleans in both.
 * @internal
 */
export const tagInputSchema = z.union([
  tagMapSchema,
  z.array(z.strictObject({ Key: tagKeySchema, Value: tagValueSchema })),
]);

/** A written tag map with every value as a string. */
export function normalizeTags(
  tags: Readonly<Record<string, string | number | boolean>>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([key, value]) => [key, String(value)]));
}

/** `{ a: "1" }` → `[{ Key: "a", Value: "1" }]`, sorted by key. */
export function tagsToList(tags: TagMap): TagEntry[] {
  return Object.keys(tags)
    .sort()
    .map((key) => ({ Key: key, Value: tags[key] ?? "" }));
}

/** `[{ Key: "a", Value: "1" }]` → `{ a: "1" }`; entries without a key are dropped. */
export function tagsFromList(
  list:
    | readonly { readonly Key?: string | undefined; readonly Value?: string | undefined }[]
    | undefined,
): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const { Key, Value } of list ?? []) if (Key !== undefined) tags[Key] = Value ?? "";
  return tags;
}

/**
 * Written tags (a map or a `{ Key, Value }` list) as a map with string values. Tolerant: it also
 * reads unvalidated definitions, leaving out whatever is not a tag with a scalar value.
 * @internal
 */
export function tagMapOf(tags: unknown): Record<string, string> {
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

/**
 * `tags` plus the ownership tag and the particle's `provenance` tags (`AWSResource`'s
 * `provenanceTags`): what a created resource carries.
 */
export function withOwnershipTag(
  tags: TagMap | undefined,
  provenance: TagMap,
): Record<string, string> {
  return { ...tags, ...provenance, [OWNERSHIP_TAG_KEY]: OWNERSHIP_TAG_VALUE };
}

/** {@link withOwnershipTag} as a list sorted by key: the `Tags` of a create call. @internal */
export function ownedTagList(tags: TagMap | undefined, provenance: TagMap): TagEntry[] {
  return tagsToList(withOwnershipTag(tags, provenance));
}

/** `TagSpecifications` for an EC2 create call: `tags` plus the ownership tag, on `resourceType`. @internal */
export function tagSpecifications(
  resourceType: ResourceType,
  tags: TagMap,
  provenance: TagMap,
): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: ownedTagList(tags, provenance) }];
}

/** True when the live tags say particle-cloud created the resource. */
export function hasOwnershipTag(tags: TagMap): boolean {
  return tags[OWNERSHIP_TAG_KEY] === OWNERSHIP_TAG_VALUE;
}

/**
 * Tags in the form flavors compare them: values as strings, the ownership tag included, AWS's own
 * `aws:` tags and the provenance tags left out, as a list sorted by key. Lists compare whole, so a tag added or removed
 * behind the framework's back is a difference too: a definition's tags are the resource's whole set.
 */
export function comparableTags(
  tags: Readonly<Record<string, string | number | boolean>>,
): TagEntry[] {
  const own = Object.entries(normalizeTags(tags)).filter(
    ([key]) => !key.startsWith("aws:") && !PROVENANCE_TAG_KEYS.includes(key),
  );
  return tagsToList(withOwnershipTag(Object.fromEntries(own), {}));
}

/**
 * Written tags plus `extra` (a `PCFName` tag), as flavors compare them; `undefined` when `tags` is
 * not a valid {@link tagInputSchema} value (not written), so that no tags are compared.
 * @internal
 */
export function comparableTagInput(tags: unknown, extra: TagMap = {}): TagEntry[] | undefined {
  const parsed = tagInputSchema.safeParse(tags);
  return parsed.success ? comparableTags({ ...tagMapOf(parsed.data), ...extra }) : undefined;
}

/**
 * The changes that turn `current` into `desired` plus the ownership tag, which is never removed
 * (see the kit's `tagChanges`).
 */
export function tagChanges(current: TagMap, desired: TagMap): TagChanges {
  return kitTagChanges(current, desired, OWNERSHIP_TAGS);
}
