// A JSON Schema (as zod's toJSONSchema writes it) described in a few words for a reference table.

/** A JSON Schema node, as far as the reference reads it. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly items?: JsonSchema;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: JsonSchema | boolean;
  readonly required?: readonly string[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly description?: string;
}

/** `string`, `integer 1–20`, `"MUTABLE" \| "IMMUTABLE"`, `list of string`, `map of string`. */
export function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum !== undefined)
    return schema.enum.map((value) => JSON.stringify(value)).join(" \\| ");
  const union = schema.anyOf ?? schema.oneOf;
  if (union !== undefined) return [...new Set(union.map(typeOf))].join(" \\| ");
  const type = typeof schema.type === "string" ? schema.type : schema.type?.join(" \\| ");
  switch (type) {
    case "array":
      return schema.items === undefined ? "list" : `list of ${typeOf(schema.items)}`;
    case "object":
      if (schema.properties !== undefined) return "object";
      return typeof schema.additionalProperties === "object"
        ? `map of ${typeOf(schema.additionalProperties)}`
        : "object";
    case "integer":
    case "number":
      return `${type}${bounds(schema.minimum, schema.maximum)}`;
    case "string":
      return `string${bounds(schema.minLength, schema.maxLength, " chars")}`;
    case undefined:
      return "any";
    default:
      return type;
  }
}

function bounds(low: number | undefined, high: number | undefined, unit = ""): string {
  if (low === undefined && high === undefined) return "";
  if (high === undefined) return ` ≥ ${low}${unit}`;
  if (low === undefined) return ` ≤ ${high}${unit}`;
  return ` ${low}–${high}${unit}`;
}
