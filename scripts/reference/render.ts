// The reference page of one flavor, and the index of all of them, as Markdown, from what the
// code declares: the flavor's static facts, its zod schema, its TSDoc and its conformance spec.

import type { JsonSchema } from "./json-schema-type.js";
import { typeOf } from "./json-schema-type.js";
import type { SourceDocs } from "./source-docs.js";

/** What the reference knows of one flavor. */
export interface FlavorReference {
  readonly flavor: string;
  readonly provider: string;
  /** The module that defines it, relative to the repository (`src/providers/aws/s3/bucket.ts`). */
  readonly sourceFile: string;
  readonly facts: FlavorFacts;
  /** How the provider marks a resource as ours (`pcf:managed-by=particle-cloud` tag), if it does. */
  readonly ownershipMarker: string | undefined;
  /** The resource block's JSON Schema, as users write it. */
  readonly schema: JsonSchema | undefined;
  readonly docs: SourceDocs;
  /** How the conformance suite verifies it; `undefined` for flavors it does not cover. */
  readonly conformance: ConformanceSummary | undefined;
}

/** A flavor class's static facts, as the reference shows them. */
export interface FlavorFacts {
  readonly resourceKey: string | undefined;
  readonly service: string | undefined;
  readonly uniqueKeys: readonly string[];
  readonly hasStoppedForm: boolean;
  readonly inPlaceFields: readonly string[];
  readonly fixedFields: readonly string[];
  readonly readShape: string | undefined;
  readonly tagging:
    | { readonly field: string; readonly ownershipWritten: string; readonly readFrom: string }
    | undefined;
  readonly actions: Readonly<Record<string, readonly string[] | undefined>>;
  readonly createOperation: string | undefined;
}

/** A flavor's registration in the conformance suite. */
export interface ConformanceSummary {
  /** The server it runs against (`moto`, `Azurite`, `the GCP test server`). */
  readonly emulator: string;
  /** The provider page's notes on what that server cannot show (`../providers/aws.md#…`). */
  readonly notes: string | undefined;
  readonly knownGaps: readonly { readonly step: string; readonly reason: string }[];
}

const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  aws: "AWS",
  azure: "Azure",
  gcp: "GCP",
  local: "local",
  core: "core",
};

const READ_SHAPES: Readonly<Record<string, string>> = {
  "list-by-prefix": "one paged list per location over the names' common prefix",
  "list-all": "one paged list per location of everything, filtered by name",
  "describe-by-tag": "one describe per location filtered by the particles' name tags",
  "describe-by-key": "one describe per location naming every key at once",
  "get-each": "one get per particle (the API has no batch read)",
};

const TRANSITION_ORDER = ["read", "start", "stop", "update", "terminate"];

/** The Markdown page of one flavor. */
export function renderFlavorPage(reference: FlavorReference): string {
  const { flavor, facts } = reference;
  const provider = PROVIDER_NAMES[reference.provider] ?? reference.provider;
  const lines = [
    `<!-- Generated from the code by \`npm run docs:reference\`; edit the flavor, not this page. -->`,
    "",
    `# \`${flavor}\``,
    "",
    `${provider}${facts.service === undefined ? "" : ` · service \`${facts.service}\``} · defined in \`${reference.sourceFile}\``,
    "",
  ];
  if (reference.docs.summary !== undefined) lines.push(inline(reference.docs.summary), "");
  if (facts.resourceKey === undefined) {
    lines.push(
      "A quasiparticle: a group of particles applied as one (docs/concepts.md). Its members are particles of any flavor; it has no resource of its own.",
      "",
    );
    return `${lines.join("\n").trimEnd()}\n`;
  }
  lines.push(
    "| fact | value |",
    "| --- | --- |",
    `| resource block | ${code(facts.resourceKey)} |`,
    `| unique keys | ${list(facts.uniqueKeys)} |`,
    `| states | ${states(facts)} |`,
    `| updates in place | ${list(facts.inPlaceFields)} |`,
    `| fixed at creation (a change plans as replace) | ${list(facts.fixedFields)} |`,
    `| read | ${facts.readShape === undefined ? "—" : `\`${facts.readShape}\`: ${READ_SHAPES[facts.readShape] ?? ""}`} |`,
    `| ownership | ${ownership(facts, reference.ownershipMarker)} |`,
    `| create call | ${code(facts.createOperation || undefined)} |`,
    "",
  );
  lines.push(...fieldsSection(reference));
  lines.push(...actionsSection(facts));
  lines.push(...conformanceSection(reference.conformance));
  return `${lines.join("\n").trimEnd()}\n`;
}

/** The index page: every flavor with its provider, service and states. */
export function renderIndex(references: readonly FlavorReference[]): string {
  const lines = [
    `<!-- Generated from the code by \`npm run docs:reference\`. -->`,
    "",
    "# Flavor reference",
    "",
    "One page per built-in flavor, generated from its declared facts, schema and TSDoc (CI",
    "regenerates them and fails when they differ from the code).",
    "",
    "| flavor | provider | service | states | verified against |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const reference of references)
    lines.push(
      `| [\`${reference.flavor}\`](${reference.flavor}.md) | ${PROVIDER_NAMES[reference.provider] ?? reference.provider} | ${code(reference.facts.service)} | ${states(reference.facts)} | ${reference.conformance?.emulator ?? "its own tests"} |`,
    );
  return `${lines.join("\n")}\n`;
}

function fieldsSection(reference: FlavorReference): string[] {
  if (reference.schema === undefined) return [];
  const rows = fieldRows(reference.schema, "", reference.docs.fields, 0);
  if (rows.length === 0) return [];
  return [
    `## Fields of \`${reference.facts.resourceKey ?? "the definition"}\``,
    "",
    "| field | type | required | description |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ];
}

/** Deepest nesting of fields the table lists (`custom_config.Tags` is depth 1). */
const MAX_FIELD_DEPTH = 2;

function fieldRows(
  schema: JsonSchema,
  prefix: string,
  comments: ReadonlyMap<string, string>,
  depth: number,
): string[] {
  const properties = objectProperties(schema);
  if (properties === undefined) return [];
  const required = new Set(objectRequired(schema));
  return Object.entries(properties).flatMap(([name, property]) => {
    const path = `${prefix}${name}`;
    const comment = comments.get(path) ?? property.description ?? "";
    const withDefault =
      property.default === undefined || /default/i.test(comment)
        ? comment
        : `${comment} Default: \`${JSON.stringify(property.default)}\`.`.trim();
    const row = `| \`${path}\` | ${typeOf(property)} | ${required.has(name) ? "yes" : ""} | ${inline(withDefault)} |`;
    const nested =
      depth < MAX_FIELD_DEPTH ? fieldRows(property, `${path}.`, comments, depth + 1) : [];
    return [row, ...nested];
  });
}

/** The properties of an object schema, or of the object member of a union (`string | {…}`). */
function objectProperties(schema: JsonSchema): Readonly<Record<string, JsonSchema>> | undefined {
  if (schema.properties !== undefined) return schema.properties;
  const objects = (schema.anyOf ?? schema.oneOf ?? schema.allOf ?? []).filter(
    (member) => member.properties !== undefined,
  );
  return objects.length === 1 ? objects[0]?.properties : undefined;
}

function objectRequired(schema: JsonSchema): readonly string[] {
  if (schema.properties !== undefined) return schema.required ?? [];
  const objects = (schema.anyOf ?? schema.oneOf ?? schema.allOf ?? []).filter(
    (member) => member.properties !== undefined,
  );
  return objects.length === 1 ? (objects[0]?.required ?? []) : [];
}

function actionsSection(facts: FlavorFacts): string[] {
  const transitions = Object.keys(facts.actions).sort(
    (a, b) => TRANSITION_ORDER.indexOf(a) - TRANSITION_ORDER.indexOf(b),
  );
  if (transitions.length === 0) return [];
  return [
    "## Permissions",
    "",
    "The cloud API actions each transition calls, for a least-privilege policy.",
    "",
    "| transition | actions |",
    "| --- | --- |",
    ...transitions.map((name) => `| ${name} | ${list(facts.actions[name] ?? [])} |`),
    "",
  ];
}

function conformanceSection(conformance: ConformanceSummary | undefined): string[] {
  if (conformance === undefined) return [];
  const lines = ["## Verified", ""];
  if (conformance.knownGaps.length === 0)
    lines.push(`Passes every step of the conformance suite against ${conformance.emulator}.`);
  else {
    lines.push(
      `Passes the conformance suite against ${conformance.emulator}, except these steps (each asserted to still fail, so the day one closes the suite says so):`,
      "",
      ...conformance.knownGaps.map((gap) => `- \`${gap.step}\`: ${inline(gap.reason)}`),
    );
  }
  if (conformance.notes !== undefined)
    lines.push(
      "",
      `What ${conformance.emulator} cannot show, and what was reasoned from the provider's documentation instead: [the provider's notes](${conformance.notes}).`,
    );
  return [...lines, ""];
}

function states(facts: FlavorFacts): string {
  return facts.hasStoppedForm
    ? "running, stopped, terminated"
    : "running, terminated (no stopped form: stop terminates)";
}

function ownership(facts: FlavorFacts, marker: string | undefined): string {
  if (marker === undefined) return "—";
  if (facts.tagging === undefined)
    return "not recorded: the service keeps no tags, so a resource found under the unique key counts as ours";
  const written =
    facts.tagging.ownershipWritten === "in-create"
      ? "written by the create call"
      : "written right after the create (the API or its emulator drops tags at create)";
  const read =
    facts.tagging.readFrom === "list-answer"
      ? "read from the list answer"
      : "read by a call of their own";
  return `${marker} in \`${facts.tagging.field}\`, ${written}; tags ${read}`;
}

function list(values: readonly string[]): string {
  return values.length === 0 ? "—" : values.map((value) => `\`${value}\``).join(", ");
}

function code(value: string | undefined): string {
  return value === undefined ? "—" : `\`${value}\``;
}

/** TSDoc text fit for one table cell: links as code, pipes escaped, one line. */
function inline(text: string): string {
  return text
    .replace(/\{@link\s+([^}\s|]+)(?:[\s|]+([^}]+))?\}/g, (_, target: string, label?: string) =>
      label === undefined ? `\`${target}\`` : label,
    )
    .replace(/\|/g, "\\|")
    .replace(/\s+/g, " ")
    .trim();
}
