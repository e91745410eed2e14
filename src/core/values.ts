/** True for `{...}` values (not arrays, not null, not class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A deep copy of plain objects and arrays; functions and other values are kept by reference. */
export function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => copyPlain(item)) as T;
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, copyPlain(item)]),
    ) as T;
  }
  return value;
}

/**
 * Reads a nested value by path: segments separated by `.` or `>` (PCF's `get_attribute_value`
 * form), numeric segments index arrays. Missing paths give `undefined`; only own keys are read,
 * so `__proto__` or `constructor` never reach the runtime's objects.
 */
export function readPath(source: unknown, path: string): unknown {
  let value = source;
  for (const segment of path.split(/[.>]/)) {
    if (segment === "") continue;
    if (Array.isArray(value) && /^\d+$/.test(segment)) value = value[Number(segment)];
    else if (isPlainObject(value) && Object.hasOwn(value, segment)) value = value[segment];
    else return undefined;
  }
  return value;
}

/** `overlay` laid over `base`: plain objects merge key by key, anything else in `overlay` wins. */
export function mergeDeep(
  base: Record<string, unknown>,
  overlay: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = copyPlain(base);
  for (const [key, value] of Object.entries(overlay)) {
    const existing = Object.hasOwn(merged, key) ? merged[key] : undefined;
    // Defined, not assigned: assigning a "__proto__" key would replace the prototype.
    Object.defineProperty(merged, key, {
      value:
        isPlainObject(existing) && isPlainObject(value)
          ? mergeDeep(existing, value)
          : copyPlain(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged;
}

/** A copy of `source` with the value at dot path `path` replaced; missing paths are left alone. */
export function updatePath(
  source: Record<string, unknown>,
  path: string,
  update: (value: unknown) => unknown,
): Record<string, unknown> {
  const [head = "", ...rest] = path.split(".");
  if (!Object.hasOwn(source, head)) return source;
  const value = source[head];
  if (rest.length === 0) return { ...source, [head]: update(value) };
  return isPlainObject(value)
    ? { ...source, [head]: updatePath(value, rest.join("."), update) }
    : source;
}

/** A copy of `source` with `value` at dot path `path`, the objects on the way copied or made. */
export function setPath(
  source: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const [head = "", ...rest] = path.split(".");
  const inner = source[head];
  return {
    ...source,
    [head]:
      rest.length === 0 ? value : setPath(isPlainObject(inner) ? inner : {}, rest.join("."), value),
  };
}
