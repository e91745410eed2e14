// What the reference shows of each built-in flavor, gathered from the code: the catalogue gives
// each flavor's module and class, the class its facts and schema, the module its TSDoc.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { BUILT_IN_FLAVORS } from "../../src/catalogue.js";
import type { JsonSchema } from "./json-schema-type.js";
import type { ConformanceSummary, FlavorFacts, FlavorReference } from "./render.js";
import { sourceDocsOf } from "./source-docs.js";

const ROOT = new URL("../../", import.meta.url);
const CATALOGUE = new URL("src/catalogue.ts", ROOT);

/** How each provider marks what it created. */
const OWNERSHIP_MARKERS: Readonly<Record<string, string>> = {
  aws: "the `pcf:managed-by=particle-cloud` tag",
  azure: "the `pcf_managed_by=particle_cloud` metadata entry",
  gcp: "the `pcf-managed-by: particle-cloud` label",
};

/** A catalogue entry's literal import: `flavor: { provider, load: … import("./x.js")).Class }`. */
const ENTRY =
  /\n {2}(\w+): \{\s*provider: "(\w+)",\s*load: async \(\) =>\s*\(await import\("\.\/([^"]+)\.js"\)\)\.(\w+),/g;

/** Each flavor's module (relative to the repository) and class name, from the catalogue's source. */
function modulesOf(): ReadonlyMap<string, { readonly file: string; readonly className: string }> {
  const modules = new Map<string, { file: string; className: string }>();
  for (const match of readFileSync(CATALOGUE, "utf8").matchAll(ENTRY)) {
    const [, flavor = "", , path = "", className = ""] = match;
    modules.set(flavor, { file: `src/${path}.ts`, className });
  }
  return modules;
}

/** A class's static fields, as the reference reads them. */
type FlavorStatics = Readonly<Record<string, unknown>>;

function stringsOf(value: unknown): readonly string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function factsOf(type: FlavorStatics): FlavorFacts {
  const equivalent = type["equivalentStates"] as Readonly<Record<string, number>> | undefined;
  return {
    resourceKey: type["resourceKey"] as string | undefined,
    service: type["service"] as string | undefined,
    uniqueKeys: stringsOf(type["uniqueKeys"]),
    hasStoppedForm: equivalent === undefined || equivalent["stopped"] !== equivalent["terminated"],
    inPlaceFields: stringsOf(type["inPlaceFields"]),
    fixedFields: stringsOf(type["fixedFields"]),
    readShape: type["readShape"] as string | undefined,
    tagging: type["tagging"] as FlavorFacts["tagging"],
    actions: (type["actions"] ?? {}) as FlavorFacts["actions"],
    createOperation: type["createOperation"] as string | undefined,
  };
}

function schemaOf(type: FlavorStatics): JsonSchema | undefined {
  const schema = type["definitionSchema"];
  if (!(schema instanceof z.ZodType)) return undefined;
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

/**
 * Every built-in flavor's reference, in catalogue order. `conformanceOf` tells how the suite
 * verifies a flavor (the caller reads the test registry).
 */
export async function collectReferences(
  conformanceOf: (flavor: string) => ConformanceSummary | undefined,
): Promise<FlavorReference[]> {
  const modules = modulesOf();
  const references: FlavorReference[] = [];
  for (const [flavor, entry] of Object.entries(BUILT_IN_FLAVORS)) {
    const module = modules.get(flavor);
    if (module === undefined)
      throw new Error(`the catalogue's entry for ${flavor} is not a literal import`);
    const type = (await entry.load()) as unknown as FlavorStatics;
    references.push({
      flavor,
      provider: entry.provider,
      sourceFile: module.file,
      facts: factsOf(type),
      ownershipMarker: OWNERSHIP_MARKERS[entry.provider],
      schema: schemaOf(type),
      docs: sourceDocsOf(fileURLToPath(new URL(module.file, ROOT)), module.className),
      conformance: conformanceOf(flavor),
    });
  }
  return references;
}
