// The JSON Schema of a definition file, generated from the code: the framework fields from
// core's zod schemas, and each built-in flavor's resource block, closed and typed, selected by
// the entry's `flavor`. It ships as schema/pcf.schema.json (`pcf schema` prints it).

import * as z from "zod";
import { BUILT_IN_FLAVORS } from "../../src/catalogue.js";
import { particleFieldsSchema, quasiparticleFieldsSchema } from "../../src/core/definition.js";
import type { JsonSchema } from "./json-schema-type.js";

/** Where the JSON Schema dialect is defined. */
const DIALECT = "https://json-schema.org/draft/2020-12/schema";

/** A value written as a reference, resolved at run time: accepted wherever a value goes. */
const REFERENCE_STRING = {
  type: "string",
  pattern: "^\\$(inherit|lookup)\\$",
  description: "An $inherit$ or $lookup$ reference, resolved at run time.",
};

type Schema = Record<string, unknown>;

function toJsonSchema(schema: z.ZodType): Schema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    override: (context) => {
      // A callback function can be given in code only; in a file it is "./module.js#export".
      if (context.zodSchema._zod.def.type === "custom") context.jsonSchema.not = {};
    },
  }) as Schema;
  return rest;
}

/**
 * A resource block's schema as an editor should check it: only the fields the flavor declares
 * (a typo is flagged; the flavor itself passes unknown API parameters through at run time), and
 * each field may also be an `$inherit$` / `$lookup$` reference.
 */
function closedBlock(schema: z.ZodType): Schema {
  const block = toJsonSchema(schema) as Schema & { properties?: Record<string, JsonSchema> };
  if (block.properties === undefined) return block;
  const properties = Object.fromEntries(
    Object.entries(block.properties).map(([name, property]) => [
      name,
      { anyOf: [property, REFERENCE_STRING] },
    ]),
  );
  return { ...block, properties, additionalProperties: false };
}

/**
 * A block's own definitions (zod writes a schema used twice once, under `$defs`) moved to the
 * document's `$defs` under `<flavor>.<name>`, its references rewritten to match.
 */
function hoistDefinitions(
  flavor: string,
  block: Schema,
): { readonly block: Schema; readonly definitions: Schema } {
  const { $defs: own, ...rest } = block as Schema & { $defs?: Schema };
  if (own === undefined) return { block: rest, definitions: {} };
  const rewrite = (value: Schema): Schema =>
    JSON.parse(
      JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, `"#/$defs/${flavor}.$1"`),
    ) as Schema;
  return {
    block: rewrite(rest),
    definitions: Object.fromEntries(
      Object.entries(own).map(([name, definition]) => [
        `${flavor}.${name}`,
        rewrite(definition as Schema),
      ]),
    ),
  };
}

/** Each flavor's resource key and block schema, for the flavors that have one. */
async function flavorBlocks(): Promise<
  {
    readonly flavor: string;
    readonly resourceKey: string;
    readonly block: Schema;
    readonly definitions: Schema;
  }[]
> {
  const blocks = [];
  for (const [flavor, entry] of Object.entries(BUILT_IN_FLAVORS)) {
    const type = (await entry.load()) as unknown as Readonly<Record<string, unknown>>;
    const resourceKey = type["resourceKey"];
    const schema = type["definitionSchema"];
    if (typeof resourceKey === "string" && schema instanceof z.ZodType)
      blocks.push({ flavor, resourceKey, ...hoistDefinitions(flavor, closedBlock(schema)) });
  }
  return blocks;
}

/** The whole schema document. */
export async function definitionFileSchema(): Promise<Schema> {
  const particle = toJsonSchema(particleFieldsSchema);
  const quasiparticle = toJsonSchema(quasiparticleFieldsSchema);
  const blocks = await flavorBlocks();
  const byFlavor = blocks.map(({ flavor, resourceKey }) => ({
    if: { properties: { flavor: { const: flavor } }, required: ["flavor"] },
    then: { properties: { [resourceKey]: { $ref: `#/$defs/${flavor}` } } },
  }));
  const member = {
    ...particle,
    description: "A member of a quasiparticle: pcf_name defaults to the quasiparticle's.",
    required: (particle["required"] as string[] | undefined)?.filter((key) => key !== "pcf_name"),
    allOf: byFlavor,
  };
  const quasiProperties = quasiparticle["properties"] as Record<string, Schema>;
  return {
    $schema: DIALECT,
    title: "particle-cloud definition file",
    description:
      "One particle or quasiparticle definition, or a list of them (PCF's format). Entries with a particles list are quasiparticles. Each built-in flavor's resource block is checked against the fields it declares.",
    anyOf: [{ $ref: "#/$defs/entry" }, { type: "array", items: { $ref: "#/$defs/entry" } }],
    $defs: {
      entry: {
        if: { type: "object", required: ["particles"] },
        then: { $ref: "#/$defs/quasiparticle" },
        else: { $ref: "#/$defs/particle" },
      },
      particle: {
        ...particle,
        description: "A particle: one resource with a lifecycle.",
        allOf: byFlavor,
      },
      quasiparticle: {
        ...quasiparticle,
        description: "A quasiparticle: a named group of particles applied as one.",
        properties: {
          ...quasiProperties,
          particles: { ...quasiProperties["particles"], items: { $ref: "#/$defs/member" } },
        },
      },
      member,
      ...Object.fromEntries(blocks.map(({ flavor, block }) => [flavor, block])),
      ...Object.assign({}, ...blocks.map(({ definitions }) => definitions)),
    },
  };
}
