import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTableCommand,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { ParticleDefinition } from "../../../src/index.js";
import { DynamodbTable } from "../../../src/providers/aws/dynamodb/table.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const dynamodb = verificationClient(DynamoDBClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

/** A provisioned table keyed by `key`, with `capacity` read and write units. */
function tableInput(label: string, key: string, capacity: number): CreateTableCommandInput {
  return {
    TableName: name(label),
    AttributeDefinitions: [{ AttributeName: key, AttributeType: "S" }],
    KeySchema: [{ AttributeName: key, KeyType: "HASH" }],
    BillingMode: "PROVISIONED",
    ProvisionedThroughput: { ReadCapacityUnits: capacity, WriteCapacityUnits: capacity },
  };
}

function table(label: string, key: string, capacity: number): ParticleDefinition {
  return definitionOf("dynamodb_table", label, { ...tableInput(label, key, capacity) });
}

/** dynamodb_table: throughput updates in place; the key schema is fixed. */
export const dynamodbTableSpec: ConformanceSpec = {
  flavor: DynamodbTable,
  testFileUrl: import.meta.url,
  definition: (label) => table(label, "id", 5),
  verify: async (label) => {
    try {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name(label) }));
      return {
        hashKey: Table?.KeySchema?.[0]?.AttributeName,
        capacity: Table?.ProvisionedThroughput?.ReadCapacityUnits,
      };
    } catch {
      return undefined;
    }
  },
  drift: {
    apply: async (label) => {
      await dynamodb.send(
        new UpdateTableCommand({
          TableName: name(label),
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        }),
      );
    },
    field: "capacity",
  },
  update: { definition: (label) => table(label, "id", 10), expected: { capacity: 10 } },
  replace: {
    definition: (label) => table(label, "key", 5),
    field: "KeySchema",
    expected: { hashKey: "key", capacity: 5 },
  },
  stop: "none",
  createForeign: async (label) => {
    await dynamodb.send(new CreateTableCommand(tableInput(label, "id", 5)));
  },
  createOperation: "CreateTable",
};
