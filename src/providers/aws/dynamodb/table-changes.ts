import {
  BillingMode,
  KeyType,
  type AttributeDefinition,
  type KeySchemaElement,
  type LocalSecondaryIndexDescription,
  type Projection,
  type ProvisionedThroughput,
  type StreamSpecification,
  type TableDescription,
  type UpdateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import { isDeepStrictEqual } from "node:util";
import type { DefinitionDifference } from "../../../core/diff.js";
import { isPlainObject } from "../../../core/values.js";
import { comparableTags, tagMapOf } from "../tags.js";
import type { DynamodbTableDefinition as TableFields } from "./table-definition.js";

// How `dynamodb_table` reads, compares and changes a table: DescribeTable's answer in the shape a
// definition is written in, one comparable form for both sides, and the UpdateTable calls that turn
// the live table into the definition. Pure functions only.

/** A secondary index as a definition writes it (global ones may carry their own throughput). */
type Index = NonNullable<TableFields["GlobalSecondaryIndexes"]>[number];

/**
 * A table as DescribeTable reports it, in the shape a definition is written in, plus the
 * read-only `TableArn`, `TableStatus` and `LatestStreamArn` for `$inherit$`. On-demand tables
 * carry no throughput (moto keeps reporting the old numbers; AWS reports zeros).
 * @internal
 */
export function describedTable(table: TableDescription): Record<string, unknown> {
  const billing = table.BillingModeSummary?.BillingMode ?? BillingMode.PROVISIONED;
  const throughput = (value: Partial<ProvisionedThroughput> | undefined): object =>
    billing === BillingMode.PROVISIONED && value !== undefined
      ? { ProvisionedThroughput: capacityOf(value) }
      : {};
  const index = ({ IndexName, KeySchema, Projection }: LocalSecondaryIndexDescription): object => ({
    IndexName,
    KeySchema,
    Projection,
  });
  const stream = table.StreamSpecification;
  return {
    TableName: table.TableName,
    TableArn: table.TableArn,
    TableStatus: table.TableStatus,
    AttributeDefinitions: table.AttributeDefinitions ?? [],
    KeySchema: table.KeySchema ?? [],
    LocalSecondaryIndexes: (table.LocalSecondaryIndexes ?? []).map(index),
    GlobalSecondaryIndexes: (table.GlobalSecondaryIndexes ?? []).map((live) => ({
      ...index(live),
      ...throughput(live.ProvisionedThroughput),
    })),
    BillingMode: billing,
    ...throughput(table.ProvisionedThroughput),
    StreamSpecification: stream?.StreamEnabled === true ? stream : { StreamEnabled: false },
    LatestStreamArn: table.LatestStreamArn,
    DeletionProtectionEnabled: table.DeletionProtectionEnabled ?? false,
  };
}

/**
 * The form both sides are compared in: attribute types by name, key schemas HASH first, indexes
 * sorted by name (a whole list: an index missing on either side is a difference), throughput
 * without AWS's counters, BillingMode defaulting to PROVISIONED, a disabled stream without its
 * view type, tags as {@link comparableTags}. Fields a definition leaves out are not compared.
 * @internal
 */
export function comparableTable(definition: Record<string, unknown>): Record<string, unknown> {
  const fields = definition as Partial<TableFields>;
  const listed = <T, R>(value: T[] | undefined, form: (value: T[]) => R): R | undefined =>
    Array.isArray(value) ? form(value) : undefined;
  return {
    TableName: fields.TableName,
    AttributeDefinitions: listed(fields.AttributeDefinitions, attributeTypes),
    KeySchema: listed(fields.KeySchema, sortedKeys),
    LocalSecondaryIndexes: listed(fields.LocalSecondaryIndexes, sortedIndexes),
    GlobalSecondaryIndexes: listed(fields.GlobalSecondaryIndexes, sortedIndexes),
    BillingMode: fields.BillingMode ?? BillingMode.PROVISIONED,
    ProvisionedThroughput: isPlainObject(fields.ProvisionedThroughput)
      ? capacityOf(fields.ProvisionedThroughput)
      : undefined,
    StreamSpecification: comparableStream(fields.StreamSpecification),
    DeletionProtectionEnabled: fields.DeletionProtectionEnabled,
    Tags: fields.Tags === undefined ? undefined : comparableTags(tagMapOf(fields.Tags)),
  };
}

/**
 * The UpdateTable calls that bring `table` to `desired`: removed global indexes first, then
 * billing mode and throughput (table and kept indexes together), then new indexes, the stream
 * (disabled first when only its view type changes) and deletion protection. Fields fixed at
 * creation ({@link fixedTableChanges}) are not its business: they replace the table.
 * @internal
 */
export function planTableUpdate(
  desired: TableFields,
  table: TableDescription,
): UpdateTableCommandInput[] {
  const live = describedTable(table) as unknown as TableFields;
  const { TableName, GlobalSecondaryIndexes: wanted } = desired;
  const call = (change: Omit<UpdateTableCommandInput, "TableName">) => ({ TableName, ...change });
  const liveIndexes = new Map((live.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i]));
  const isWanted = (name: string): boolean => wanted?.some((i) => i.IndexName === name) ?? true;
  const steps = [...liveIndexes.keys()]
    .filter((IndexName) => !isWanted(IndexName))
    .map((IndexName) => call({ GlobalSecondaryIndexUpdates: [{ Delete: { IndexName } }] }));

  const billing = desired.BillingMode ?? BillingMode.PROVISIONED;
  const isProvisioned = billing === BillingMode.PROVISIONED;
  const isBillingChanged = billing !== live.BillingMode;
  const isCapacityChanged = (want?: ProvisionedThroughput, have?: ProvisionedThroughput): boolean =>
    isProvisioned &&
    want !== undefined &&
    (isBillingChanged || !isDeepStrictEqual(capacityOf(want), have && capacityOf(have)));
  const kept = (wanted ?? []).filter((index) => liveIndexes.has(index.IndexName));
  const liveCapacity = (name: string) => liveIndexes.get(name)?.ProvisionedThroughput;
  const indexUpdates = kept
    .filter((index) =>
      isCapacityChanged(index.ProvisionedThroughput, liveCapacity(index.IndexName)),
    )
    .map(({ IndexName, ProvisionedThroughput }) => ({
      Update: { IndexName, ProvisionedThroughput },
    }));
  const throughput = desired.ProvisionedThroughput;
  const isThroughputChanged = isCapacityChanged(throughput, live.ProvisionedThroughput);
  if (isBillingChanged || isThroughputChanged || indexUpdates.length > 0)
    steps.push(
      call({
        ...(isBillingChanged ? { BillingMode: billing } : {}),
        ...(isThroughputChanged ? { ProvisionedThroughput: throughput } : {}),
        ...(indexUpdates.length > 0 ? { GlobalSecondaryIndexUpdates: indexUpdates } : {}),
      }),
    );

  const present = [...kept];
  for (const index of wanted ?? []) {
    if (liveIndexes.has(index.IndexName)) continue;
    present.push(index);
    const create = {
      ...index,
      ProvisionedThroughput: isProvisioned ? index.ProvisionedThroughput : undefined,
    };
    // The whole set in use: AWS merges it, moto replaces the table's set with it.
    const AttributeDefinitions = attributesInUse(desired, live, present);
    steps.push(call({ AttributeDefinitions, GlobalSecondaryIndexUpdates: [{ Create: create }] }));
  }

  const [stream, liveStream] = [desired.StreamSpecification, live.StreamSpecification];
  const disabled = { StreamSpecification: { StreamEnabled: false } };
  if (
    stream !== undefined &&
    !isDeepStrictEqual(comparableStream(stream), comparableStream(liveStream))
  ) {
    // A stream's view type cannot change while it is enabled.
    if (stream.StreamEnabled && liveStream?.StreamEnabled === true) steps.push(call(disabled));
    steps.push(call(stream.StreamEnabled ? { StreamSpecification: stream } : disabled));
  }
  const protection = desired.DeletionProtectionEnabled;
  if (protection !== undefined && protection !== live.DeletionProtectionEnabled)
    steps.push(call({ DeletionProtectionEnabled: protection }));
  return steps;
}

/**
 * The fields of `desired` that DynamoDB fixes at creation and `table` has otherwise: the key
 * schema, local indexes, an attribute's type, a global index's keys or projection (a renamed
 * global index is a new one, not a change). Paths as the definition writes them
 * (`AttributeDefinitions.id`, `GlobalSecondaryIndexes.byOwner`).
 * @internal
 */
export function fixedTableChanges(
  desired: TableFields,
  table: TableDescription,
): DefinitionDifference[] {
  const live = describedTable(table) as unknown as TableFields;
  const [want, have] = [comparableTable(desired), comparableTable(describedTable(table))];
  const fixed = (["KeySchema", "LocalSecondaryIndexes"] as const)
    .filter((path) => want[path] !== undefined && !isDeepStrictEqual(want[path], have[path]))
    .map((path): DefinitionDifference => ({ path, desired: desired[path], current: live[path] }));
  const liveTypes = attributeTypes(live.AttributeDefinitions);
  for (const [name, type] of Object.entries(attributeTypes(desired.AttributeDefinitions)))
    if (liveTypes[name] !== undefined && liveTypes[name] !== type)
      fixed.push({ path: `AttributeDefinitions.${name}`, desired: type, current: liveTypes[name] });
  const keysOf = ({ KeySchema, Projection }: Index) => ({ KeySchema, Projection });
  const shapeOf = (index: Index) => [
    sortedKeys(index.KeySchema),
    sortedProjection(index.Projection),
  ];
  for (const index of desired.GlobalSecondaryIndexes ?? []) {
    const existing = live.GlobalSecondaryIndexes?.find((i) => i.IndexName === index.IndexName);
    if (existing !== undefined && !isDeepStrictEqual(shapeOf(index), shapeOf(existing))) {
      const path = `GlobalSecondaryIndexes.${index.IndexName}`;
      fixed.push({ path, desired: keysOf(index), current: keysOf(existing) });
    }
  }
  return fixed;
}

/** The attribute definitions the table's keys, its local indexes and `indexes` use. */
function attributesInUse(
  desired: TableFields,
  live: TableFields,
  indexes: readonly Index[],
): AttributeDefinition[] {
  const keyed = [desired, ...(live.LocalSecondaryIndexes ?? []), ...indexes];
  const names = new Set(
    keyed.flatMap(({ KeySchema }) => KeySchema.map((key) => key.AttributeName)),
  );
  const known = [...desired.AttributeDefinitions, ...live.AttributeDefinitions];
  return [...names].flatMap((name) => known.find((a) => a.AttributeName === name) ?? []);
}

function attributeTypes(definitions: readonly AttributeDefinition[]): Record<string, unknown> {
  return Object.fromEntries(definitions.map((a) => [String(a.AttributeName), a.AttributeType]));
}

function sortedKeys(keys: readonly KeySchemaElement[]): KeySchemaElement[] {
  return [...keys]
    .map(({ AttributeName, KeyType: type }) => ({ AttributeName, KeyType: type }))
    .sort((a, b) => Number(a.KeyType !== KeyType.HASH) - Number(b.KeyType !== KeyType.HASH));
}

function sortedProjection(projection: Projection | undefined): Projection {
  const nonKey = [...(projection?.NonKeyAttributes ?? [])].sort();
  return {
    ProjectionType: projection?.ProjectionType,
    ...(nonKey.length > 0 ? { NonKeyAttributes: nonKey } : {}),
  };
}

function sortedIndexes(indexes: readonly Index[]): unknown[] {
  return [...indexes]
    .sort((a, b) => a.IndexName.localeCompare(b.IndexName))
    .map(({ IndexName, KeySchema, Projection, ProvisionedThroughput: throughput }) => ({
      IndexName,
      KeySchema: sortedKeys(KeySchema),
      Projection: sortedProjection(Projection),
      ...(throughput === undefined ? {} : { ProvisionedThroughput: capacityOf(throughput) }),
    }));
}

/** A stream as compared: a disabled one without its view type. */
function comparableStream(stream: StreamSpecification | undefined): unknown {
  if (!isPlainObject(stream)) return undefined;
  const { StreamEnabled, StreamViewType } = stream;
  return StreamEnabled === true ? { StreamEnabled, StreamViewType } : { StreamEnabled: false };
}

function capacityOf(throughput: Partial<ProvisionedThroughput>): ProvisionedThroughput {
  const { ReadCapacityUnits, WriteCapacityUnits } = throughput;
  return { ReadCapacityUnits, WriteCapacityUnits };
}
