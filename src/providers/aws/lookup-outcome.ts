/** What one lookup found: the value it names, or why there is none. @internal */
export type LookupOutcome = { readonly value: string | string[] } | { readonly problem: string };

/** The one distinct non-empty value in `values`, or a problem naming `what` was not found. @internal */
export function exactlyOne(values: readonly (string | undefined)[], what: string): LookupOutcome {
  const found = [
    ...new Set(values.filter((value): value is string => value !== undefined && value !== "")),
  ];
  if (found.length === 1 && found[0] !== undefined) return { value: found[0] };
  if (found.length === 0) return { problem: `no ${what}` };
  return {
    problem: `${found.length} matches for ${what} (${found.slice(0, 5).join(", ")}${found.length > 5 ? ", …" : ""}); expected exactly one`,
  };
}

/** `"a" or "b"`, for messages. @internal */
export function quoted(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(" or ");
}
