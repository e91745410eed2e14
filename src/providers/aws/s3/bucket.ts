import {
  BucketCannedACL,
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketTaggingCommand,
  ObjectOwnership,
  PutBucketTaggingCommand,
  S3Client,
  paginateListBuckets,
  type Bucket,
  type BucketLocationConstraint,
  type CreateBucketCommandInput,
} from "@aws-sdk/client-s3";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import * as z from "zod";
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { readPath } from "../../../core/values.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { isOwnedBy, type TagChanges, type TagMap } from "../../kit/tags.js";
import { isNoTagSet } from "../errors.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { tagMapSchema, tagsFromList, tagsToList } from "../tags.js";
import { ownedBucketTags } from "./owned-buckets.js";

/** The `aws_resource` block of an `s3_bucket` particle: CreateBucket's parameters, plus PCF's extras. */
export const s3BucketSchema = z.looseObject({
  /** The bucket's name, globally unique (3–63 characters). Required: it is the unique key. */
  Bucket: z.string().min(3).max(63),
  /** A canned ACL applied at creation. Default: none (the bucket is private). */
  ACL: z.enum(BucketCannedACL).optional(),
  /**
   * `LocationConstraint`: the bucket's region. Default: the particle's region, which is what
   * CreateBucket needs outside us-east-1, so PCF files that set it keep working and others need not.
   */
  CreateBucketConfiguration: z
    .looseObject({ LocationConstraint: z.string().min(1).optional() })
    .optional(),
  /** Grantees given full control at creation (`id="…"`). Default: none. */
  GrantFullControl: z.string().optional(),
  /** Grantees allowed to list the bucket. Default: none. */
  GrantRead: z.string().optional(),
  /** Grantees allowed to read the bucket ACL. Default: none. */
  GrantReadACP: z.string().optional(),
  /** Grantees allowed to create objects. Default: none. */
  GrantWrite: z.string().optional(),
  /** Grantees allowed to write the bucket ACL. Default: none. */
  GrantWriteACP: z.string().optional(),
  /** Turns on S3 Object Lock at creation. Default false. */
  ObjectLockEnabledForBucket: z.boolean().optional(),
  /** Object ownership setting at creation. Default: AWS's (`BucketOwnerEnforced`). */
  ObjectOwnership: z.enum(ObjectOwnership).optional(),
  /** The bucket's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /**
   * `Tags`: the bucket's whole tag set, as a map (PCF keeps bucket tags here). Tags not listed are
   * removed on update; the `pcf:managed-by` ownership tag is always kept. Default: no tags are
   * read or compared, and the bucket carries only the ownership tag. `adopt`: see {@link awsCustomConfigSchema}.
   */
  custom_config: awsCustomConfigSchema.extend({ Tags: tagMapSchema.optional() }).optional(),
});

/** What a user writes in the `aws_resource` block of an `s3_bucket` particle. */
export type S3BucketDefinition = z.infer<typeof s3BucketSchema>;

/** A bucket as listed: with its tags when the tagging index lists it as ours. */
export type ListedBucket = Bucket & { readonly ownedTags?: TagMap };

/** PutBucketTagging calls a create makes at most before it gives up on the tags taking. */
const MAX_TAG_WRITES = 3;

/** The codes of the bucket calls, by class. */
const BUCKET_ERRORS: OperationErrors = {
  CreateBucket: {
    alreadyExists: ["BucketAlreadyOwnedByYou"],
    invalid: ["BucketAlreadyExists", "InvalidBucketName", "IllegalLocationConstraintException"],
  },
  DeleteBucket: { notFound: ["NoSuchBucket"], inUse: ["BucketNotEmpty"] },
  GetBucketTagging: { notFound: ["NoSuchBucket"] },
  PutBucketTagging: { notFound: ["NoSuchBucket"] },
};

/**
 * An S3 bucket, found by its name among the buckets the caller owns in the particle's region.
 * A bucket has no stopped form: stopping deletes it. Deleting fails on a non-empty bucket, as in
 * PCF: particle-cloud never deletes objects. Only the tags (`custom_config.Tags`) are updated in
 * place; the other fields apply at creation.
 *
 * Reads are batched: one ListBuckets per region for any number of buckets, and one
 * Resource Groups Tagging API GetResources for the tags of those that carry the ownership tag.
 * Only a bucket that index does not list as ours costs a GetBucketTagging: the ownership tag is
 * written after the create on emulators, so a read must tell an untagged bucket from ours.
 *
 * @example
 * ```ts
 * const logs = new S3Bucket({
 *   pcf_name: "logs",
 *   flavor: "s3_bucket",
 *   aws_resource: { Bucket: "acme-logs", custom_config: { Tags: { team: "data" } } },
 * });
 * await logs.apply({ providerOptions: { aws: { region: "eu-west-1" } } });
 * ```
 */
export class S3Bucket extends AWSResource<S3BucketDefinition, ListedBucket, S3Client> {
  static override readonly flavor: string = "s3_bucket";
  static override readonly service: string = "s3";
  static override readonly Client = S3Client;
  static override readonly definitionSchema = s3BucketSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.Bucket"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly inPlaceFields: readonly string[] = ["custom_config.Tags"];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "custom_config.Tags",
    ownershipWritten: "after-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateBucket";
  static override readonly operationErrors = BUCKET_ERRORS;
  static override readonly actions = {
    read: ["s3:ListAllMyBuckets", "tag:GetResources", "s3:GetBucketTagging"],
    start: ["s3:CreateBucket", "s3:PutBucketTagging", "s3:GetBucketTagging"],
    update: ["s3:PutBucketTagging"],
    terminate: ["s3:DeleteBucket"],
  };

  /**
   * The buckets of `names` the caller owns in this region (ListBuckets, page by page), each with
   * its tags when the tagging index lists it as ours.
   */
  protected override async list(
    client: S3Client,
    names: readonly string[],
    context: RunContext,
  ): Promise<ReadonlyMap<string, ListedBucket>> {
    const buckets = await this.bucketsHere(client, context, (name) => names.includes(name));
    return new Map(buckets.map((bucket) => [bucket.Name ?? "", bucket]));
  }

  /**
   * Every bucket the caller owns in the particle's region (ListBuckets by region, page by page),
   * each with its tags when the tagging index lists it as ours. Bucket names are global: those
   * of other regions and accounts are not listed.
   */
  protected override listAll(
    client: S3Client,
    context: RunContext,
  ): Promise<readonly ListedBucket[]> {
    return this.bucketsHere(client, context, () => true);
  }

  /** A listed bucket is running; its tags are known when the tagging index listed it as ours. */
  protected override observe(
    { Name, CreationDate, ownedTags }: ListedBucket,
    context: RunContext,
  ): Observation {
    const region_name = this.region(context);
    return {
      state: "running",
      definition: { Bucket: Name, CreationDate: CreationDate?.toISOString(), region_name },
      ...(ownedTags === undefined ? {} : { tags: ownedTags }),
    };
  }

  /**
   * CreateBucket in the particle's region with its tags and the ownership tag, then the tags
   * written again with PutBucketTagging (S3 emulators drop them at create) and read back, written
   * again while the ownership tag is missing: an empty 200 that never reached S3 would otherwise
   * pass for a tagged bucket, one that every later run refuses as someone else's.
   * @throws PcfError `TRANSITION_FAILED` when the tags do not take after three writes.
   */
  protected override async create(
    client: S3Client,
    desired: S3BucketDefinition,
    context: RunContext,
  ): Promise<ListedBucket> {
    const bucket = { Name: desired.Bucket };
    const tags = { ...this.wantedTags(), ...this.writtenOwnership };
    await client.send(new CreateBucketCommand(toCreateInput(desired, this.region(context), tags)), {
      abortSignal: context.signal,
    });
    for (let attempt = 1; attempt <= MAX_TAG_WRITES; attempt += 1) {
      await this.writeTags(client, bucket, { set: tags, remove: [] }, context);
      if (isOwnedBy(await this.readTags(client, bucket, context), this.ownershipTag)) return bucket;
    }
    throw new PcfError(
      "TRANSITION_FAILED",
      `tag ${this.resourceLabel()}: the tags were written ${MAX_TAG_WRITES} times but a read does not show them`,
      { particle: this.id },
    );
  }

  /** DeleteBucket: S3 refuses a bucket that still holds objects. */
  protected override async remove(
    client: S3Client,
    { Name }: ListedBucket,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteBucketCommand({ Bucket: Name }), { abortSignal: signal });
  }

  /** The bucket's tags; `{}` when it has none (S3 answers `NoSuchTagSet`). */
  protected override async readTags(
    client: S3Client,
    { Name }: ListedBucket,
    { signal }: RunContext,
  ): Promise<TagMap> {
    try {
      const input = new GetBucketTaggingCommand({ Bucket: Name });
      return tagsFromList((await client.send(input, { abortSignal: signal })).TagSet);
    } catch (error) {
      if (isNoTagSet(error)) return {};
      throw error;
    }
  }

  /**
   * PutBucketTagging, which replaces the whole set: the live tags with `changes` applied (so that
   * adopting a bucket whose definition lists no tags keeps the ones it has).
   */
  protected override async writeTags(
    client: S3Client,
    { Name }: ListedBucket,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const kept = Object.entries(this.liveTags ?? {}).filter(
      ([key]) => !remove.includes(key) && !key.startsWith("aws:"),
    );
    const TagSet = tagsToList({ ...Object.fromEntries(kept), ...set });
    await client.send(new PutBucketTaggingCommand({ Bucket: Name, Tagging: { TagSet } }), {
      abortSignal: signal,
    });
  }

  /**
   * The caller's buckets in this region whose names `isWanted` (ListBuckets, page by page), each
   * with its tags when the tagging index lists it as ours (asked only when some bucket is wanted).
   */
  private async bucketsHere(
    client: S3Client,
    context: RunContext,
    isWanted: (name: string) => boolean,
  ): Promise<ListedBucket[]> {
    const buckets: Bucket[] = [];
    const input = { BucketRegion: this.region(context) };
    const pages = paginateListBuckets({ client }, input, { abortSignal: context.signal });
    for await (const page of pages)
      buckets.push(...(page.Buckets ?? []).filter(({ Name }) => isWanted(Name ?? "")));
    if (buckets.length === 0) return [];
    const tagging = await this.client(ResourceGroupsTaggingAPIClient, context);
    const owned = await ownedBucketTags(tagging, context.signal);
    return buckets.map((bucket) => {
      const ownedTags = owned?.get(bucket.Name ?? "");
      return ownedTags === undefined ? bucket : { ...bucket, ownedTags };
    });
  }

  /** Only the tags are compared: every other field applies at creation only. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const tags = this.comparableTagsOf(readPath(definition, "custom_config.Tags"));
    return tags === undefined ? {} : { custom_config: { Tags: tags } };
  }
}

/**
 * CreateBucket's input: the definition's create fields, the region as LocationConstraint outside
 * us-east-1, and `tags` (with the ownership tag), so the bucket is ours from its first moment.
 */
function toCreateInput(
  definition: S3BucketDefinition,
  region: string,
  tags: TagMap,
): CreateBucketCommandInput {
  const {
    CreateBucketConfiguration: asked,
    region_name: _,
    custom_config: __,
    ...create
  } = definition;
  // Any region string: the SDK's list of constraints lags behind the regions AWS opens.
  const constraint = (asked?.LocationConstraint ??
    (region === "us-east-1" ? undefined : region)) as BucketLocationConstraint | undefined;
  const location = constraint === undefined ? {} : { LocationConstraint: constraint };
  return { ...create, CreateBucketConfiguration: { ...location, Tags: tagsToList(tags) } };
}
