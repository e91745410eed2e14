import {
  BillingMode,
  KeyType,
  ProjectionType,
  ScalarAttributeType,
  SSEType,
  StreamViewType,
  TableClass,
} from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { tagMapSchema } from "../tags.js";

// What a user writes in a `dynamodb_table` block, and the rules CreateTable enforces across its
// fields, checked when the definition loads.

const nameSchema = z.string().regex(/^[\w.-]{3,255}$/, "expected 3–255 letters, digits, _ . or -");
const attributeNameSchema = z.string().min(1).max(255);
const keySchemaSchema = z
  .array(z.strictObject({ AttributeName: attributeNameSchema, KeyType: z.enum(KeyType) }))
  .min(1)
  .max(2);
const throughputSchema = z.strictObject({
  ReadCapacityUnits: z.int().min(1),
  WriteCapacityUnits: z.int().min(1),
});
const localIndexSchema = z.strictObject({
  IndexName: nameSchema,
  KeySchema: keySchemaSchema,
  Projection: z.strictObject({
    ProjectionType: z.enum(ProjectionType),
    NonKeyAttributes: z.array(attributeNameSchema).min(1).max(100).optional(),
  }),
});

/** The `aws_resource` block of a `dynamodb_table` particle: CreateTable's parameters, as PCF writes them. */
export const dynamodbTableSchema = z
  .strictObject({
    /** The table's name. Required: it is the unique key. */
    TableName: nameSchema,
    /** The type of every attribute a key or index uses, and of no other. Required. */
    AttributeDefinitions: z
      .array(
        z.strictObject({
          AttributeName: attributeNameSchema,
          AttributeType: z.enum(ScalarAttributeType),
        }),
      )
      .min(1),
    /** The primary key: a HASH attribute and an optional RANGE attribute. Required; fixed at creation. */
    KeySchema: keySchemaSchema,
    /** Local secondary indexes. Default none; fixed at creation. */
    LocalSecondaryIndexes: z.array(localIndexSchema).max(5).optional(),
    /**
     * Global secondary indexes: the whole set, each with its own throughput when provisioned.
     * Indexes added are created, indexes left out are deleted, throughput is updated; an index's
     * keys and projection are fixed (rename it to replace it). Default: none at creation, and
     * existing indexes are left alone.
     */
    GlobalSecondaryIndexes: z
      .array(localIndexSchema.extend({ ProvisionedThroughput: throughputSchema.optional() }))
      .max(20)
      .optional(),
    /** `PROVISIONED` (the default) or `PAY_PER_REQUEST`; switchable in place. */
    BillingMode: z.enum(BillingMode).optional(),
    /** Read and write capacity: required when provisioned, refused when on demand. */
    ProvisionedThroughput: throughputSchema.optional(),
    /** The table's stream, enabled with a view type, or disabled. Default: no stream. */
    StreamSpecification: z
      .strictObject({
        StreamEnabled: z.boolean(),
        StreamViewType: z.enum(StreamViewType).optional(),
      })
      .optional(),
    /** Server-side encryption at creation. Default: AWS-owned key. Not compared afterwards. */
    SSESpecification: z
      .strictObject({
        Enabled: z.boolean().optional(),
        SSEType: z.enum(SSEType).optional(),
        KMSMasterKeyId: z.string().min(1).optional(),
      })
      .optional(),
    /** The table class at creation. Default `STANDARD`. Not compared afterwards (moto does not report it). */
    TableClass: z.enum(TableClass).optional(),
    /** Refuses DeleteTable while true, terminate included. Default false; changed in place. */
    DeletionProtectionEnabled: z.boolean().optional(),
    /**
     * The table's whole tag set, as a map (PCF) or as CreateTable's `[{ Key, Value }]`. Tags not
     * listed are removed on update; the `pcf:managed-by` tag is always kept. Default: not compared.
     * Unlike `tagInputSchema`, the list form takes string values only, as CreateTable does.
     */
    Tags: z
      .union([tagMapSchema, z.array(z.strictObject({ Key: z.string().min(1), Value: z.string() }))])
      .optional(),
    /** The table's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
    region_name: regionNameSchema,
    /** `adopt`: see {@link awsCustomConfigSchema}. */
    custom_config: awsCustomConfigSchema.optional(),
  })
  .superRefine((table, context) => {
    for (const issue of tableIssues(table)) context.addIssue({ code: "custom", ...issue });
  });

/** What a user writes in the `aws_resource` block of a `dynamodb_table` particle. */
export type DynamodbTableDefinition = z.infer<typeof dynamodbTableSchema>;

/**
 * The rules CreateTable enforces across fields: throughput exactly when provisioned (table and
 * global indexes), a view type for an enabled stream, and attribute definitions for exactly the
 * attributes keys and indexes use.
 */
function tableIssues(table: DynamodbTableDefinition): { message: string; path: PropertyKey[] }[] {
  const issues: { message: string; path: PropertyKey[] }[] = [];
  const add = (message: string, ...path: PropertyKey[]): void =>
    void issues.push({ message, path });
  const isOnDemand = table.BillingMode === BillingMode.PAY_PER_REQUEST;
  const checkThroughput = (value: unknown, ...path: PropertyKey[]): void => {
    if (isOnDemand && value !== undefined)
      add("not allowed with BillingMode PAY_PER_REQUEST", ...path);
    if (!isOnDemand && value === undefined)
      add("required unless BillingMode is PAY_PER_REQUEST", ...path);
  };
  checkThroughput(table.ProvisionedThroughput, "ProvisionedThroughput");
  table.GlobalSecondaryIndexes?.forEach((index, at) =>
    checkThroughput(
      index.ProvisionedThroughput,
      "GlobalSecondaryIndexes",
      at,
      "ProvisionedThroughput",
    ),
  );
  const stream = table.StreamSpecification;
  if (stream?.StreamEnabled === true && stream.StreamViewType === undefined)
    add("required when StreamEnabled is true", "StreamSpecification", "StreamViewType");
  const indexes = [...(table.LocalSecondaryIndexes ?? []), ...(table.GlobalSecondaryIndexes ?? [])];
  const used = new Set(
    [table, ...indexes].flatMap(({ KeySchema }) => KeySchema.map((key) => key.AttributeName)),
  );
  const defined = new Set(table.AttributeDefinitions.map((attribute) => attribute.AttributeName));
  for (const name of used)
    if (!defined.has(name))
      add(`no definition for key attribute "${name}"`, "AttributeDefinitions");
  for (const name of defined)
    if (!used.has(name))
      add(`"${name}" is used by no key or index (DynamoDB refuses it)`, "AttributeDefinitions");
  return issues;
}
