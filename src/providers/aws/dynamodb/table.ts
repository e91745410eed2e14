import {
  BillingMode,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  IndexStatus,
  ListTagsOfResourceCommand,
  ScalarAttributeType,
  SSEType,
  StreamViewType,
  TableClass,
  TableStatus,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import type { DefinitionDifference } from "../../../core/diff.js";
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { BackoffOptions } from "../../../core/wait.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/declared-resource.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagMapOf, tagMapSchema, tagsToList } from "../tags.js";
import {
  comparableTable,
  describedTable,
  fixedTableChanges,
  planTableUpdate,
} from "./table-changes.js";
import {
  attributeNameSchema,
  globalIndexSchema,
  keySchemaSchema,
  localIndexSchema,
  tableIssues,
  tableNameSchema,
  throughputSchema,
} from "./table-keys.js";

/** The `aws_resource` block of a `dynamodb_table` particle: CreateTable's parameters, as PCF writes them. */
export const dynamodbTableSchema = z
  .strictObject({
    /** The table's name. Required: it is the unique key. */
    TableName: tableNameSchema,
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
     * Global secondary indexes: the whole set. Indexes added are created, indexes left out are
     * deleted, throughput is updated; an index's keys and projection are fixed (rename it to
     * replace it). Default: none at creation, and existing indexes are left alone.
     */
    GlobalSecondaryIndexes: z.array(globalIndexSchema).max(20).optional(),
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

const TABLE_GONE = { notFound: ["ResourceNotFoundException"] };

/** The codes of the table calls, by class. */
const TABLE_ERRORS: OperationErrors = {
  CreateTable: {
    alreadyExists: ["ResourceInUseException"],
    invalid: ["ValidationException", "LimitExceededException"],
  },
  DeleteTable: { ...TABLE_GONE, inUse: ["ResourceInUseException"] },
  DescribeTable: TABLE_GONE,
  ListTagsOfResource: TABLE_GONE,
  TagResource: TABLE_GONE,
  UntagResource: TABLE_GONE,
  UpdateTable: { ...TABLE_GONE, wrongState: ["ResourceInUseException"] },
};

/**
 * A DynamoDB table, found by its name. A table has no stopped form: stopping deletes it, with
 * its items. Billing mode, throughput, global indexes (added, removed, re-provisioned), the
 * stream, deletion protection and tags change in place, one UpdateTable call at a time, waiting
 * for the table to be ACTIVE between calls. The key schema, local indexes, attribute types and a
 * global index's keys and projection cannot change: they replace the table where allowed, and
 * are refused naming the field where not.
 *
 * Reads: one DescribeTable per table (the API has no batch read), plus ListTagsOfResource when
 * its definition lists tags or it is going down.
 *
 * @example
 * ```ts
 * const posts = new DynamodbTable({
 *   pcf_name: "posts",
 *   flavor: "dynamodb_table",
 *   aws_resource: {
 *     TableName: "posts",
 *     AttributeDefinitions: [{ AttributeName: "Post", AttributeType: "S" }],
 *     KeySchema: [{ AttributeName: "Post", KeyType: "HASH" }],
 *     BillingMode: "PAY_PER_REQUEST",
 *   },
 * });
 * await posts.apply();
 * ```
 */
export class DynamodbTable extends AWSResource<
  DynamodbTableDefinition,
  TableDescription,
  DynamoDBClient
> {
  static override readonly flavor: string = "dynamodb_table";
  static override readonly service: string = "dynamodb";
  static override readonly Client = DynamoDBClient;
  static override readonly definitionSchema = dynamodbTableSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.TableName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  /** Tables take seconds to minutes to create, change and delete. */
  static override readonly waitOptions: BackoffOptions = { minDelayMs: 500, maxDelayMs: 10_000 };
  static override readonly inPlaceFields: readonly string[] = [
    "AttributeDefinitions",
    "GlobalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
    "DeletionProtectionEnabled",
    "Tags",
  ];
  static override readonly readShape = "get-each";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateTable";
  static override readonly operationErrors = TABLE_ERRORS;
  static override readonly actions = {
    read: ["dynamodb:DescribeTable", "dynamodb:ListTagsOfResource"],
    start: ["dynamodb:CreateTable", "dynamodb:TagResource"],
    update: ["dynamodb:UpdateTable", "dynamodb:TagResource", "dynamodb:UntagResource"],
    terminate: ["dynamodb:DeleteTable"],
  };

  /** Every table field goes through one planner: its UpdateTable calls depend on one another. */
  private readonly updateTable: FieldUpdater<
    DynamodbTableDefinition,
    TableDescription,
    DynamoDBClient
  > = async (client, _read, desired, context) => {
    const steps = planTableUpdate(desired, await this.activeTable(context));
    for (const [at, step] of steps.entries()) {
      if (at > 0) await this.activeTable(context);
      await client.send(new UpdateTableCommand(step), { abortSignal: context.signal });
    }
  };

  protected override readonly updaters: FieldUpdaters<
    DynamodbTableDefinition,
    TableDescription,
    DynamoDBClient
  > = Object.fromEntries(
    DynamodbTable.inPlaceFields
      .filter((field) => field !== "Tags")
      .map((field) => [field, this.updateTable]),
  );

  /** The tables of `names` that exist: one DescribeTable each, at once. */
  protected override async list(
    client: DynamoDBClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, TableDescription>> {
    const found = new Map<string, TableDescription>();
    const describe = async (TableName: string): Promise<void> => {
      const table = await this.unlessGone(`read table ${TableName}`, async () => {
        const command = new DescribeTableCommand({ TableName });
        return (await client.send(command, { abortSignal: signal })).Table;
      });
      if (table !== undefined) found.set(TableName, table);
    };
    await Promise.all(names.map(describe));
    return found;
  }

  /** Pending while DynamoDB works on the table, else running; with its definition as described. */
  protected override observe(table: TableDescription, context: RunContext): Observation {
    return {
      state: isSettling(table.TableStatus) ? "pending" : "running",
      definition: { ...describedTable(table), region_name: this.region(context) },
    };
  }

  /** CreateTable with the indexes, the tags and the ownership tag; the answer describes the table. */
  protected override async create(
    client: DynamoDBClient,
    definition: DynamodbTableDefinition,
    { signal }: RunContext,
  ): Promise<TableDescription> {
    const { Tags, region_name: _region, custom_config: _config, ...create } = definition;
    const command = new CreateTableCommand({ ...create, Tags: ownedTagList(tagMapOf(Tags)) });
    const { TableDescription } = await client.send(command, { abortSignal: signal });
    return required(TableDescription, "table description");
  }

  /**
   * DeleteTable, with the items, then a wait until the table is gone; a protected table is
   * refused before the call, saying how to unprotect it.
   * @throws PcfError `TRANSITION_FAILED` when `DeletionProtectionEnabled` is true.
   */
  protected override async remove(
    client: DynamoDBClient,
    { TableName, DeletionProtectionEnabled }: TableDescription,
    context: RunContext,
  ): Promise<void> {
    if (DeletionProtectionEnabled === true)
      throw new PcfError(
        "TRANSITION_FAILED",
        `delete ${this.resourceLabel()} refused: DeletionProtectionEnabled is true (set it to false and apply first)`,
        { particle: this.id },
      );
    await client.send(new DeleteTableCommand({ TableName }), { abortSignal: context.signal });
    await this.waitUntil(context, "be deleted", (live) => live === undefined);
  }

  /** Every tag of the table, page by page. */
  protected override async readTags(
    client: DynamoDBClient,
    { TableArn }: TableDescription,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const tags: Record<string, string> = {};
    let NextToken: string | undefined;
    do {
      const command = new ListTagsOfResourceCommand({ ResourceArn: TableArn, NextToken });
      const page = await client.send(command, { abortSignal: signal });
      Object.assign(tags, tagMapOf(page.Tags ?? []));
      NextToken = page.NextToken === "" ? undefined : page.NextToken;
    } while (NextToken !== undefined);
    return tags;
  }

  protected override async writeTags(
    client: DynamoDBClient,
    { TableArn: ResourceArn }: TableDescription,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const untag = new UntagResourceCommand({ ResourceArn, TagKeys: remove });
    if (remove.length > 0) await client.send(untag, { abortSignal: signal });
    const tag = new TagResourceCommand({ ResourceArn, Tags: tagsToList(set) });
    if (Object.keys(set).length > 0) await client.send(tag, { abortSignal: signal });
  }

  /** Tags as a map or as CreateTable's `[{ Key, Value }]` list. */
  protected override wantedTags(): TagMap | undefined {
    const tags = this.desiredStateDefinition["Tags"];
    return tags === undefined ? undefined : tagMapOf(tags);
  }

  /**
   * The key schema, local indexes, attribute types and global indexes' keys and projections that
   * differ: DynamoDB fixes them at creation, so they replace the table (deleting its items, which
   * is why a replacement must be allowed).
   */
  override fixedDifferences(): DefinitionDifference[] {
    return this.live === undefined ? [] : fixedTableChanges(this.desiredDefinition(), this.live);
  }

  /** See {@link comparableTable}; tags as the kit compares them. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const tags = definition["Tags"];
    return {
      ...comparableTable(definition),
      Tags: tags === undefined ? undefined : this.comparableTagsOf(tagMapOf(tags)),
    };
  }

  /** The table once it and all its global indexes are ACTIVE. */
  private async activeTable(context: RunContext): Promise<TableDescription> {
    const table = await this.waitUntil(
      context,
      "be ACTIVE",
      (live) => live === undefined || isActive(live),
    );
    if (table === undefined)
      throw new PcfError("TRANSITION_FAILED", `${this.resourceLabel()} vanished`, {
        particle: this.id,
      });
    return table;
  }
}

/** Whether DynamoDB is still creating, changing or deleting the table. */
function isSettling(status: TableStatus | undefined): boolean {
  const settling: (TableStatus | undefined)[] = [
    TableStatus.CREATING,
    TableStatus.UPDATING,
    TableStatus.DELETING,
    TableStatus.ARCHIVING,
  ];
  return settling.includes(status);
}

/** Whether the table and all its global indexes are ACTIVE. */
function isActive(table: TableDescription): boolean {
  return (
    table.TableStatus === TableStatus.ACTIVE &&
    (table.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === undefined || index.IndexStatus === IndexStatus.ACTIVE,
    )
  );
}
