import * as z from "zod";
import { describe, expect, it } from "vitest";
import { zodIssues } from "../../src/core/definition.js";
import { keysAt } from "../../src/core/schema-keys.js";

const schema = z.strictObject({
  Name: z.string(),
  Tags: z.array(z.strictObject({ Key: z.string(), Value: z.string() })).optional(),
  Attributes: z.partialRecord(z.enum(["VisibilityTimeout", "DelaySeconds"]), z.string()).optional(),
  Settings: z
    .union([
      z.strictObject({ mode: z.literal("a"), size: z.number() }),
      z.strictObject({ mode: z.literal("b"), depth: z.number() }),
    ])
    .nullable(),
  Limits: z.record(z.string(), z.strictObject({ max: z.number() })).default({}),
});

describe("keysAt", () => {
  it("finds the keys an object accepts, through wrappers, arrays, records and unions", () => {
    expect(keysAt(schema, [])).toEqual(["Name", "Tags", "Attributes", "Settings", "Limits"]);
    expect(keysAt(schema, ["Tags", 0])).toEqual(["Key", "Value"]);
    expect(keysAt(schema, ["Attributes"])).toEqual(["VisibilityTimeout", "DelaySeconds"]);
    expect(keysAt(schema, ["Settings"])).toEqual(["mode", "size", "depth"]);
    expect(keysAt(schema, ["Limits", "cpu"])).toEqual(["max"]);
  });

  it("finds nothing where the path leads to no object", () => {
    expect(keysAt(schema, ["Name"])).toEqual([]);
    expect(keysAt(schema, ["Missing"])).toEqual([]);
    expect(keysAt(schema, ["Limits"])).toEqual([]);
  });
});

describe("zodIssues", () => {
  it("suggests the key an unknown one was meant to be", () => {
    const parsed = schema.safeParse({
      Name: "q",
      Tags: [{ Key: "a", Value: "b", Valeu: "b" }],
      Attributes: { VisibilityTimeot: "30" },
      Settings: null,
      Nmae: "x",
    });

    const messages = parsed.success
      ? []
      : zodIssues(parsed.error, {}, { prefix: "block", schema }).map(
          (issue) => `${issue.field}: ${issue.message}`,
        );

    expect(messages.sort()).toEqual([
      "block.Attributes: unknown field VisibilityTimeot (did you mean VisibilityTimeout?)",
      "block.Tags[0]: unknown field Valeu (did you mean Value?)",
      "block: unknown field Nmae (did you mean Name?)",
    ]);
  });
});
