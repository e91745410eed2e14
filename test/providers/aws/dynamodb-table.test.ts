import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { Field, applyField, loadField } from "../../../src/index.js";
import {
  DynamodbTable,
  type DynamodbTableDefinition,
} from "../../../src/providers/aws/dynamodb/table.js";
import { planTableUpdate } from "../../../src/providers/aws/dynamodb/table-changes.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import {
  OWNERSHIP,
  countApply,
  countSyncAll,
  countedOptions,
  definitionErrorOf,
  definitionOf,
  expectAdoptionRequired,
  expectStopDeletes,
  expectTerminates,
  expectTerminatesWhenGone,
  failureOf,
  tagMap,
} from "../../support/aws-fixtures.js";

const dynamodb = verificationClient(DynamoDBClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

/** A one-key on-demand table: the smallest valid definition. */
const SIMPLE: Omit<DynamodbTableDefinition, "TableName"> = {
  AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
  KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  BillingMode: "PAY_PER_REQUEST",
};

/** A provisioned table with a sort key, as PCF's tests write them. */
const PROVISIONED: Omit<DynamodbTableDefinition, "TableName"> = {
  AttributeDefinitions: [
    { AttributeName: "Post", AttributeType: "S" },
    { AttributeName: "PostDateTime", AttributeType: "S" },
  ],
  KeySchema: [
    { AttributeName: "Post", KeyType: "HASH" },
    { AttributeName: "PostDateTime", KeyType: "RANGE" },
  ],
  BillingMode: "PROVISIONED",
  ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
};

function table(label: string, block: Partial<DynamodbTableDefinition> = {}): DynamodbTable {
  const base = { TableName: uniqueName(import.meta.url, label), ...SIMPLE };
  return new DynamodbTable(definitionOf("dynamodb_table", label, base, block));
}

async function describeTable(label: string): Promise<TableDescription | undefined> {
  try {
    const { Table } = await dynamodb.send(
      new DescribeTableCommand({ TableName: uniqueName(import.meta.url, label) }),
    );
    return Table;
  } catch {
    return undefined;
  }
}

async function tagsOf(label: string): Promise<Record<string, string | undefined>> {
  const arn = (await describeTable(label))?.TableArn;
  const { Tags } = await dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
  return tagMap(Tags);
}

describe("dynamodb_table", () => {
  it("creates the table with its keys, indexes, tags and the ownership tag", async () => {
    const result = await table("create", {
      ...PROVISIONED,
      AttributeDefinitions: [
        ...PROVISIONED.AttributeDefinitions,
        { AttributeName: "Author", AttributeType: "S" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: "byAuthor",
          KeySchema: [{ AttributeName: "Author", KeyType: "HASH" }],
          Projection: { ProjectionType: "KEYS_ONLY" },
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        },
      ],
      Tags: { team: "data", version: 2 },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    const live = await describeTable("create");
    expect(live).toMatchObject({
      TableStatus: "ACTIVE",
      KeySchema: PROVISIONED.KeySchema,
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      GlobalSecondaryIndexes: [expect.objectContaining({ IndexName: "byAuthor" })],
    });
    expect(await tagsOf("create")).toEqual({ team: "data", version: "2", ...OWNERSHIP });
  });

  it("reports a second apply as unchanged", async () => {
    const block = { ...PROVISIONED, Tags: [{ Key: "team", Value: "data" }] };
    await table("noop", block).apply({ providerOptions });
    const again = await table("noop", {
      ...block,
      KeySchema: [...PROVISIONED.KeySchema].reverse(),
    }).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("updates throughput, billing mode and deletion protection in place", async () => {
    await table("capacity", PROVISIONED).apply({ providerOptions });
    const raised = await table("capacity", {
      ...PROVISIONED,
      ProvisionedThroughput: { ReadCapacityUnits: 25, WriteCapacityUnits: 30 },
      DeletionProtectionEnabled: true,
    }).apply({ providerOptions });
    expect(raised.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect(await describeTable("capacity")).toMatchObject({
      ProvisionedThroughput: { ReadCapacityUnits: 25, WriteCapacityUnits: 30 },
      DeletionProtectionEnabled: true,
    });

    const { ProvisionedThroughput: _dropped, ...onDemand } = PROVISIONED;
    await table("capacity", {
      ...onDemand,
      BillingMode: "PAY_PER_REQUEST",
      DeletionProtectionEnabled: false,
    }).apply({ providerOptions });
    expect(await describeTable("capacity")).toMatchObject({
      BillingModeSummary: { BillingMode: "PAY_PER_REQUEST" },
      DeletionProtectionEnabled: false,
    });
    const back = await table("capacity", PROVISIONED).apply({ providerOptions });
    expect(back.particles[0]?.transitions).toEqual(["update"]);
    expect(await describeTable("capacity")).toMatchObject({
      BillingModeSummary: { BillingMode: "PROVISIONED" },
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    });
  });

  it("adds and removes global indexes, one UpdateTable call each", async () => {
    const index = (name: string, attribute: string) => ({
      IndexName: name,
      KeySchema: [{ AttributeName: attribute, KeyType: "HASH" as const }],
      Projection: { ProjectionType: "ALL" as const },
    });
    const attributes = (...names: string[]) => [
      { AttributeName: "id", AttributeType: "S" as const },
      ...names.map((name) => ({ AttributeName: name, AttributeType: "N" as const })),
    ];
    await table("indexes", {
      AttributeDefinitions: attributes("a"),
      GlobalSecondaryIndexes: [index("byA", "a")],
    }).apply({ providerOptions });

    const { counter, providerOptions: counted } = countedOptions(import.meta.url);
    const result = await table("indexes", {
      AttributeDefinitions: attributes("b", "c"),
      GlobalSecondaryIndexes: [index("byB", "b"), index("byC", "c")],
    }).apply({ providerOptions: counted });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(counter.count("UpdateTableCommand")).toBe(3);
    const live = await describeTable("indexes");
    expect(live?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(["byB", "byC"]);

    const again = await table("indexes", {
      AttributeDefinitions: attributes("b", "c"),
      GlobalSecondaryIndexes: [index("byC", "c"), index("byB", "b")],
    }).apply({ providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
  });

  it("enables the stream and disables it", async () => {
    await table("stream").apply({ providerOptions });
    const enabled = await table("stream", {
      StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" },
    }).apply({ providerOptions });
    expect(enabled.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect((await describeTable("stream"))?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: "KEYS_ONLY",
    });
    await table("stream", { StreamSpecification: { StreamEnabled: false } }).apply({
      providerOptions,
    });
    expect((await describeTable("stream"))?.StreamSpecification).toBeUndefined();
    const again = await table("stream", { StreamSpecification: { StreamEnabled: false } }).apply({
      providerOptions,
    });
    expect(again.particles[0]?.outcome).toBe("unchanged");
  });

  it("plans a view type change as disable, then enable", async () => {
    // moto refuses to enable a table's stream a second time, so the plan is checked on its own.
    await table("view-type", {
      StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" },
    }).apply({ providerOptions });
    const live = await describeTable("view-type");
    const name = uniqueName(import.meta.url, "view-type");
    const plan = planTableUpdate(
      {
        TableName: name,
        ...SIMPLE,
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
      },
      live ?? {},
    );
    expect(plan).toEqual([
      { TableName: name, StreamSpecification: { StreamEnabled: false } },
      {
        TableName: name,
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
      },
    ]);
  });

  it("updates tags in place: changed, added and removed", async () => {
    await table("tags", { Tags: { team: "data", old: "x" } }).apply({ providerOptions });
    const result = await table("tags", { Tags: { team: "ml", added: "y" } }).apply({
      providerOptions,
    });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect(await tagsOf("tags")).toEqual({ team: "ml", added: "y", ...OWNERSHIP });
  });

  it("corrects throughput and tags changed behind its back", async () => {
    const particle = table("drift", { ...PROVISIONED, Tags: { team: "data" } });
    await particle.apply({ providerOptions });
    const name = uniqueName(import.meta.url, "drift");
    await dynamodb.send(
      new UpdateTableCommand({
        TableName: name,
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
      }),
    );
    await dynamodb.send(
      new UntagResourceCommand({
        ResourceArn: (await describeTable("drift"))?.TableArn,
        TagKeys: ["team"],
      }),
    );
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect((await describeTable("drift"))?.ProvisionedThroughput).toMatchObject({
      ReadCapacityUnits: 5,
      WriteCapacityUnits: 5,
    });
    expect(await tagsOf("drift")).toEqual({ team: "data", ...OWNERSHIP });
  });

  it("refuses to replace the table for a new key schema unless allowed, naming the field", async () => {
    await table("rekey", PROVISIONED).apply({ providerOptions });
    const error = await failureOf(
      table("rekey", {
        ...PROVISIONED,
        KeySchema: [{ AttributeName: "PostDateTime", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "PostDateTime", AttributeType: "S" }],
      }).apply({ providerOptions }),
    );
    expect(error.message).toMatch(/aws_resource\.KeySchema .* can only change by replacing/);
    expect(error.result.particles[0]?.error).toMatchObject({
      code: "REPLACE_REFUSED",
      where: { field: "aws_resource.KeySchema" },
    });
    expect((await describeTable("rekey"))?.KeySchema).toEqual(PROVISIONED.KeySchema);
  });

  it("refuses to replace the table for a global index's keys, or a local index", async () => {
    const attributes = [
      ...PROVISIONED.AttributeDefinitions,
      { AttributeName: "Author", AttributeType: "S" as const },
    ];
    const byAuthor = {
      IndexName: "byAuthor",
      KeySchema: [{ AttributeName: "Author", KeyType: "HASH" as const }],
      Projection: { ProjectionType: "KEYS_ONLY" as const },
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
    };
    const block = {
      ...PROVISIONED,
      AttributeDefinitions: attributes,
      GlobalSecondaryIndexes: [byAuthor],
    };
    await table("reindex", block).apply({ providerOptions });
    const global = await failureOf(
      table("reindex", {
        ...block,
        GlobalSecondaryIndexes: [{ ...byAuthor, Projection: { ProjectionType: "ALL" } }],
      }).apply({ providerOptions }),
    );
    expect(global.message).toMatch(/GlobalSecondaryIndexes\.byAuthor/);
    const local = await failureOf(
      table("reindex", {
        ...block,
        LocalSecondaryIndexes: [
          {
            IndexName: "byAuthorLocal",
            KeySchema: [
              { AttributeName: "Post", KeyType: "HASH" },
              { AttributeName: "Author", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "KEYS_ONLY" },
          },
        ],
      }).apply({ providerOptions }),
    );
    expect(local.message).toMatch(/LocalSecondaryIndexes .* can only change by replacing/);
  });

  it("terminates the table", async () => {
    await expectTerminates(import.meta.url, table, async (label) => {
      expect(await describeTable(label)).toBeUndefined();
    });
  });

  it("deletes the table when asked to stop, and then counts it as stopped", async () => {
    const { again } = await expectStopDeletes(import.meta.url, table, async (label) => {
      expect(await describeTable(label)).toBeUndefined();
    });
    expect(again).toMatchObject({ outcome: "unchanged", state: "terminated" });
  });

  it("terminates a table that is already gone", async () => {
    await expectTerminatesWhenGone(import.meta.url, table, (label) =>
      dynamodb.send(new DeleteTableCommand({ TableName: uniqueName(import.meta.url, label) })),
    );
  });

  it("fails to terminate a deletion-protected table and says why", async () => {
    await table("protected", { DeletionProtectionEnabled: true }).apply({ providerOptions });
    const error = await failureOf(
      table("protected", { DeletionProtectionEnabled: true }).apply({
        providerOptions,
        desiredState: "terminated",
      }),
    );
    expect(error.message).toMatch(/DeletionProtectionEnabled is true/);
    await table("protected", { DeletionProtectionEnabled: false }).apply({ providerOptions });
    await table("protected").apply({ providerOptions, desiredState: "terminated" });
    expect(await describeTable("protected")).toBeUndefined();
  });

  it("refuses to terminate or update a table it did not create, until told to adopt it", async () => {
    const name = uniqueName(import.meta.url, "foreign");
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        ...SIMPLE,
        AttributeDefinitions: [...SIMPLE.AttributeDefinitions],
        KeySchema: [...SIMPLE.KeySchema],
        Tags: [{ Key: "owner", Value: "someone-else" }],
      }),
    );
    await expectAdoptionRequired(import.meta.url, {
      particle: (block) => table("foreign", block),
      changed: () => table("foreign", { DeletionProtectionEnabled: true }),
      expectUntouched: async () => {
        expect(await describeTable("foreign")).toMatchObject({ DeletionProtectionEnabled: false });
      },
      expectGone: async () => {
        expect(await describeTable("foreign")).toBeUndefined();
      },
    });
  });

  it("reads a field of tables with one DescribeTable each, and their tags only when listed", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    await applyField(new Field(labels.map((label) => table(label))).link(), { providerOptions });

    const read = await countSyncAll(
      import.meta.url,
      DynamodbTable,
      [...labels, "batch-missing"].map((label) => table(label)),
    );
    expect(read.states).toEqual(["running", "running", "running", "terminated"]);
    // DynamoDB has no batch read: one DescribeTable per table, the missing one included.
    expect(read.counts).toEqual({ DescribeTableCommand: 4 });

    const tagged = await countApply(
      import.meta.url,
      labels.map((label) => table(label, { Tags: {} })),
    );
    expect(tagged.outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(tagged.counts).toEqual({
      DescribeTableCommand: 3,
      ListTagsOfResourceCommand: 3,
    });
  });

  it("loads and applies PCF's own example definition, then its update", async () => {
    // From capitalone/Particle-Cloud-Framework
    // examples/particle/aws/dynamodb/use_dynamodb/example_dynamodb_table.py.
    const example = {
      pcf_name: "pcf_dynamodb",
      flavor: "dynamodb_table",
      aws_resource: {
        AttributeDefinitions: [
          { AttributeName: "Post", AttributeType: "S" },
          { AttributeName: "PostDateTime", AttributeType: "S" },
        ],
        TableName: "pcf_test_table",
        KeySchema: [{ AttributeName: "Post", KeyType: "HASH" }],
        LocalSecondaryIndexes: [
          {
            IndexName: "LastPostIndex",
            KeySchema: [
              { AttributeName: "Post", KeyType: "HASH" },
              { AttributeName: "PostDateTime", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "KEYS_ONLY" },
          },
        ],
        ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 10 },
      },
    };
    const { field } = await loadField([example]);
    expect(field.get("dynamodb_table:pcf_dynamodb")).toBeInstanceOf(DynamodbTable);

    // PCF's test adds Tags as a map; its update raises the throughput.
    const name = uniqueName(import.meta.url, "example");
    const created = {
      ...example,
      aws_resource: {
        ...example.aws_resource,
        TableName: name,
        Tags: { Name: "pcf-dynamodb-test" },
      },
    };
    await applyField((await loadField([created])).field, { providerOptions });
    const updated = {
      ...created,
      aws_resource: {
        ...created.aws_resource,
        ProvisionedThroughput: { ReadCapacityUnits: 25, WriteCapacityUnits: 30 },
      },
    };
    const result = await applyField((await loadField([updated])).field, { providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(await describeTable("example")).toMatchObject({
      ProvisionedThroughput: { ReadCapacityUnits: 25, WriteCapacityUnits: 30 },
      LocalSecondaryIndexes: [expect.objectContaining({ IndexName: "LastPostIndex" })],
    });
    expect(await tagsOf("example")).toEqual({ Name: "pcf-dynamodb-test", ...OWNERSHIP });
  });

  it("rejects a definition without its TableName when constructed", () => {
    expect(
      () =>
        new DynamodbTable({
          pcf_name: "nameless",
          flavor: "dynamodb_table",
          aws_resource: { ...SIMPLE },
        }),
    ).toThrow(/unique key aws_resource\.TableName is required/);
  });

  it("rejects wrong types and unknown fields, listing every problem", async () => {
    const error = await definitionErrorOf([
      {
        pcf_name: "typed",
        flavor: "dynamodb_table",
        aws_resource: {
          TableName: 42,
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "STRING" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
          ReadCapacity: 5,
          Tags: "team=data",
        },
      },
    ]);
    const fields = error.issues.map((issue) => issue.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "aws_resource.TableName",
        "aws_resource.AttributeDefinitions[0].AttributeType",
        "aws_resource.Tags",
      ]),
    );
    expect(error.issues.map((issue) => issue.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/unknown field ReadCapacity/)]),
    );
  });

  it("rejects definitions CreateTable would refuse, before any call", async () => {
    const error = await definitionErrorOf([
      {
        pcf_name: "refused",
        flavor: "dynamodb_table",
        aws_resource: {
          TableName: uniqueName(import.meta.url, "refused"),
          AttributeDefinitions: [
            { AttributeName: "id", AttributeType: "S" },
            { AttributeName: "unused", AttributeType: "S" },
          ],
          KeySchema: [
            { AttributeName: "id", KeyType: "HASH" },
            { AttributeName: "sort", KeyType: "RANGE" },
          ],
          StreamSpecification: { StreamEnabled: true },
        },
      },
    ]);
    expect(error.issues.map((issue) => `${issue.field}: ${issue.message}`)).toEqual(
      expect.arrayContaining([
        "aws_resource.ProvisionedThroughput: required unless BillingMode is PAY_PER_REQUEST",
        "aws_resource.StreamSpecification.StreamViewType: required when StreamEnabled is true",
        'aws_resource.AttributeDefinitions: no definition for key attribute "sort"',
        'aws_resource.AttributeDefinitions: "unused" is used by no key or index (DynamoDB refuses it)',
      ]),
    );
  });
});
