import { z } from "zod";

/** The key of the tag particle-cloud puts on every resource it creates. */
export const OWNERSHIP_TAG_KEY = "pcf:managed-by";
/** The value of the ownership tag. */
export const OWNERSHIP_TAG_VALUE = "particle-cloud";
/** The EC2 tag that holds a particle's `custom_config.instance_name` (PCF's name for it). */
export const PCF_NAME_TAG = "PCFName";

/** Tags as PCF definitions write them: a map of key to value. */
export type TagMap = Readonly<Record<string, string>>;

/** One tag as the AWS APIs list them. */
export interface TagEntry {
  readonly Key: string;
  readonly Value: string;
}

/**
 * A tag map in a definition. Values may be written as numbers or booleans (YAML `version: 2`);
 * they are sent and compared as strings.
 */
export const tagMapSchema = z.record(
  z.string().min(1).max(128),
  z.union([z.string().max(256), z.number(), z.boolean()]),
);

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

/** `tags` plus the ownership tag: what a created resource carries. */
export function withOwnershipTag(tags: TagMap = {}): Record<string, string> {
  return { ...tags, [OWNERSHIP_TAG_KEY]: OWNERSHIP_TAG_VALUE };
}

/** True when the live tags say particle-cloud created the resource. */
export function hasOwnershipTag(tags: TagMap): boolean {
  return tags[OWNERSHIP_TAG_KEY] === OWNERSHIP_TAG_VALUE;
}

/**
 * Tags in the form flavors compare them: values as strings, the ownership tag included, AWS's own
 * `aws:` tags left out, as a list sorted by key. Lists compare whole, so a tag added or removed
 * behind the framework's back is a difference too: a definition's tags are the resource's whole set.
 */
export function comparableTags(
  tags: Readonly<Record<string, string | number | boolean>>,
): TagEntry[] {
  const own = Object.entries(normalizeTags(tags)).filter(([key]) => !key.startsWith("aws:"));
  return tagsToList(withOwnershipTag(Object.fromEntries(own)));
}

/** What to send to make `current` tags equal `desired` (plus the ownership tag, which is never removed). */
export interface TagChanges {
  /** Tags to add or overwrite. */
  readonly set: Record<string, string>;
  /** Keys to remove. */
  readonly remove: string[];
}

/**
 * The changes that turn `current` into `desired` plus the ownership tag. A definition's tags are
 * the whole set: keys it does not list are removed, except the ownership tag.
 */
export function tagChanges(current: TagMap, desired: TagMap): TagChanges {
  const target = withOwnershipTag(desired);
  const set = Object.fromEntries(
    Object.entries(target).filter(([key, value]) => current[key] !== value),
  );
  const remove = Object.keys(current).filter((key) => !(key in target) && !key.startsWith("aws:"));
  return { set, remove };
}
