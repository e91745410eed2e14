import {
  BillingMode,
  KeyType,
  type AttributeDefinition,
  type GlobalSecondaryIndexUpdate,
  type KeySchemaElement,
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

// How `dynamodb_table` reads, compares and changes a table: DescribeTable's answer in the shape a
// definition is written in, one comparable form for both sides, and the UpdateTable calls that turn
// the live table into the definition. Pure functions only.

/** A secondary index as a definition writes it (GSIs may carry their own throughput). @internal */
export interface IndexDefinition {
  readonly IndexName: string;
  readonly KeySchema: readonly KeySchemaElement[];
  readonly Projection: Projection;
  readonly ProvisionedThroughput?: ProvisionedThroughput | undefined;
}

/** The fields of a table definition that planning reads. @internal */
export interface TableFields {
  readonly TableName: string;
  readonly AttributeDefinitions: readonly AttributeDefinition[];
  readonly KeySchema: readonly KeySchemaElement[];
  readonly LocalSecondaryIndexes?: readonly IndexDefinition[] | undefined;
  readonly GlobalSecondaryIndexes?: readonly IndexDefinition[] | undefined;
  readonly BillingMode?: BillingMode | undefined;
  readonly ProvisionedThroughput?: ProvisionedThroughput | undefined;
  readonly StreamSpecification?: StreamSpecification | undefined;
  readonly DeletionProtectionEnabled?: boolean | undefined;
}

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
  const index = (live: IndexDefinition): IndexDefinition => ({
    IndexName: live.IndexName,
    KeySchema: live.KeySchema,
    Projection: live.Projection,
  });
  return {
    TableName: table.TableName,
    TableArn: table.TableArn,
    TableStatus: table.TableStatus,
    AttributeDefinitions: table.AttributeDefinitions ?? [],
    KeySchema: table.KeySchema ?? [],
    LocalSecondaryIndexes: (table.LocalSecondaryIndexes ?? []).map((live) =>
      index(live as IndexDefinition),
    ),
    GlobalSecondaryIndexes: (table.GlobalSecondaryIndexes ?? []).map((live) => ({
      ...index(live as IndexDefinition),
      ...throughput(live.ProvisionedThroughput),
    })),
    BillingMode: billing,
    ...throughput(table.ProvisionedThroughput),
    StreamSpecification:
      table.StreamSpecification?.StreamEnabled === true
        ? table.StreamSpecification
        : { StreamEnabled: false },
    ...(table.LatestStreamArn === undefined ? {} : { LatestStreamArn: table.LatestStreamArn }),
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
  const fields = definition as Partial<TableFields> & { Tags?: unknown };
  const stream = fields.StreamSpecification;
  return {
    TableName: fields.TableName,
    AttributeDefinitions: Array.isArray(fields.AttributeDefinitions)
      ? attributeTypes(fields.AttributeDefinitions)
      : undefined,
    KeySchema: Array.isArray(fields.KeySchema) ? sortedKeys(fields.KeySchema) : undefined,
    LocalSecondaryIndexes: Array.isArray(fields.LocalSecondaryIndexes)
      ? sortedIndexes(fields.LocalSecondaryIndexes)
      : undefined,
    GlobalSecondaryIndexes: Array.isArray(fields.GlobalSecondaryIndexes)
      ? sortedIndexes(fields.GlobalSecondaryIndexes)
      : undefined,
    BillingMode: fields.BillingMode ?? BillingMode.PROVISIONED,
    ProvisionedThroughput: isPlainObject(fields.ProvisionedThroughput)
      ? capacityOf(fields.ProvisionedThroughput)
      : undefined,
    StreamSpecification: isPlainObject(stream)
      ? stream.StreamEnabled === true
        ? { StreamEnabled: true, StreamViewType: stream.StreamViewType }
        : { StreamEnabled: false }
      : undefined,
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

  const { TableName } = desired;
  const steps: UpdateTableCommandInput[] = [];
  const liveIndexes = new Map((live.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i]));
  const wanted = desired.GlobalSecondaryIndexes;
  for (const name of liveIndexes.keys())
    if (wanted !== undefined && !wanted.some((index) => index.IndexName === name))
      steps.push({ TableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: name } }] });

  const billing = desired.BillingMode ?? BillingMode.PROVISIONED;
  const isProvisioned = billing === BillingMode.PROVISIONED;
  const isBillingChanged = billing !== live.BillingMode;
  const kept = (wanted ?? []).filter((index) => liveIndexes.has(index.IndexName));
  const indexUpdates: GlobalSecondaryIndexUpdate[] = kept
    .filter(
      (index) =>
        isProvisioned &&
        index.ProvisionedThroughput !== undefined &&
        (isBillingChanged ||
          !isSameCapacity(
            index.ProvisionedThroughput,
            liveIndexes.get(index.IndexName)?.ProvisionedThroughput,
          )),
    )
    .map(({ IndexName, ProvisionedThroughput }) => ({
      Update: { IndexName, ProvisionedThroughput },
    }));
  const isThroughputChanged =
    isProvisioned &&
    desired.ProvisionedThroughput !== undefined &&
    (isBillingChanged ||
      !isSameCapacity(desired.ProvisionedThroughput, live.ProvisionedThroughput));
  if (isBillingChanged || isThroughputChanged || indexUpdates.length > 0) {
    steps.push({
      TableName,
      ...(isBillingChanged ? { BillingMode: billing } : {}),
      ...(isThroughputChanged ? { ProvisionedThroughput: desired.ProvisionedThroughput } : {}),
      ...(indexUpdates.length > 0 ? { GlobalSecondaryIndexUpdates: indexUpdates } : {}),
    });
  }

  const present = [...kept];
  for (const index of wanted ?? []) {
    if (liveIndexes.has(index.IndexName)) continue;
    present.push(index);
    const { IndexName, KeySchema, Projection, ProvisionedThroughput } = index;
    steps.push({
      TableName,
      // The whole set in use: AWS merges it, moto replaces the table's set with it.
      AttributeDefinitions: attributesInUse(desired, live, present),
      GlobalSecondaryIndexUpdates: [
        {
          Create: {
            IndexName,
            KeySchema: [...KeySchema],
            Projection,
            ...(isProvisioned ? { ProvisionedThroughput } : {}),
          },
        },
      ],
    });
  }

  const stream = desired.StreamSpecification;
  const liveStream = live.StreamSpecification;
  const comparable = (spec: StreamSpecification | undefined): unknown =>
    comparableTable({ StreamSpecification: spec })["StreamSpecification"];
  if (stream !== undefined && !isDeepStrictEqual(comparable(stream), comparable(liveStream))) {
    // A stream's view type cannot change while it is enabled.
    if (stream.StreamEnabled === true && liveStream?.StreamEnabled === true)
      steps.push({ TableName, StreamSpecification: { StreamEnabled: false } });
    steps.push({
      TableName,
      StreamSpecification: stream.StreamEnabled === true ? stream : { StreamEnabled: false },
    });
  }

  if (
    desired.DeletionProtectionEnabled !== undefined &&
    desired.DeletionProtectionEnabled !== live.DeletionProtectionEnabled
  )
    steps.push({ TableName, DeletionProtectionEnabled: desired.DeletionProtectionEnabled });
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
  const fixed: DefinitionDifference[] = [];
  if (!isDeepStrictEqual(sortedKeys(desired.KeySchema), sortedKeys(live.KeySchema)))
    fixed.push({ path: "KeySchema", desired: desired.KeySchema, current: live.KeySchema });
  if (
    desired.LocalSecondaryIndexes !== undefined &&
    !isDeepStrictEqual(
      sortedIndexes(desired.LocalSecondaryIndexes),
      sortedIndexes(live.LocalSecondaryIndexes ?? []),
    )
  )
    fixed.push({
      path: "LocalSecondaryIndexes",
      desired: desired.LocalSecondaryIndexes,
      current: live.LocalSecondaryIndexes,
    });
  const liveTypes = attributeTypes(live.AttributeDefinitions);
  for (const [name, type] of Object.entries(attributeTypes(desired.AttributeDefinitions)))
    if (liveTypes[name] !== undefined && liveTypes[name] !== type)
      fixed.push({ path: `AttributeDefinitions.${name}`, desired: type, current: liveTypes[name] });
  for (const index of desired.GlobalSecondaryIndexes ?? []) {
    const existing = live.GlobalSecondaryIndexes?.find((i) => i.IndexName === index.IndexName);
    if (
      existing !== undefined &&
      (!isDeepStrictEqual(sortedKeys(index.KeySchema), sortedKeys(existing.KeySchema)) ||
        !isDeepStrictEqual(
          sortedProjection(index.Projection),
          sortedProjection(existing.Projection),
        ))
    )
      fixed.push({
        path: `GlobalSecondaryIndexes.${index.IndexName}`,
        desired: { KeySchema: index.KeySchema, Projection: index.Projection },
        current: { KeySchema: existing.KeySchema, Projection: existing.Projection },
      });
  }
  return fixed;
}

/** The attribute definitions the table's keys, its local indexes and `indexes` use. */
function attributesInUse(
  desired: TableFields,
  live: TableFields,
  indexes: readonly IndexDefinition[],
): AttributeDefinition[] {
  const names = new Set(
    [desired.KeySchema, ...(live.LocalSecondaryIndexes ?? []).map((i) => i.KeySchema)]
      .concat(indexes.map((index) => index.KeySchema))
      .flatMap((keys) => keys.map((key) => key.AttributeName)),
  );
  const known = [...desired.AttributeDefinitions, ...live.AttributeDefinitions];
  return [...names].flatMap((name) => known.find((a) => a.AttributeName === name) ?? []);
}

function attributeTypes(definitions: readonly AttributeDefinition[]): Record<string, unknown> {
  return Object.fromEntries(
    definitions.map((attribute): [string, unknown] => [
      String(attribute.AttributeName),
      attribute.AttributeType,
    ]),
  );
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

function sortedIndexes(indexes: readonly IndexDefinition[]): IndexDefinition[] {
  return [...indexes]
    .map((index) => ({
      IndexName: index.IndexName,
      KeySchema: sortedKeys(index.KeySchema),
      Projection: sortedProjection(index.Projection),
      ...(index.ProvisionedThroughput === undefined
        ? {}
        : { ProvisionedThroughput: capacityOf(index.ProvisionedThroughput) }),
    }))
    .sort((a, b) => a.IndexName.localeCompare(b.IndexName));
}

function capacityOf(throughput: Partial<ProvisionedThroughput>): ProvisionedThroughput {
  return {
    ReadCapacityUnits: throughput.ReadCapacityUnits,
    WriteCapacityUnits: throughput.WriteCapacityUnits,
  };
}

function isSameCapacity(a: ProvisionedThroughput, b: ProvisionedThroughput | undefined): boolean {
  return b !== undefined && isDeepStrictEqual(capacityOf(a), capacityOf(b));
}
