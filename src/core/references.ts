import { isPlainObject, readPath } from "./values.js";
import { PcfError } from "./errors.js";
import { FORBIDDEN_KEYS } from "./limits.js";

/** A `$inherit$flavor:name$dot.path` value: copy `path` from the parent's current definition. */
export interface InheritReference {
  /** Where the reference sits in the child's provider block (dot path). */
  readonly at: string;
  /** The parent's id, `flavor:pcf_name`. */
  readonly parentId: string;
  /** Dot path into the parent's current definition. */
  readonly sourcePath: string;
}

const INHERIT_PREFIX = "$inherit$";
const LOOKUP_PREFIX = "$lookup$";

/**
 * Parses one `$inherit$flavor:name$path` string; anything else gives `undefined`, as does a path
 * with a `__proto__`, `constructor` or `prototype` segment.
 */
export function parseInherit(value: unknown): Omit<InheritReference, "at"> | undefined {
  if (typeof value !== "string" || !value.startsWith(INHERIT_PREFIX)) return undefined;
  const rest = value.slice(INHERIT_PREFIX.length);
  const separator = rest.indexOf("$");
  if (separator <= 0 || separator === rest.length - 1) return undefined;
  const parentId = rest.slice(0, separator);
  if (!parentId.includes(":")) return undefined;
  const sourcePath = rest.slice(separator + 1);
  // A path through __proto__ or constructor would read the runtime, not the parent's definition.
  if (sourcePath.split(/[.>]/).some((segment) => FORBIDDEN_KEYS.has(segment))) return undefined;
  return { parentId, sourcePath };
}

/** True for strings that look like an inherit reference, well formed or not. */
export function isInheritLike(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(INHERIT_PREFIX);
}

/** True for an `$inherit$` or `$lookup$` string: a value known only at run time. */
export function isReference(value: unknown): value is string {
  return (
    typeof value === "string" &&
    (value.startsWith(INHERIT_PREFIX) || value.startsWith(LOOKUP_PREFIX))
  );
}

/** Every `$inherit$` reference inside `definition`, with where it sits. Malformed ones are reported by validation. */
export function findInheritReferences(definition: unknown): InheritReference[] {
  const found: InheritReference[] = [];
  visitStrings(definition, "", (value, at) => {
    const reference = parseInherit(value);
    if (reference !== undefined) found.push({ at, ...reference });
  });
  return found;
}

/** A `$lookup$kind$names` value: a provider finds an id by name (`$lookup$ami$my-image`). */
export interface LookupReference {
  readonly kind: string;
  readonly names: string;
}

/** Parses one `$lookup$kind$names` string; anything else gives `undefined`. */
export function parseLookup(value: unknown): LookupReference | undefined {
  if (typeof value !== "string" || !value.startsWith(LOOKUP_PREFIX)) return undefined;
  const rest = value.slice(LOOKUP_PREFIX.length);
  const separator = rest.indexOf("$");
  if (separator <= 0) return undefined;
  return { kind: rest.slice(0, separator), names: rest.slice(separator + 1) };
}

/**
 * A copy of `definition` with every `$inherit$` value replaced by the value at its path in the
 * parent's current definition. Never mutates its input.
 * @throws PcfError `REFERENCE_UNRESOLVED` naming the reference when the parent or value is missing.
 */
export function resolveInherit(
  definition: Record<string, unknown>,
  currentDefinitionOf: (parentId: string) => Record<string, unknown> | undefined,
  particleId?: string,
): Record<string, unknown> {
  return mapStrings(definition, "", (value, at) => {
    const reference = parseInherit(value);
    if (reference === undefined) return value;
    const parent = currentDefinitionOf(reference.parentId);
    const resolved = parent === undefined ? undefined : readPath(parent, reference.sourcePath);
    if (resolved === undefined) {
      const why =
        parent === undefined
          ? `parent ${reference.parentId} has no current definition (is it running?)`
          : `parent ${reference.parentId} has no value at "${reference.sourcePath}"`;
      throw new PcfError("REFERENCE_UNRESOLVED", `cannot resolve ${value}: ${why}`, {
        particle: particleId,
        field: at,
      });
    }
    return resolved;
  }) as Record<string, unknown>;
}

function mapStrings(
  value: unknown,
  at: string,
  replace: (text: string, at: string) => unknown,
): unknown {
  if (typeof value === "string") return replace(value, at);
  if (Array.isArray(value))
    return value.map((item, index) => mapStrings(item, join(at, String(index)), replace));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapStrings(item, join(at, key), replace)]),
    );
  }
  return value;
}

function visitStrings(value: unknown, at: string, visit: (text: string, at: string) => void): void {
  mapStrings(value, at, (text, where) => {
    visit(text, where);
    return text;
  });
}

function join(base: string, key: string): string {
  return base === "" ? key : `${base}.${key}`;
}
