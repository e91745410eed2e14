import type { DefinitionIssue } from "./errors.js";
import { FORBIDDEN_KEYS, MAX_DEPTH } from "./limits.js";
import { isPlainObject } from "./values.js";

/**
 * Every problem with the shape of a definition that no schema can see: a prototype key
 * (`__proto__`, `constructor`, `prototype`) at any depth, a value that contains itself (a YAML
 * alias of its own anchor), and nesting deeper than {@link MAX_DEPTH}. Each names the field path.
 */
export function structureIssues(
  value: unknown,
  where: { readonly file?: string | undefined; readonly particle?: string | undefined },
): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  visit(value, "", new Set(), (field, message) => issues.push({ ...where, field, message }));
  return issues;
}

function visit(
  value: unknown,
  at: string,
  ancestors: Set<unknown>,
  report: (field: string, message: string) => void,
): void {
  const isList = Array.isArray(value);
  if (!isList && !isPlainObject(value)) return;
  if (ancestors.has(value))
    return report(at, "the value contains itself (a YAML alias of its own anchor)");
  if (ancestors.size >= MAX_DEPTH) return report(at, `nested more than ${MAX_DEPTH} levels deep`);
  ancestors.add(value);
  if (isList) value.forEach((item, index) => visit(item, `${at}[${index}]`, ancestors, report));
  else
    for (const [key, item] of Object.entries(value)) {
      const field = at === "" ? key : `${at}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) report(field, `"${key}" is not allowed as a key`);
      else visit(item, field, ancestors, report);
    }
  ancestors.delete(value);
}
