import * as z from "zod";
import type { DefinitionIssue } from "./errors.js";
import { escapeText, findUnsafeCharacter } from "./escape.js";
import { MAX_MULTIPLIER, MAX_NAME_LENGTH } from "./limits.js";
import { isInheritLike, isReference, parseInherit } from "./references.js";
import { DESIRED_STATES } from "./state.js";
import { keysAt } from "./schema-keys.js";
import { suggest } from "./suggest.js";
import { isPlainObject, readPath } from "./values.js";

const particleIdSchema = z
  .string()
  .regex(/^[^:\s]+:\S+$/, "expected a particle id flavor:pcf_name");

const callbackSchema = z.strictObject({
  function: z.union([
    z.string().min(1),
    z.custom<(...args: never[]) => unknown>(
      (value) => typeof value === "function",
      "expected a function",
    ),
  ]),
  kwargs: z.record(z.string(), z.unknown()).optional(),
});

/** The framework's own fields of a particle definition; the provider block is checked by the flavor. */
export const particleFieldsSchema = z.looseObject({
  /** The JSON Schema the file follows (`particle-cloud/schema.json`), for editors; ignored. */
  $schema: z.string().optional(),
  pcf_name: z
    .string()
    .min(1, "expected a non-empty name")
    .max(
      MAX_NAME_LENGTH,
      `longer than ${MAX_NAME_LENGTH} characters (the limit of an AWS tag value)`,
    )
    .check((context) => {
      const unsafe = findUnsafeCharacter(context.value);
      if (unsafe !== undefined)
        context.issues.push({
          code: "custom",
          input: context.value,
          message: `${unsafe.escaped} at character ${unsafe.index}: a name may hold no control character or lone surrogate`,
        });
    }),
  flavor: z.string().min(1, "expected a flavor"),
  desired_state: z.enum(DESIRED_STATES as [string, ...string[]]).optional(),
  parents: z.array(particleIdSchema).optional(),
  children: z.array(particleIdSchema).optional(),
  persist_on_termination: z.boolean().optional(),
  persist_on_update: z.boolean().optional(),
  callbacks: z.record(z.string(), callbackSchema).optional(),
  multiplier: z
    .int("expected a whole number")
    .min(1, "expected at least 1")
    .max(MAX_MULTIPLIER, `more than ${MAX_MULTIPLIER}, the limit per member`)
    .optional(),
  base_particle_config: z.string().min(1).optional(),
});

/** The fields of a quasiparticle definition, besides its members. */
export const quasiparticleFieldsSchema = particleFieldsSchema.extend({
  particles: z.array(z.unknown()).min(1, "expected at least one particle"),
  custom_config: z.record(z.string(), z.unknown()).optional(),
});

const FRAMEWORK_KEYS = new Set([
  ...Object.keys(particleFieldsSchema.shape),
  "particles",
  "custom_config",
]);

/** True for a definition with a `particles` list: a quasiparticle. */
export function isQuasiparticleDefinition(value: unknown): boolean {
  return isPlainObject(value) && "particles" in value;
}

/**
 * Checks the framework fields of one entry and the keys beside them: every key must be a
 * framework field or the flavor's resource block. With `"unknown flavor"` (the flavor did
 * not resolve, which is reported on its own) the other keys are not judged.
 */
export function checkFrameworkFields(
  entry: unknown,
  where: { file?: string | undefined; particle?: string | undefined },
  flavor: { readonly resourceKey: string | undefined } | "unknown flavor",
): DefinitionIssue[] {
  const schema = isQuasiparticleDefinition(entry)
    ? quasiparticleFieldsSchema
    : particleFieldsSchema;
  const parsed = schema.safeParse(entry);
  const issues = parsed.success ? [] : zodIssues(parsed.error, where, { schema });
  if (!isPlainObject(entry) || flavor === "unknown flavor") return issues;
  const { resourceKey } = flavor;
  const allowed = [...FRAMEWORK_KEYS, ...(resourceKey === undefined ? [] : [resourceKey])];
  for (const key of Object.keys(entry)) {
    if (allowed.includes(key)) continue;
    const hint =
      suggest(key, allowed) ||
      (resourceKey === undefined ? "" : ` (this flavor's parameters go in ${resourceKey})`);
    issues.push({ ...where, field: key, message: `unknown field${hint}` });
  }
  return issues;
}

/** What {@link resourceBlockIssues} needs to know about a flavor. */
export interface ResourceBlockRules {
  readonly uniqueKeys: readonly string[];
  readonly resourceKey: string | undefined;
  readonly definitionSchema: z.ZodType | undefined;
}

/**
 * Every problem with a definition's resource block that shows before any call: missing unique
 * keys, schema violations (except where an `$inherit$` / `$lookup$` reference will supply the value
 * at run time) and malformed `$inherit$` references.
 */
export function resourceBlockIssues(
  rules: ResourceBlockRules,
  definition: Record<string, unknown>,
  where: { file?: string | undefined; particle?: string | undefined },
): DefinitionIssue[] {
  const missingKeys = rules.uniqueKeys.filter((key) => {
    const value = readPath(definition, key);
    return value === undefined || value === null || value === "";
  });
  const issues: DefinitionIssue[] = missingKeys.map((field) => ({
    ...where,
    field,
    message: `unique key ${field} is required to find the resource`,
  }));
  if (rules.resourceKey === undefined) return issues;
  const block = definition[rules.resourceKey] ?? {};
  // The unique keys are inside the block: one issue says it all.
  if (!isPlainObject(block))
    return [{ ...where, field: rules.resourceKey, message: "expected an object" }];
  const parsed = rules.definitionSchema?.safeParse(block);
  if (parsed !== undefined && !parsed.success) {
    for (const issue of zodIssues(parsed.error, where, {
      prefix: rules.resourceKey,
      schema: rules.definitionSchema,
    })) {
      const at = issue.field ?? "";
      if (
        missingKeys.some((key) => key === at || key.startsWith(`${at}.`)) ||
        isReference(readPath(definition, at.replace(/\[(\d+)\]/g, ".$1")))
      )
        continue;
      issues.push(issue);
    }
  }
  visitMalformedInherits(block, rules.resourceKey, (at, value) =>
    issues.push({
      ...where,
      field: at,
      message: `malformed reference "${escapeText(value)}": expected $inherit$flavor:name$dot.path, the path without __proto__, constructor or prototype`,
    }),
  );
  return issues;
}

/**
 * Turns zod's issues into the framework's, each with its field path (`aws_resource.Tags[0].Key`).
 * Given the `schema` that failed, an unknown key gets a suggestion from the keys it accepts there.
 */
export function zodIssues(
  error: z.ZodError,
  where: { file?: string | undefined; particle?: string | undefined },
  options: {
    /** Prefixed to every path: the resource block's key (`aws_resource`). */
    readonly prefix?: string | undefined;
    /** The schema that failed, for suggestions on unknown keys. */
    readonly schema?: z.core.$ZodType | undefined;
  } = {},
): DefinitionIssue[] {
  return error.issues.map((issue) => ({
    ...where,
    field: formatPath(options.prefix === undefined ? issue.path : [options.prefix, ...issue.path]),
    message:
      issue.code === "unrecognized_keys"
        ? unknownKeysMessage(
            issue.keys,
            options.schema === undefined ? [] : keysAt(options.schema, issue.path),
          )
        : issue.message,
  }));
}

/** `unknown field VisibilityTimeot (did you mean VisibilityTimeout?)`, each key with its hint. */
function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  return `unknown field ${keys.map((key) => `${key}${suggest(key, known)}`).join(", ")}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === "number"
        ? `${text}[${key}]`
        : text === ""
          ? String(key)
          : `${text}.${String(key)}`,
    "",
  );
}

function visitMalformedInherits(
  value: unknown,
  at: string,
  report: (at: string, value: string) => void,
): void {
  if (isInheritLike(value)) {
    if (parseInherit(value) === undefined) report(at, value);
  } else if (Array.isArray(value))
    value.forEach((item, index) => visitMalformedInherits(item, `${at}[${index}]`, report));
  else if (isPlainObject(value))
    for (const [key, item] of Object.entries(value))
      visitMalformedInherits(item, `${at}.${key}`, report);
}
