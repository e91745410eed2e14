import * as z from "zod";

/**
 * The keys that the object schema found at `path` inside `schema` accepts, looking through the
 * wrappers a definition schema uses (optional, nullable, default, pipe, union, array items, record
 * values); for a record keyed by an enum, the enum's values. Empty when the path leads to neither.
 * Used to suggest the key a typo meant.
 */
export function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  if (
    schema instanceof z.core.$ZodOptional ||
    schema instanceof z.core.$ZodNullable ||
    schema instanceof z.core.$ZodDefault
  )
    return keysAt(schema._zod.def.innerType, path);
  if (schema instanceof z.core.$ZodPipe) return keysAt(schema._zod.def.in, path);
  if (schema instanceof z.core.$ZodUnion)
    return [...new Set(schema._zod.def.options.flatMap((option) => keysAt(option, path)))];
  const [head, ...rest] = path;
  if (schema instanceof z.core.$ZodObject) {
    const shape = schema._zod.def.shape;
    if (head === undefined) return Object.keys(shape);
    const child = shape[String(head)];
    return child === undefined ? [] : keysAt(child, rest);
  }
  if (schema instanceof z.core.$ZodRecord) {
    // A record keyed by an enum (`z.partialRecord(z.enum(…), …)`) accepts the enum's values.
    if (head === undefined)
      return [...(schema._zod.def.keyType._zod.values ?? [])].filter(
        (value): value is string => typeof value === "string",
      );
    return keysAt(schema._zod.def.valueType, rest);
  }
  if (head === undefined) return [];
  if (schema instanceof z.core.$ZodArray) return keysAt(schema._zod.def.element, rest);
  return [];
}
