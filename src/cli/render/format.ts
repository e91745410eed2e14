/** Small text helpers shared by the renderers. @internal */

/** A duration for people: `0.4s`, `12.3s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

/** A definition value on one line: JSON, `(none)` when absent, cut to `max` characters. */
export function formatValue(value: unknown, max = 60): string {
  if (value === undefined) return "(none)";
  const text = (JSON.stringify(value) as string | undefined) ?? `(${typeof value})`;
  return truncate(text, max);
}

/** Cuts `text` to `max` characters, ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** Rows as columns padded to the widest cell; the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, [...cell].length);
    });
  return rows.map((row) =>
    row
      .map((cell, index) =>
        index === row.length - 1
          ? cell
          : cell + " ".repeat((widths[index] ?? 0) - [...cell].length + gap),
      )
      .join("")
      .trimEnd(),
  );
}

/** "1 particle" / "3 particles". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** How each particle outcome reads: `not-started` is "not started". */
export function outcomeLabel(outcome: string): string {
  return outcome.replace("-", " ");
}
