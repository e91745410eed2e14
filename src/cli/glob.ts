/**
 * A glob as a regular expression matching the whole text: `*` any run of characters, `?` one
 * character, `[abc]` / `[!abc]` a class, `{a,b}` alternatives, `\` escapes the next character.
 * @internal
 */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${translate(glob)}$`, "s");
}

/** True when `glob` holds a wildcard, so a miss is not a plain typo of one name. @internal */
export function hasWildcard(glob: string): boolean {
  return /[*?[{]/.test(glob);
}

function translate(glob: string): string {
  let source = "";
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob.charAt(index);
    if (char === "*") source += ".*";
    else if (char === "?") source += ".";
    else if (char === "\\" && index + 1 < glob.length) {
      index += 1;
      source += escape(glob.charAt(index));
    } else if (char === "[") {
      const end = glob.indexOf("]", index + 2);
      if (end === -1) source += escape(char);
      else {
        const body = glob.slice(index + 1, end);
        const negated = body.startsWith("!") || body.startsWith("^");
        const members = (negated ? body.slice(1) : body).replace(/[\\\]^]/g, "\\$&");
        source += `[${negated ? "^" : ""}${members}]`;
        index = end;
      }
    } else if (char === "{") {
      const end = glob.indexOf("}", index + 1);
      if (end === -1) source += escape(char);
      else {
        const alternatives = glob.slice(index + 1, end).split(",");
        source += `(?:${alternatives.map((alternative) => translate(alternative)).join("|")})`;
        index = end;
      }
    } else source += escape(char);
  }
  return source;
}

function escape(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
