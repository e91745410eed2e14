/**
 * The longest prefix `names` all start with (`""` for none): the narrowest `prefix` of a
 * `buckets.list` that finds every one of them.
 * @internal
 */
export function namePrefix(names: readonly string[]): string {
  const [first = "", ...rest] = names;
  let length = first.length;
  for (const name of rest)
    while (length > 0 && !name.startsWith(first.slice(0, length))) length -= 1;
  return first.slice(0, length);
}
