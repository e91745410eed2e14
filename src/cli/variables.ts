import { DefinitionError, suggest, type DefinitionIssue } from "../index.js";

const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

/**
 * Replaces `${key}` in every string value of parsed definitions by the `--var` value of `key`;
 * `$${key}` stays as the literal text `${key}`. Keys of objects are left alone. Returns a copy.
 * @throws DefinitionError naming the file, entry and field of every undefined variable.
 * @internal
 */
export function substituteVariables(
  source: unknown,
  variables: Readonly<Record<string, string>>,
  file: string,
): unknown {
  const issues: DefinitionIssue[] = [];
  const entries = Array.isArray(source) ? source : [source];
  const result = entries.map((entry, index) => {
    const particle = entryId(entry, index);
    return visit(entry, "", (text, path) =>
      text.replace(REFERENCE, (whole, escape: string, key: string) => {
        if (escape === "$") return whole.slice(1);
        const value = variables[key];
        if (value !== undefined) return value;
        issues.push({
          file,
          particle,
          field: path === "" ? undefined : path,
          message: `undefined variable "${key}": pass --var ${key}=VALUE, or write $\${${key}} for the text itself${suggest(key, Object.keys(variables))}`,
        });
        return whole;
      }),
    );
  });
  if (issues.length > 0) throw new DefinitionError(issues);
  return Array.isArray(source) ? result : result[0];
}

function visit(
  value: unknown,
  path: string,
  replace: (text: string, path: string) => string,
): unknown {
  if (typeof value === "string") return replace(value, path);
  if (Array.isArray(value))
    return value.map((item, index) => visit(item, `${path}[${index}]`, replace));
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        visit(item, path === "" ? key : `${path}.${key}`, replace),
      ]),
    );
  return value;
}

function entryId(entry: unknown, index: number): string {
  if (typeof entry !== "object" || entry === null) return `entry ${index}`;
  const { flavor, pcf_name: name } = entry as Record<string, unknown>;
  return typeof flavor === "string" && typeof name === "string"
    ? `${flavor}:${name}`
    : `entry ${index}`;
}
