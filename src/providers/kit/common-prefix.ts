/**
 * The longest prefix `names` all start with (`""` for none, or no names): the narrowest
 * name-prefix filter of a listing that must find every one of them (SQS queues, log groups,
 * Blob containers, Cloud Storage buckets).
 * @internal
 */
export function commonPrefix(names: readonly string[]): string {
  const [first = "", ...rest] = names;
  let length = first.length;
  for (const name of rest) {
    while (length > 0 && !name.startsWith(first.slice(0, length))) length -= 1;
  }
  return first.slice(0, length);
}
