import {
  BillingMode,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScalarAttributeType,
  SSEType,
  StreamViewType,
  TableClass,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  type CreateTableCommandInput,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import type { DefinitionDifference } from "../../../core/diff.js";
import { PcfError } from "../../../core/errors.js";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { waitFor, type BackoffOptions } from "../../../core/wait.js";
import { isConflict, wrapAwsError } from "../errors.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { LegacyAWSResource } from "../legacy-resource.js";
import {
  hasOwnershipTag,
  ownedTagList,
  sendTagChanges,
  tagMapOf,
  tagMapSchema,
  tagsToList,
} from "../tags.js";
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
import { isTableActive, listTableNames, listTableTags, stateFromStatus } from "./table-read.js";

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

/**
 * A DynamoDB table, found by its name. A table has no stopped form: stopping deletes it, with
 * its items. Billing mode, throughput, global indexes (added, removed, re-provisioned), the
 * stream, deletion protection and tags change in place, one UpdateTable call at a time, waiting
 * for the table to be ACTIVE between calls. The key schema, local indexes, attribute types and a
 * global index's keys and projection cannot change: update fails with `TRANSITION_FAILED` naming
 * the field, and the table is left alone.
 *
 * Reads are batched: one ListTables per region tells which tables exist, then each existing
 * table costs one DescribeTable (plus ListTagsOfResource when its definition lists tags). A lone
 * table is described directly.
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
export class DynamodbTable extends LegacyAWSResource<DynamodbTableDefinition> {
  static override readonly flavor: string = "dynamodb_table";
  static override readonly service: string = "dynamodb";
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.TableName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = dynamodbTableSchema;
  /** Tables take seconds to minutes to create, change and delete. */
  static override readonly waitOptions: BackoffOptions = { minDelayMs: 500, maxDelayMs: 10_000 };

  /** The last DescribeTable answer, while the table exists. */
  private described: TableDescription | undefined = undefined;
  /** The live tags, when read. */
  private currentTags: Record<string, string> | undefined = undefined;

  /** Reads every table of `particles`: one ListTables per region, then DescribeTable for those that exist. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const tables = particles.filter(
      (particle): particle is DynamodbTable => particle instanceof DynamodbTable,
    );
    await DynamodbTable.readByRegion(tables, context, DynamoDBClient, async (group, client) => {
      const listed =
        group.length === 1
          ? undefined
          : await DynamodbTable.listFor(group, "list tables", () =>
              listTableNames(client, context.signal),
            );
      await readEach(group, (table) =>
        table.readTable(client, listed?.has(table.tableName) ?? true, context),
      );
    });
  }

  /** Reads this table: pending while DynamoDB works on it, running when ACTIVE, terminated when missing. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof DynamodbTable).syncAll([this], context);
  }

  /** Creates the table with its indexes, its tags and the ownership tag. */
  protected override async _start(context: RunContext): Promise<void> {
    const client = await this.client(DynamoDBClient, context);
    const abortSignal = context.signal;
    // A resent CreateTable after a lost answer fails on the table it made: look for it first.
    await this.createResource(`create table ${this.tableName}`, DynamoDBClient, context, {
      send: async (once) => {
        await once.send(new CreateTableCommand(toCreateInput(this.desiredDefinition())), {
          abortSignal,
        });
        return true;
      },
      findCreated: async () => {
        const arn = (await this.describe(client, context))?.TableArn;
        if (arn === undefined) return undefined;
        return hasOwnershipTag(await listTableTags(client, arn, abortSignal)) ? true : undefined;
      },
      alreadyExistsCodes: ["ResourceInUseException"],
      hint: (error) =>
        isConflict(error) ? " (a table of that name exists, or is being deleted)" : "",
    });
  }

  /** Deletes the table and its items; a table already gone is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    const client = await this.client(DynamoDBClient, context);
    await this.deleteUnlessGone(
      `delete table ${this.tableName}`,
      () =>
        client.send(new DeleteTableCommand({ TableName: this.tableName }), {
          abortSignal: context.signal,
        }),
      {
        hint: () =>
          this.described?.DeletionProtectionEnabled === true
            ? " (DeletionProtectionEnabled is true: set it to false and apply first)"
            : "",
      },
    );
  }

  /**
   * Sends the UpdateTable calls the definition needs, one at a time once the table and its
   * indexes are ACTIVE, then brings the tags to the definition's set. Fields fixed at creation
   * never reach it (see {@link DynamoDbTable.fixedDifferences}).
   */
  protected override async _update(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    if (this.described === undefined) return;
    const steps = planTableUpdate(desired, this.described);
    const client = await this.client(DynamoDBClient, context);
    try {
      for (const step of steps) {
        await this.waitUntilActive(client, context);
        await client.send(new UpdateTableCommand(step), { abortSignal: context.signal });
      }
      if (desired.Tags !== undefined)
        await this.updateTags(client, tagMapOf(desired.Tags), context);
    } catch (error) {
      throw wrapAwsError(error, this.id, `update table ${this.tableName}`);
    }
  }

  /**
   * The key schema, local indexes, attribute types and global indexes' keys and projections that
   * differ: DynamoDB fixes them at creation, so they replace the table (deleting its items, which
   * is why a replacement must be allowed).
   */
  override fixedDifferences(): DefinitionDifference[] {
    if (this.described === undefined) return [];
    return fixedTableChanges(this.desiredDefinition(), this.described);
  }

  /** Reads the tags, when `syncState` did not, to tell whether the table is ours. */
  protected override readOwnership(context: RunContext): Promise<boolean> {
    return this.ownershipFromTags(async () =>
      this.readTags(await this.client(DynamoDBClient, context), context),
    );
  }

  /** See {@link comparableTable}. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    return comparableTable(definition);
  }

  private get tableName(): string {
    return String(this.desiredStateDefinition["TableName"]);
  }

  private get wantsTags(): boolean {
    return this.desiredStateDefinition["Tags"] !== undefined;
  }

  /** Sets the state from DescribeTable (unless the table is known not to exist), and the tags when asked for. */
  private async readTable(
    client: DynamoDBClient,
    mayExist: boolean,
    context: RunContext,
  ): Promise<void> {
    this.isOwned = undefined;
    this.currentTags = undefined;
    this.described = mayExist ? await this.describe(client, context) : undefined;
    const state = stateFromStatus(this.described?.TableStatus);
    // Tags of a table DynamoDB is still creating or deleting are read once it settles.
    const tags =
      state === "running" && this.wantsTags ? await this.readTags(client, context) : undefined;
    if (
      this.described === undefined ||
      (state === "running" && this.wantsTags && tags === undefined)
    ) {
      this.described = undefined;
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    this.state = state;
    this.currentStateDefinition = {
      ...describedTable(this.described),
      region_name: this.region(context),
      ...(tags === undefined ? {} : { Tags: tags }),
    };
  }

  private async describe(
    client: DynamoDBClient,
    context: RunContext,
  ): Promise<TableDescription | undefined> {
    return this.readUnlessGone(`read table ${this.tableName}`, async () => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: this.tableName }), {
        abortSignal: context.signal,
      });
      return Table;
    });
  }

  /** The table's tags, or `undefined` when it is gone. Sets `isOwned`. */
  private async readTags(
    client: DynamoDBClient,
    context: RunContext,
  ): Promise<Record<string, string> | undefined> {
    const arn = this.described?.TableArn;
    if (arn === undefined) return undefined;
    const tags = await this.readUnlessGone(`read the tags of table ${this.tableName}`, () =>
      listTableTags(client, arn, context.signal),
    );
    if (tags === undefined) return undefined;
    this.isOwned = hasOwnershipTag(tags);
    this.currentTags = tags;
    return tags;
  }

  private async updateTags(
    client: DynamoDBClient,
    desired: Record<string, string>,
    context: RunContext,
  ): Promise<void> {
    const ResourceArn = this.described?.TableArn;
    const abortSignal = context.signal;
    await sendTagChanges(this.currentTags ?? {}, desired, {
      untag: (TagKeys) =>
        client.send(new UntagResourceCommand({ ResourceArn, TagKeys }), { abortSignal }),
      tag: (set) =>
        client.send(new TagResourceCommand({ ResourceArn, Tags: tagsToList(set) }), {
          abortSignal,
        }),
    });
  }

  /** Polls DescribeTable until the table and all its global indexes are ACTIVE. */
  private async waitUntilActive(client: DynamoDBClient, context: RunContext): Promise<void> {
    await waitFor(
      async () => {
        const table = await this.describe(client, context);
        if (table === undefined)
          throw new PcfError("TRANSITION_FAILED", `table ${this.tableName} vanished`, {
            particle: this.id,
          });
        return isTableActive(table) ? { done: true, value: undefined } : { done: false };
      },
      {
        ...(this.constructor as typeof DynamodbTable).waitOptions,
        signal: context.signal,
        description: `${this.id} to be ACTIVE`,
      },
    );
  }
}

/** CreateTable's input: the definition's create fields, tags as a list plus the ownership tag. */
function toCreateInput(definition: DynamodbTableDefinition): CreateTableCommandInput {
  const { Tags, region_name: _region, custom_config: _config, ...create } = definition;
  return { ...create, Tags: ownedTagList(tagMapOf(Tags)) };
}
