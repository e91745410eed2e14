// Names and keys from a definition file end up in error messages and progress lines. A control
// character there can forge a line (CR, LF), rewrite the terminal (ANSI escapes) or cut a log
// (NUL); a lone surrogate cannot be encoded as UTF-8 at all. Both are shown as escapes instead.

/** Control characters (C0, DEL, C1), the Unicode line and paragraph separators, and lone surrogates. */
const UNSAFE = /[\p{Cc}\u2028\u2029\ud800-\udfff]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "gu");

const SHORT_ESCAPES: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * `text` with every control character, line separator and lone surrogate replaced by a visible
 * escape (`\n`, `\r`, `\t`, else `\u001b`), so it prints as one line and encodes as UTF-8.
 * Everything else, non-ASCII letters included, is kept. Escaping twice changes nothing more.
 */
export function escapeText(text: string): string {
  return text.replace(
    UNSAFE_ALL,
    (char) =>
      SHORT_ESCAPES[char] ?? `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The first character {@link escapeText} would escape, escaped, with its index; `undefined` when
 * `text` has none.
 */
export function findUnsafeCharacter(text: string): { escaped: string; index: number } | undefined {
  const match = UNSAFE.exec(text);
  return match === null ? undefined : { escaped: escapeText(match[0]), index: match.index };
}
