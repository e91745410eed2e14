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
import * as z from "zod";
import { PcfError } from "../../../core/errors.js";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { isPlainObject } from "../../../core/values.js";
import { isConflict, isNoTagSet, isNotFound, wrapAwsError } from "../errors.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { LegacyAWSResource } from "../legacy-resource.js";
import {
  comparableTags,
  hasOwnershipTag,
  normalizeTags,
  tagMapSchema,
  tagsFromList,
  tagsToList,
  withOwnershipTag,
} from "../tags.js";

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

/** PutBucketTagging calls a create makes at most before it gives up on the tags taking. */
const MAX_TAG_WRITES = 3;

/**
 * An S3 bucket, found by its name among the buckets the caller owns in the particle's region.
 * A bucket has no stopped form: stopping deletes it. Deleting fails on a non-empty bucket, as in
 * PCF: particle-cloud never deletes objects. Only the tags (`custom_config.Tags`) are updated in
 * place; the other fields apply at creation.
 *
 * Reads are batched: one ListBuckets per region for any number of buckets, plus GetBucketTagging
 * per bucket only when its definition lists tags (or before changing a bucket, to check ownership).
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
export class S3Bucket extends LegacyAWSResource<S3BucketDefinition> {
  static override readonly flavor: string = "s3_bucket";
  static override readonly service: string = "s3";
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.Bucket"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = s3BucketSchema;

  /** Reads every bucket of `particles` with one ListBuckets per region. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const buckets = particles.filter(
      (particle): particle is S3Bucket => particle instanceof S3Bucket,
    );
    await S3Bucket.readByRegion(buckets, context, S3Client, async (group, client, region) => {
      const listed = await S3Bucket.listFor(group, `list buckets in ${region}`, () =>
        listBuckets(client, region, context.signal),
      );
      await readEach(group, (bucket) =>
        bucket.readListed(client, region, listed.get(bucket.bucketName), context),
      );
    });
  }

  /** Reads this bucket: `running` when it exists in the region, else `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof S3Bucket).syncAll([this], context);
  }

  /**
   * Creates the bucket (in the particle's region) with its tags and the ownership tag in the
   * create call, then writes them again with PutBucketTagging: S3 emulators (moto) ignore tags at
   * create. A lost create answer is settled by looking (see {@link LegacyAWSResource.createResource}).
   */
  protected override async _start(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const region = this.region(context);
    const client = await this.client(S3Client, context);
    const abortSignal = context.signal;
    const tags = ownedTags(desired);
    await this.createResource(`create bucket ${desired.Bucket}`, S3Client, context, {
      send: async (once) => {
        await once.send(new CreateBucketCommand(toCreateInput(desired, region, tags)), {
          abortSignal,
        });
        return true;
      },
      // Right after this run's own create attempt, the bucket of this name that carries the
      // ownership tag, or no tag at all (where S3 dropped the create's tags), is the one it made.
      findCreated: async () => {
        const found = await this.readTags(client, context);
        return found !== undefined && (Object.keys(found).length === 0 || hasOwnershipTag(found))
          ? true
          : undefined;
      },
      alreadyExistsCodes: ["BucketAlreadyOwnedByYou"],
      hint: (error) =>
        isConflict(error)
          ? " (the name is taken: by another account, or by this one in another region)"
          : "",
    });
    await this.tagConfirmed(client, tags, context);
    // The bucket exists with these tags, as a read just showed. Recording it saves the
    // ListBuckets that would confirm it, which S3 may answer from a list that does not show it yet.
    this.recordState("running", this.liveDefinition(region, tags), context);
  }

  /** Deletes the bucket; a bucket already gone is fine, a non-empty one fails. */
  protected override async _terminate(context: RunContext): Promise<void> {
    const client = await this.client(S3Client, context);
    await this.deleteUnlessGone(
      `delete bucket ${this.bucketName}`,
      () =>
        client.send(new DeleteBucketCommand({ Bucket: this.bucketName }), {
          abortSignal: context.signal,
        }),
      {
        hint: (error) =>
          isConflict(error) ? " (particle-cloud deletes only empty buckets: empty it first)" : "",
      },
    );
    this.recordState("terminated", {}, context);
  }

  /** Replaces the bucket's tags with `custom_config.Tags` plus the ownership tag. */
  protected override async _update(context: RunContext): Promise<void> {
    const tags = ownedTags(this.desiredDefinition());
    await this.putTags(await this.client(S3Client, context), tags, context);
  }

  /** Reads the tags, when `syncState` did not, to tell whether the bucket is ours. */
  protected override readOwnership(context: RunContext): Promise<boolean> {
    return this.ownershipFromTags(async () =>
      this.readTags(await this.client(S3Client, context), context),
    );
  }

  /** Only the tags are compared: every other field applies at creation only. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const config = definition["custom_config"];
    const tags = isPlainObject(config) ? config["Tags"] : undefined;
    return isPlainObject(tags) ? { Tags: comparableTags(tagMapSchema.parse(tags)) } : {};
  }

  private get bucketName(): string {
    return String(this.desiredStateDefinition["Bucket"]);
  }

  private get wantsTags(): boolean {
    const config = this.desiredStateDefinition["custom_config"];
    return isPlainObject(config) && config["Tags"] !== undefined;
  }

  private async readListed(
    client: S3Client,
    region: string,
    listed: Bucket | undefined,
    context: RunContext,
  ): Promise<void> {
    this.isOwned = undefined;
    const readsTags = this.wantsTags || this.isGoingDown;
    const tags =
      listed !== undefined && readsTags ? await this.readTags(client, context) : undefined;
    if (listed === undefined || (readsTags && tags === undefined)) {
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    this.state = "running";
    this.currentStateDefinition = this.liveDefinition(region, tags, listed.CreationDate);
  }

  /** The live bucket as `currentStateDefinition` holds it, whether read or just created. */
  private liveDefinition(
    region: string,
    tags: Record<string, string> | undefined,
    creationDate?: Date,
  ): Record<string, unknown> {
    return {
      Bucket: this.bucketName,
      ...(creationDate === undefined ? {} : { CreationDate: creationDate.toISOString() }),
      region_name: region,
      ...(tags === undefined || !this.wantsTags ? {} : { custom_config: { Tags: tags } }),
    };
  }

  /** The bucket's tags (`{}` when it has none), or `undefined` when the bucket is gone. Sets `isOwned`. */
  private async readTags(
    client: S3Client,
    context: RunContext,
  ): Promise<Record<string, string> | undefined> {
    try {
      const { TagSet } = await client.send(
        new GetBucketTaggingCommand({ Bucket: this.bucketName }),
        { abortSignal: context.signal },
      );
      const tags = tagsFromList(TagSet);
      this.isOwned = hasOwnershipTag(tags);
      return tags;
    } catch (error) {
      if (isNoTagSet(error)) {
        this.isOwned = false;
        return {};
      }
      if (isNotFound(error)) return undefined;
      throw wrapAwsError(error, this.id, `read the tags of bucket ${this.bucketName}`);
    }
  }

  /**
   * Writes `tags` and reads them back, writing again while the ownership tag is missing:
   * PutBucketTagging's answer carries nothing, so an empty 200 that never reached S3 would
   * otherwise pass for a tagged bucket, one that every later run refuses as someone else's.
   * @throws PcfError `TRANSITION_FAILED` when the tags do not take after three writes.
   */
  private async tagConfirmed(
    client: S3Client,
    tags: Record<string, string>,
    context: RunContext,
  ): Promise<void> {
    for (let attempt = 1; attempt <= MAX_TAG_WRITES; attempt += 1) {
      await this.putTags(client, tags, context);
      const live = await this.readTags(client, context);
      if (live !== undefined && hasOwnershipTag(live)) return;
    }
    throw new PcfError(
      "TRANSITION_FAILED",
      `tag bucket ${this.bucketName}: the tags were written ${MAX_TAG_WRITES} times but a read does not show them`,
      { particle: this.id },
    );
  }

  /** Replaces the bucket's tag set with `tags` (which carry the ownership tag). */
  private async putTags(
    client: S3Client,
    tags: Record<string, string>,
    context: RunContext,
  ): Promise<void> {
    try {
      await client.send(
        new PutBucketTaggingCommand({
          Bucket: this.bucketName,
          Tagging: { TagSet: tagsToList(tags) },
        }),
        { abortSignal: context.signal },
      );
    } catch (error) {
      throw wrapAwsError(error, this.id, `tag bucket ${this.bucketName}`);
    }
    this.isOwned = true;
  }
}

/** The bucket's whole tag set: `custom_config.Tags` plus the ownership tag. */
function ownedTags(definition: S3BucketDefinition): Record<string, string> {
  return withOwnershipTag(normalizeTags(definition.custom_config?.Tags ?? {}));
}

/** Every bucket the caller owns in `region`, by name: one ListBuckets call unless the account has more than a page. */
async function listBuckets(
  client: S3Client,
  region: string,
  abortSignal: AbortSignal,
): Promise<Map<string, Bucket>> {
  const buckets = new Map<string, Bucket>();
  for await (const page of paginateListBuckets(
    { client },
    { BucketRegion: region },
    { abortSignal },
  ))
    for (const bucket of page.Buckets ?? [])
      if (bucket.Name !== undefined) buckets.set(bucket.Name, bucket);
  return buckets;
}

/**
 * CreateBucket's input: the definition's create fields, the region as LocationConstraint outside
 * us-east-1, and `tags` (with the ownership tag), so the bucket is ours from its first moment.
 */
function toCreateInput(
  definition: S3BucketDefinition,
  region: string,
  tags: Record<string, string>,
): CreateBucketCommandInput {
  const {
    Bucket,
    ACL,
    GrantFullControl,
    GrantRead,
    GrantReadACP,
    GrantWrite,
    GrantWriteACP,
    ObjectLockEnabledForBucket,
    ObjectOwnership,
  } = definition;
  const constraint =
    definition.CreateBucketConfiguration?.LocationConstraint ??
    (region === "us-east-1" ? undefined : region);
  return {
    Bucket,
    ACL,
    GrantFullControl,
    GrantRead,
    GrantReadACP,
    GrantWrite,
    GrantWriteACP,
    ObjectLockEnabledForBucket,
    ObjectOwnership,
    CreateBucketConfiguration: {
      // Any region string: the SDK's list of constraints lags behind the regions AWS opens.
      ...(constraint === undefined
        ? {}
        : { LocationConstraint: constraint as BucketLocationConstraint }),
      Tags: tagsToList(tags),
    },
  };
}
