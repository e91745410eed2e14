import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  IndexStatus,
  ListTagsOfResourceCommand,
  TableStatus,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  paginateListTables,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import type { DefinitionDifference } from "../../../core/diff.js";
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { BackoffOptions } from "../../../core/wait.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource } from "../resource.js";
import { ownedTagList, tagMapOf, tagsToList } from "../tags.js";
import {
  comparableTable,
  describedTable,
  fixedTableChanges,
  planTableUpdate,
} from "./table-changes.js";
import { dynamodbTableSchema, type DynamodbTableDefinition } from "./table-definition.js";

export { dynamodbTableSchema, type DynamodbTableDefinition } from "./table-definition.js";

/** The fields UpdateTable changes: one planner sends them all, as its calls depend on one another. */
const TABLE_FIELDS = [
  "AttributeDefinitions",
  "GlobalSecondaryIndexes",
  "BillingMode",
  "ProvisionedThroughput",
  "StreamSpecification",
  "DeletionProtectionEnabled",
];

/** The fields that list a table's indexes. */
const INDEX_LISTS: ReadonlySet<string> = new Set([
  "LocalSecondaryIndexes",
  "GlobalSecondaryIndexes",
]);

/** DynamoDB's statuses while it creates, changes or deletes a table. */
const SETTLING = new Set<unknown>(["CREATING", "UPDATING", "DELETING", "ARCHIVING"]);

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
  static override readonly inPlaceFields: readonly string[] = [...TABLE_FIELDS, "Tags"];
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

  protected override readonly updaters: FieldUpdaters<
    DynamodbTableDefinition,
    TableDescription,
    DynamoDBClient
  > = Object.fromEntries(TABLE_FIELDS.map((field) => [field, this.updateTable.bind(this)]));

  /** The tables of `names` that exist: one DescribeTable each, at once. */
  protected override async list(
    client: DynamoDBClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, TableDescription>> {
    const found = new Map<string, TableDescription>();
    const describe = async (TableName: string): Promise<void> => {
      const table = await this.describeTable(client, TableName, signal);
      if (table !== undefined) found.set(TableName, table);
    };
    await Promise.all(names.map(describe));
    return found;
  }

  /**
   * Every table of the account in the region, described: ListTables page by page, then a
   * DescribeTable each (a table deleted meanwhile is left out).
   */
  protected override async listAll(
    client: DynamoDBClient,
    { signal }: RunContext,
  ): Promise<readonly TableDescription[]> {
    const names: string[] = [];
    for await (const page of paginateListTables({ client }, {}, { abortSignal: signal }))
      names.push(...(page.TableNames ?? []));
    const tables = await Promise.all(names.map((name) => this.describeTable(client, name, signal)));
    return tables.filter((table) => table !== undefined);
  }

  /** Pending while DynamoDB works on the table, else running; with its definition as described. */
  protected override observe(table: TableDescription, context: RunContext): Observation {
    return {
      state: SETTLING.has(table.TableStatus) ? "pending" : "running",
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
    const command = new CreateTableCommand({
      ...create,
      Tags: ownedTagList(tagMapOf(Tags), this.provenanceTags),
    });
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

  /**
   * The generic block, without the index lists a table has none of: CreateTable refuses an empty
   * list, and a definition that omits one does not compare it.
   */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const definition = Object.fromEntries(
      Object.entries(observation.definition).filter(
        ([key, value]) => !(INDEX_LISTS.has(key) && Array.isArray(value) && value.length === 0),
      ),
    );
    return super.discoveredResource({ ...observation, definition }, ownTags);
  }

  /**
   * The key schema, local indexes, attribute types and global indexes' keys and projections that
   * differ: DynamoDB fixes them at creation, so they replace the table (deleting its items, which
   * is why a replacement must be allowed).
   */
  override fixedDifferences(): DefinitionDifference[] {
    return this.live === undefined ? [] : fixedTableChanges(this.desiredDefinition(), this.live);
  }

  /** See {@link comparableTable}. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    return comparableTable(definition);
  }

  /** The table `TableName` as DescribeTable tells; `undefined` when there is none. */
  private describeTable(
    client: DynamoDBClient,
    TableName: string,
    signal: AbortSignal,
  ): Promise<TableDescription | undefined> {
    return this.unlessGone(`read table ${TableName}`, async () => {
      const command = new DescribeTableCommand({ TableName });
      return (await client.send(command, { abortSignal: signal })).Table;
    });
  }

  /** The UpdateTable calls the definition needs, each once the table and its indexes are ACTIVE. */
  private async updateTable(
    client: DynamoDBClient,
    _live: TableDescription,
    desired: DynamodbTableDefinition,
    context: RunContext,
  ): Promise<void> {
    const steps = planTableUpdate(desired, await this.activeTable(context));
    for (const [at, step] of steps.entries()) {
      if (at > 0) await this.activeTable(context);
      await client.send(new UpdateTableCommand(step), { abortSignal: context.signal });
    }
  }

  /** The table once it and all its global indexes are ACTIVE. */
  private async activeTable(context: RunContext): Promise<TableDescription> {
    const isActive = ({ TableStatus: status, GlobalSecondaryIndexes: indexes }: TableDescription) =>
      status === TableStatus.ACTIVE &&
      (indexes ?? []).every(
        ({ IndexStatus: index }) => index === undefined || index === IndexStatus.ACTIVE,
      );
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
