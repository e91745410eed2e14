import type { BucketMetadata, Storage } from "@google-cloud/storage";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges } from "../../kit/tags.js";
import { gcpCall } from "../call.js";
import { labelMapSchema, withOwnershipLabel } from "../labels.js";
import { GCPResource, gcpCustomConfigSchema } from "../resource.js";
import { storageClient, storageEndpoint } from "./client.js";
import { commonPrefix } from "../../kit/common-prefix.js";

/** The storage classes a bucket takes by default for its objects. */
const STORAGE_CLASSES = ["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"] as const;

/** The `gcp_resource` block of a `storage` particle: a Cloud Storage bucket. */
export const storageBucketSchema = z.strictObject({
  /** The bucket's name: 3–63 of `a-z 0-9 - _ .`, globally unique. Required: the unique key. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, "expected 3-63 of a-z 0-9 - _ ., as GCS names"),
  /**
   * Where the bucket lives: a multi-region (`US`, `EU`, `ASIA`), a dual- or a single region
   * (`europe-west1`), compared case-insensitively. Default `US`. Fixed at creation: a change
   * replaces the bucket (with `replace_on_change`) or is refused.
   */
  location: z.string().min(1).optional(),
  /** The default storage class of its objects. Default `STANDARD`. Changes in place. */
  storageClass: z.enum(STORAGE_CLASSES).optional(),
  /**
   * The bucket's whole label set. Labels not listed are removed on update; the
   * `pcf-managed-by` ownership label is always kept. Default: not compared. Changes in place.
   */
  labels: labelMapSchema.optional(),
  /** Object versioning: `{ enabled: true }` keeps noncurrent versions. Default off. Changes in place. */
  versioning: z.strictObject({ enabled: z.boolean() }).optional(),
  /** `project`, `adopt`, `replace_on_change`: see {@link gcpCustomConfigSchema}. */
  custom_config: gcpCustomConfigSchema.optional(),
});

/** What a user writes in the `gcp_resource` block of a `storage` particle. */
export type StorageBucketDefinition = z.infer<typeof storageBucketSchema>;

/** The reasons of the bucket calls, by class. */
const BUCKET_ERRORS: OperationErrors = {
  "buckets.insert": { alreadyExists: ["conflict"], invalid: ["invalid", "required"] },
  "buckets.delete": { notFound: ["notFound"], inUse: ["conflict"] },
  "buckets.patch": { notFound: ["notFound"], invalid: ["invalid"] },
};

/**
 * A Cloud Storage bucket (PCF's `storage` flavor), found by its name in its project. A bucket
 * has no stopped form: stopping deletes it (it must be empty). The storage class, versioning and
 * labels change in place (`buckets.patch`); the location is fixed. The ownership label goes in
 * `buckets.insert` itself.
 *
 * Reads are batched: one `buckets.list` per project (paged) over the longest prefix common to
 * the names; its answer carries the labels.
 *
 * @example
 * ```ts
 * const logs = new StorageBucket({
 *   pcf_name: "logs",
 *   flavor: "storage",
 *   gcp_resource: { name: "acme-logs", location: "EU", labels: { team: "ops" } },
 * });
 * await logs.apply({ providerOptions: { gcp: { projectId: "acme-prod" } } });
 * ```
 */
export class StorageBucket extends GCPResource<StorageBucketDefinition, BucketMetadata, Storage> {
  static override readonly flavor: string = "storage";
  static override readonly service: string = "storage";
  static override readonly definitionSchema = storageBucketSchema;
  static override readonly uniqueKeys: readonly string[] = ["gcp_resource.name"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = ["location"];
  static override readonly inPlaceFields: readonly string[] = [
    "storageClass",
    "versioning",
    "labels",
  ];
  static override readonly readShape = "list-by-prefix";
  static override readonly tagging = {
    field: "labels",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "buckets.insert";
  static override readonly operationErrors = BUCKET_ERRORS;
  static override readonly actions = {
    read: ["storage.buckets.list"],
    start: ["storage.buckets.create"],
    update: ["storage.buckets.update"],
    terminate: ["storage.buckets.delete"],
  };

  protected override readonly updaters: FieldUpdaters<
    StorageBucketDefinition,
    BucketMetadata,
    Storage
  > = {
    storageClass: (client, live, { storageClass = "STANDARD" }, { signal }) =>
      patch(client, live, { storageClass }, signal),
    versioning: (client, live, { versioning }, { signal }) =>
      patch(client, live, { versioning: { enabled: versioning?.enabled === true } }, signal),
  };

  /** The buckets of `names` in the particle's project: `buckets.list` over their common prefix. */
  protected override async list(
    client: Storage,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, BucketMetadata>> {
    const wanted = new Set(names);
    const found = new Map<string, BucketMetadata>();
    for (const bucket of await bucketsOf(client, commonPrefix(names), signal))
      if (bucket.name !== undefined && wanted.has(bucket.name)) found.set(bucket.name, bucket);
    return found;
  }

  /** Every bucket of the particle's project: `buckets.list`, page by page. */
  protected override listAll(
    client: Storage,
    { signal }: RunContext,
  ): Promise<readonly BucketMetadata[]> {
    return bucketsOf(client, "", signal);
  }

  /** A listed bucket is running; no versioning field means off. */
  protected override observe(bucket: BucketMetadata, context: RunContext): Observation {
    const labels = { ...bucket.labels } as Record<string, string>;
    return {
      state: "running",
      definition: {
        name: bucket.name,
        location: bucket.location,
        storageClass: bucket.storageClass,
        labels,
        versioning: { enabled: bucket.versioning?.enabled === true },
        selfLink: bucket.selfLink,
        custom_config: this.placeOf(context),
      },
      tags: labels,
    };
  }

  /** `buckets.insert` with every field and the labels plus the ownership label; its answer is the bucket. */
  protected override async create(
    client: Storage,
    { name, location, storageClass, labels, versioning }: StorageBucketDefinition,
    { signal }: RunContext,
  ): Promise<BucketMetadata> {
    const [bucket] = await gcpCall("buckets.insert", signal, () =>
      client.createBucket(name, {
        ...(location === undefined ? {} : { location }),
        ...(storageClass === undefined ? {} : { storageClass }),
        ...(versioning === undefined ? {} : { versioning }),
        labels: withOwnershipLabel(labels),
      }),
    );
    return bucket.metadata;
  }

  /** `buckets.delete`: fails while the bucket holds objects. */
  protected override async remove(
    client: Storage,
    { name = "" }: BucketMetadata,
    { signal }: RunContext,
  ): Promise<void> {
    await gcpCall("buckets.delete", signal, () => client.bucket(name).delete());
  }

  /** One `buckets.patch`: `null` removes a label. */
  protected override async writeTags(
    client: Storage,
    live: BucketMetadata,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const labels: Record<string, string | null> = { ...set };
    for (const key of remove) labels[key] = null;
    await patch(client, live, { labels }, signal);
  }

  protected override endpoint(context: RunContext): string {
    return storageEndpoint(context);
  }

  protected override connect(
    project: string,
    context: RunContext,
    options: { readonly isSingleAttempt: boolean },
  ): Promise<Storage> {
    return storageClient(context, project, options);
  }

  /** The name, and what is written of the rest: the location in capitals, the labels with ours. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { name, location, storageClass, labels, versioning } = definition;
    return {
      name,
      location: typeof location === "string" ? location.toUpperCase() : location,
      storageClass,
      versioning,
      labels: this.comparableTagsOf(labels),
    };
  }
}

/** The buckets of the client's project whose names start with `prefix` (`""`: all), every page. */
async function bucketsOf(
  client: Storage,
  prefix: string,
  signal: AbortSignal,
): Promise<BucketMetadata[]> {
  const [buckets] = await gcpCall("buckets.list", signal, () =>
    client.getBuckets({ ...(prefix === "" ? {} : { prefix }), autoPaginate: true }),
  );
  return buckets.map((bucket) => bucket.metadata);
}

/** One `buckets.patch` of `metadata`. */
async function patch(
  client: Storage,
  { name = "" }: BucketMetadata,
  metadata: BucketMetadata,
  signal: AbortSignal,
): Promise<void> {
  await gcpCall("buckets.patch", signal, () => client.bucket(name).setMetadata(metadata));
}
