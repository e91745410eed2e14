import { BillingMode, KeyType, ProjectionType } from "@aws-sdk/client-dynamodb";
import * as z from "zod";

// The parts of a `dynamodb_table` definition that describe keys, indexes and capacity, and the
// rules CreateTable enforces across them, checked when the definition loads.

/** A table or index name. @internal */
export const tableNameSchema = z
  .string()
  .regex(/^[\w.-]{3,255}$/, "expected 3–255 letters, digits, _ . or -");

/** An attribute name. @internal */
export const attributeNameSchema = z.string().min(1).max(255);

/** A primary key: one HASH element and an optional RANGE element. @internal */
export const keySchemaSchema = z
  .array(z.strictObject({ AttributeName: attributeNameSchema, KeyType: z.enum(KeyType) }))
  .min(1)
  .max(2);

/** Provisioned read and write capacity units. @internal */
export const throughputSchema = z.strictObject({
  ReadCapacityUnits: z.int().min(1),
  WriteCapacityUnits: z.int().min(1),
});

/** A local secondary index. @internal */
export const localIndexSchema = z.strictObject({
  IndexName: tableNameSchema,
  KeySchema: keySchemaSchema,
  Projection: z.strictObject({
    ProjectionType: z.enum(ProjectionType),
    NonKeyAttributes: z.array(attributeNameSchema).min(1).max(100).optional(),
  }),
});

/** A global secondary index: a local one with its own throughput when provisioned. @internal */
export const globalIndexSchema = localIndexSchema.extend({
  ProvisionedThroughput: throughputSchema.optional(),
});

interface Keyed {
  readonly KeySchema: readonly { readonly AttributeName: string }[];
  readonly ProvisionedThroughput?: unknown;
}

/** The fields {@link tableIssues} reads. @internal */
export interface KeyedTable extends Keyed {
  readonly AttributeDefinitions: readonly { readonly AttributeName: string }[];
  readonly LocalSecondaryIndexes?: readonly Keyed[] | undefined;
  readonly GlobalSecondaryIndexes?: readonly Keyed[] | undefined;
  readonly BillingMode?: BillingMode | undefined;
  readonly StreamSpecification?:
    { readonly StreamEnabled: boolean; readonly StreamViewType?: unknown } | undefined;
}

/** One problem with a table definition, at a path inside the block. @internal */
export interface TableIssue {
  readonly message: string;
  readonly path: (string | number)[];
}

/**
 * The rules CreateTable enforces across fields: throughput exactly when provisioned (table and
 * global indexes), a view type for an enabled stream, and attribute definitions for exactly the
 * attributes keys and indexes use.
 * @internal
 */
export function tableIssues(table: KeyedTable): TableIssue[] {
  const issues: TableIssue[] = [];
  const isOnDemand = table.BillingMode === BillingMode.PAY_PER_REQUEST;
  const checkThroughput = (value: unknown, path: (string | number)[]): void => {
    if (isOnDemand && value !== undefined)
      issues.push({ message: "not allowed with BillingMode PAY_PER_REQUEST", path });
    if (!isOnDemand && value === undefined)
      issues.push({ message: "required unless BillingMode is PAY_PER_REQUEST", path });
  };
  checkThroughput(table.ProvisionedThroughput, ["ProvisionedThroughput"]);
  table.GlobalSecondaryIndexes?.forEach((index, at) =>
    checkThroughput(index.ProvisionedThroughput, [
      "GlobalSecondaryIndexes",
      at,
      "ProvisionedThroughput",
    ]),
  );
  const stream = table.StreamSpecification;
  if (stream?.StreamEnabled === true && stream.StreamViewType === undefined)
    issues.push({
      message: "required when StreamEnabled is true",
      path: ["StreamSpecification", "StreamViewType"],
    });
  const keyed = [
    table,
    ...(table.LocalSecondaryIndexes ?? []),
    ...(table.GlobalSecondaryIndexes ?? []),
  ];
  const used = new Set(keyed.flatMap((item) => item.KeySchema.map((key) => key.AttributeName)));
  const defined = new Set(table.AttributeDefinitions.map((attribute) => attribute.AttributeName));
  const path = ["AttributeDefinitions"];
  for (const name of used)
    if (!defined.has(name))
      issues.push({ message: `no definition for key attribute "${name}"`, path });
  for (const name of defined)
    if (!used.has(name))
      issues.push({ message: `"${name}" is used by no key or index (DynamoDB refuses it)`, path });
  return issues;
}
