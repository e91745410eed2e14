import * as z from "zod";
import { particleFieldsSchema, quasiparticleFieldsSchema } from "../../index.js";

/** Where the JSON Schema dialect is defined. */
const DIALECT = "https://json-schema.org/draft/2020-12/schema";

/**
 * `pcf schema`: the JSON Schema of a definition file (one particle or quasiparticle, or a list
 * of them), from the library's zod schemas as users write them (`io: "input"`). Provider blocks
 * (`aws_resource`, `local_resource`, …) are left open: each flavor checks its own.
 * @internal
 */
export function schemaCommand(): Promise<number> {
  process.stdout.write(`${JSON.stringify(definitionFileSchema(), null, 2)}\n`);
  return Promise.resolve(0);
}

/** The schema document. @internal */
export function definitionFileSchema(): Record<string, unknown> {
  const particle = toJsonSchema(particleFieldsSchema);
  const quasiparticle = toJsonSchema(quasiparticleFieldsSchema);
  const member = {
    ...particle,
    description: "A member of a quasiparticle: pcf_name defaults to the quasiparticle's.",
    required: (particle["required"] as string[] | undefined)?.filter((key) => key !== "pcf_name"),
  };
  const quasiProperties = quasiparticle["properties"] as Record<string, Record<string, unknown>>;
  return {
    $schema: DIALECT,
    title: "particle-cloud definition file",
    description:
      "One particle or quasiparticle definition, or a list of them (PCF's format). Entries with a particles list are quasiparticles.",
    anyOf: [{ $ref: "#/$defs/entry" }, { type: "array", items: { $ref: "#/$defs/entry" } }],
    $defs: {
      entry: {
        if: { type: "object", required: ["particles"] },
        then: { $ref: "#/$defs/quasiparticle" },
        else: { $ref: "#/$defs/particle" },
      },
      particle: { ...particle, description: "A particle: one resource with a lifecycle." },
      quasiparticle: {
        ...quasiparticle,
        description: "A quasiparticle: a named group of particles applied as one.",
        properties: {
          ...quasiProperties,
          particles: { ...quasiProperties["particles"], items: { $ref: "#/$defs/member" } },
        },
      },
      member,
    },
  };
}

function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    override: (context) => {
      // A callback function can be given in code only; in a file it is "./module.js#export".
      if (context.zodSchema._zod.def.type === "custom") context.jsonSchema.not = {};
    },
  }) as Record<string, unknown>;
  return rest;
}
