/**
 * Tags as every provider's kit sees them: a map of strings, one of whose entries is the
 * provider's ownership tag (AWS `pcf:managed-by=particle-cloud`).
 */

/** A resource's tags, by key. */
export type TagMap = Readonly<Record<string, string>>;

/** What to send to make a resource's tags equal a definition's set. */
export interface TagChanges {
  /** Tags to add or overwrite. */
  readonly set: Record<string, string>;
  /** Keys to remove. */
  readonly remove: string[];
}

/**
 * The changes that turn `current` into `desired` plus `ownership`. A definition's tags are the
 * whole set: keys it does not list are removed, except the ownership tag and the cloud's own
 * (`aws:` keys, which no caller may write).
 */
export function tagChanges(current: TagMap, desired: TagMap, ownership: TagMap): TagChanges {
  const target = { ...desired, ...ownership };
  const set = Object.fromEntries(
    Object.entries(target).filter(([key, value]) => current[key] !== value),
  );
  const remove = Object.keys(current).filter((key) => !(key in target) && !key.startsWith("aws:"));
  return { set, remove };
}

/** True when `changes` sends nothing. */
export function hasNoTagChanges(changes: TagChanges): boolean {
  return changes.remove.length === 0 && Object.keys(changes.set).length === 0;
}

/** True when `tags` carry every entry of `ownership`. */
export function isOwnedBy(tags: TagMap, ownership: TagMap): boolean {
  return Object.entries(ownership).every(([key, value]) => tags[key] === value);
}

/**
 * The tags a definition writes, as a map of strings: a map (`{ team: "web" }`) or a list of
 * `{ Key, Value }` entries (the form several AWS APIs take). `undefined` when `value` is neither
 * (the definition writes no tags).
 */
export function writtenTags(value: unknown): Record<string, string> | undefined {
  const entries: unknown[][] | undefined = Array.isArray(value)
    ? value.map((entry: unknown) =>
        typeof entry === "object" && entry !== null
          ? [(entry as Record<string, unknown>)["Key"], (entry as Record<string, unknown>)["Value"]]
          : [],
      )
    : typeof value === "object" && value !== null
      ? Object.entries(value)
      : undefined;
  if (entries === undefined) return undefined;
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of entries)
    if (typeof key === "string" && ["string", "number", "boolean"].includes(typeof tagValue))
      tags[key] = String(tagValue);
  return tags;
}
