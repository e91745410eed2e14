import { isDeepStrictEqual } from "node:util";
import { isPlainObject } from "./values.js";

/** One field where the live resource differs from what the definition asks for. */
export interface DefinitionDifference {
  /** Dot path of the field inside the provider block, e.g. `Tags.Team` or `Attributes.VisibilityTimeout`. */
  readonly path: string;
  readonly desired: unknown;
  readonly current: unknown;
}

/**
 * The fields of `desired` whose values differ in `current`. Only keys the user wrote count, as in
 * PCF: a field the cloud adds (an ARN, a creation date) is never a difference. Objects are compared
 * key by key, arrays and scalars as whole values.
 */
export function diffDefinitions(
  desired: unknown,
  current: unknown,
  path = "",
): DefinitionDifference[] {
  if (isPlainObject(desired)) {
    if (!isPlainObject(current)) return [{ path: path || ".", desired, current }];
    return Object.entries(desired).flatMap(([key, value]) =>
      value === undefined
        ? []
        : diffDefinitions(value, current[key], path === "" ? key : `${path}.${key}`),
    );
  }
  return isDeepStrictEqual(desired, current) ? [] : [{ path: path || ".", desired, current }];
}
