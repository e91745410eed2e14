import { beforeAll, describe, expect, it } from "vitest";
import { BUILT_IN_FLAVORS, type ParticleClass } from "../../src/index.js";
import { areStatesEquivalent } from "../../src/core/state.js";
import { AWSResource } from "../../src/providers/aws/resource.js";
import type { FieldUpdaters } from "../../src/providers/kit/calls.js";
import { AWS_CONFORMANCE } from "./aws/index.js";

/** The statics a declared AWS flavor states as data. */
type DeclaredFlavor = ParticleClass & typeof AWSResource;

const READ_SHAPES = [
  "list-by-prefix",
  "list-all",
  "describe-by-tag",
  "describe-by-key",
  "get-each",
];
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9*]+$/;

/** In-place fields no definition writes: they follow from the particle's parents. */
const DERIVED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  // The instance a volume is attached to is its ec2_instance parent.
  ebs_volume: ["Attachments"],
};

const awsFlavors = Object.entries(BUILT_IN_FLAVORS)
  .filter(([, entry]) => entry.provider === "aws")
  .map(([flavor]) => flavor);

async function declared(flavor: string): Promise<DeclaredFlavor> {
  const type = await BUILT_IN_FLAVORS[flavor]?.load();
  if (type === undefined) throw new Error(`${flavor} is not in the catalogue`);
  return type as DeclaredFlavor;
}

/** What a particle of a declared flavor shows the test: its updaters and what it compares. */
interface DeclaredParticle {
  readonly updaters: FieldUpdaters<never, never, never>;
  readonly desiredStateDefinition: Record<string, unknown>;
  comparableDefinition(definition: Record<string, unknown>): Record<string, unknown>;
}

/** A particle of the flavor, built from its conformance definition. */
function particleOf(type: DeclaredFlavor): DeclaredParticle {
  const spec = AWS_CONFORMANCE.find((entry) => entry.flavor === type);
  if (spec === undefined) throw new Error(`${type.flavor} has no conformance spec`);
  const Flavor = type as ParticleClass;
  return new Flavor(spec.definition("facts")) as unknown as DeclaredParticle;
}

/** The top-level fields a difference can be in: the schema's, and the compared form's. */
function fieldNames(type: DeclaredFlavor): string[] {
  const shape = (type.definitionSchema as { shape?: Record<string, unknown> } | undefined)?.shape;
  if (shape === undefined) throw new Error(`${type.flavor}'s schema is not an object schema`);
  const particle = particleOf(type);
  return [
    ...Object.keys(shape),
    ...Object.keys(particle.comparableDefinition(particle.desiredStateDefinition)),
  ];
}

// Some definitions need what a spec makes first (a subnet's VPC).
beforeAll(async () => {
  for (const spec of AWS_CONFORMANCE) await spec.beforeAll?.();
});

describe.each(awsFlavors)("%s declares its facts as data", (flavor) => {
  it("is declared on the provider kit, with its service, client, schema and unique keys", async () => {
    const type = await declared(flavor);
    expect(type.prototype).toBeInstanceOf(AWSResource);
    expect(type.service).toMatch(/^[a-z0-9-]+$/);
    expect(type.Client).toBeTypeOf("function");
    expect(type.definitionSchema).toBeDefined();
    expect(type.uniqueKeys.length).toBeGreaterThan(0);
    for (const key of type.uniqueKeys) expect(key).toMatch(/^aws_resource\./);
    expect(READ_SHAPES).toContain(type.readShape);
  });

  it("names the schema's own fields as fixed or in place, never both", async () => {
    const type = await declared(flavor);
    const keys = [...fieldNames(type), ...(DERIVED_FIELDS[flavor] ?? [])];
    for (const field of [...type.fixedFields, ...type.inPlaceFields])
      expect(keys.map((key) => field === key || field.startsWith(`${key}.`))).toContain(true);
    expect(type.fixedFields.filter((field) => type.inPlaceFields.includes(field))).toEqual([]);
  });

  it("writes an updater for every in-place field, and routes its tags field to writeTags", async () => {
    const type = await declared(flavor);
    const { updaters } = particleOf(type);
    const tagField = type.tagging?.field;
    if (tagField !== undefined) expect(type.inPlaceFields).toContain(tagField);
    for (const field of type.inPlaceFields.filter((name) => name !== tagField))
      expect(updaters[field], `updater of ${field}`).toBeTypeOf("function");
    for (const field of Object.keys(updaters)) expect(type.inPlaceFields).toContain(field);
  });

  it("lists the cloud actions of each transition it has, and the codes of its create", async () => {
    const type = await declared(flavor);
    const hasStoppedForm = !areStatesEquivalent(type.equivalentStates, "stopped", "terminated");
    const transitions = ["read", "start", "terminate"];
    if (type.inPlaceFields.length > 0) transitions.push("update");
    if (hasStoppedForm) transitions.push("stop");
    for (const transition of transitions) {
      const actions = type.actions[transition as keyof typeof type.actions] ?? [];
      expect(actions.length, `${transition} actions`).toBeGreaterThan(0);
      for (const action of actions) expect(action).toMatch(ACTION);
    }
    expect(type.createOperation).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(type.operationErrors[type.createOperation]).toBeDefined();
  });
});
