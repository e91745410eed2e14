import {
  CloudFrontClient,
  CreateDistributionWithTagsCommand,
  DeleteDistributionCommand,
  GetDistributionCommand,
  HttpVersion,
  ListTagsForResourceCommand,
  PriceClass,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDistributionCommand,
  paginateListDistributions,
  type DistributionConfig,
} from "@aws-sdk/client-cloudfront";
import * as z from "zod";
import { PcfError, listNames } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { isPlainObject } from "../../../core/values.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import { required } from "../../kit/create-once.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { idempotencyToken } from "../../kit/idempotency-token.js";
import { writtenTags, type TagChanges, type TagMap } from "../../kit/tags.js";
import { AWSResource, actionsOf, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList, tagsToList } from "../tags.js";

/**
 * A CloudFront list (`{ Quantity, Items }`). `Quantity` may be left out: it is sent as the number
 * of `Items`.
 */
function listOf<T extends z.ZodType>(item: T): z.ZodObject {
  return z.strictObject({
    /** The number of items. Default: the length of `Items`. */
    Quantity: z.int().min(0).optional(),
    /** The items. Default: none. */
    Items: z.array(item).optional(),
  });
}

/** A nested CloudFront structure, passed to the API as written (CloudFront checks its members). */
const structure = z.record(z.string(), z.unknown());

/**
 * The `aws_resource` block of a `cloudfront` particle: the members of CreateDistribution's
 * `DistributionConfig` (PCF's field names), plus `Tags`. The nested structures (`Origins`,
 * `DefaultCacheBehavior`, …) take the API's members; their `Quantity` may be left out.
 */
export const cloudfrontSchema = z.strictObject({
  /** The distribution's comment (up to 128 characters). Required: it is the unique key. */
  Comment: z.string().min(1).max(128),
  /**
   * The create's idempotency token. Default: derived from the particle and the configuration, so a
   * create sent again (a retry, a re-run) never makes a second distribution. Not compared.
   */
  CallerReference: z.string().min(1).optional(),
  /**
   * Accepted as PCF's files write it, and not compared: the particle's state decides it (running:
   * enabled; stopped: disabled).
   */
  Enabled: z.boolean().optional(),
  /** `{ Items: [{ Id, DomainName, … }] }`: the origins. Required. Changes in place. */
  Origins: z.strictObject({
    /** The number of origins. Default: the length of `Items`. */
    Quantity: z.int().min(1).optional(),
    /** The origins: each an `Id`, a `DomainName` and the API's other members. */
    Items: z.array(z.looseObject({ Id: z.string().min(1), DomainName: z.string().min(1) })).min(1),
  }),
  /** `{ TargetOriginId, ViewerProtocolPolicy, … }`: the default cache behaviour. Required. Changes in place. */
  DefaultCacheBehavior: z.looseObject({
    TargetOriginId: z.string().min(1),
    ViewerProtocolPolicy: z.enum(["allow-all", "https-only", "redirect-to-https"]),
  }),
  /** `{ Items: [string] }`: the alternate domain names. Default: not compared; none. Changes in place. */
  Aliases: listOf(z.string().min(1)).optional(),
  /** The object served for `/` (`index.html`); `""` for none. Default: not compared; none. Changes in place. */
  DefaultRootObject: z.string().optional(),
  /** `{ Items: [{ Id, FailoverCriteria, Members }] }`. Default: not compared; none. Changes in place. */
  OriginGroups: listOf(structure).optional(),
  /** `{ Items: [{ PathPattern, TargetOriginId, … }] }`. Default: not compared; none. Changes in place. */
  CacheBehaviors: listOf(structure).optional(),
  /** `{ Items: [{ ErrorCode, … }] }`. Default: not compared; none. Changes in place. */
  CustomErrorResponses: listOf(structure).optional(),
  /** `{ Enabled, IncludeCookies, Bucket, Prefix }`: access logs. Default: not compared; off. Changes in place. */
  Logging: structure.optional(),
  /** The edge locations used. Default: not compared; `PriceClass_All`. Changes in place. */
  PriceClass: z.enum(PriceClass).optional(),
  /** The certificate for HTTPS. Default: not compared; CloudFront's own. Changes in place. */
  ViewerCertificate: structure.optional(),
  /** `{ GeoRestriction }`. Default: not compared; none. Changes in place. */
  Restrictions: structure.optional(),
  /** The web ACL's id or ARN; `""` for none. Default: not compared; none. Changes in place. */
  WebACLId: z.string().optional(),
  /** The highest HTTP version served. Default: not compared; `http2`. Changes in place. */
  HttpVersion: z.enum(HttpVersion).optional(),
  /** Whether IPv6 is served. Default: not compared; true. Changes in place. */
  IsIPV6Enabled: z.boolean().optional(),
  /**
   * The distribution's whole tag set, as `[{ Key, Value }]` (PCF's form) or a map. Tags not listed
   * are removed on update; the ownership tag is always kept. Default: not compared.
   */
  Tags: tagInputSchema.optional(),
  /** Region of the CloudFront client; CloudFront itself is global. Default: the provider's region. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of a `cloudfront` particle. */
export type CloudfrontDefinition = z.infer<typeof cloudfrontSchema>;

/** A distribution as listed, and once completed (see `complete`), with its configuration and ETag. */
export interface LiveDistribution {
  readonly Id: string;
  readonly ARN: string;
  /** `InProgress` while a change propagates, then `Deployed`. */
  readonly Status: string | undefined;
  readonly DomainName: string | undefined;
  readonly DistributionConfig?: DistributionConfig;
  /** The version that UpdateDistribution and DeleteDistribution must name (`IfMatch`). */
  readonly ETag?: string;
  /** The ids of other distributions listed with the same Comment. */
  readonly namesakes: readonly string[];
}

/** The configuration members that change in place, in the order of the definition. */
const CONFIGURATION_FIELDS = [
  "Origins",
  "DefaultCacheBehavior",
  "Aliases",
  "DefaultRootObject",
  "OriginGroups",
  "CacheBehaviors",
  "CustomErrorResponses",
  "Logging",
  "PriceClass",
  "ViewerCertificate",
  "Restrictions",
  "WebACLId",
  "HttpVersion",
  "IsIPV6Enabled",
] as const;

const NOT_FOUND = ["NoSuchDistribution"];
/** A stale `IfMatch`: the distribution changed since it was read. */
const STALE = ["PreconditionFailed"];
const INVALID = [
  "InvalidArgument",
  "InvalidIfMatchVersion",
  "InconsistentQuantities",
  "InvalidOrigin",
  "NoSuchOrigin",
  "InvalidViewerCertificate",
  "InvalidDefaultRootObject",
  "InvalidWebACLId",
  "CNAMEAlreadyExists",
  "TooManyDistributions",
  "IllegalUpdate",
  "MissingBody",
];

/** The codes of the distribution calls, by class. */
const DISTRIBUTION_ERRORS: OperationErrors = {
  CreateDistributionWithTags: {
    alreadyExists: ["DistributionAlreadyExists"],
    invalid: [...INVALID, "InvalidTagging"],
  },
  GetDistribution: { notFound: NOT_FOUND },
  UpdateDistribution: { notFound: NOT_FOUND, wrongState: STALE, invalid: INVALID },
  DeleteDistribution: {
    notFound: NOT_FOUND,
    wrongState: [...STALE, "DistributionNotDisabled"],
    invalid: ["InvalidIfMatchVersion"],
  },
  ListTagsForResource: { notFound: NOT_FOUND, invalid: ["InvalidTagging"] },
  TagResource: { notFound: NOT_FOUND, invalid: ["InvalidTagging"] },
  UntagResource: { notFound: NOT_FOUND, invalid: ["InvalidTagging"] },
};

/**
 * A CloudFront distribution, found by its `Comment` (PCF's identity, so a Comment must be unique
 * in the account: a read that finds several fails, naming them). Disabled is its stopped form
 * (UpdateDistribution with `Enabled` false; start enables it again). Every configuration member
 * changes in place (UpdateDistribution with the live configuration overlaid by the written
 * members, naming the ETag just read); nothing is fixed at creation. The ownership tag goes in
 * CreateDistributionWithTags itself, whose `CallerReference` is derived from the particle and the
 * configuration, so a create sent again never makes a second distribution.
 *
 * Terminate disables the distribution, waits (with the kit's backoff) until CloudFront has
 * deployed that, then deletes it naming the fresh ETag; PCF's fixed 180 s sleeps are not kept.
 *
 * Reads are batched: one ListDistributions (every page) for all the particles of a run, then
 * GetDistribution per particle found (its configuration and ETag), and ListTagsForResource only
 * when its definition lists tags (or before changing it, to check ownership).
 *
 * @example
 * ```ts
 * const site = new CloudfrontDistribution({
 *   pcf_name: "site",
 *   flavor: "cloudfront",
 *   aws_resource: {
 *     Comment: "site",
 *     Origins: { Items: [{ Id: "web", DomainName: "example.com", CustomOriginConfig: { … } }] },
 *     DefaultCacheBehavior: { TargetOriginId: "web", ViewerProtocolPolicy: "redirect-to-https", … },
 *   },
 * });
 * await site.apply();
 * ```
 */
export class CloudfrontDistribution extends AWSResource<
  CloudfrontDefinition,
  LiveDistribution,
  CloudFrontClient
> {
  static override readonly flavor: string = "cloudfront";
  static override readonly service: string = "cloudfront";
  static override readonly Client = CloudFrontClient;
  static override readonly definitionSchema = cloudfrontSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.Comment"];
  static override readonly fixedFields: readonly string[] = [];
  static override readonly inPlaceFields: readonly string[] = [...CONFIGURATION_FIELDS, "Tags"];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateDistributionWithTags";
  static override readonly operationErrors = DISTRIBUTION_ERRORS;
  // DeleteDistribution answers an empty 204: one that never reached the service looks the same.
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = actionsOf("cloudfront", {
    read: "ListDistributions GetDistribution ListTagsForResource",
    start: "CreateDistributionWithTags CreateDistribution TagResource UpdateDistribution",
    stop: "GetDistribution UpdateDistribution",
    update: "GetDistribution UpdateDistribution TagResource UntagResource",
    terminate: "GetDistribution UpdateDistribution DeleteDistribution",
  });

  /** UpdateDistribution with the written members laid over the live configuration. */
  private readonly configurationUpdater = (
    client: CloudFrontClient,
    live: LiveDistribution,
    desired: CloudfrontDefinition,
    context: RunContext,
  ): Promise<unknown> =>
    this.reconfigure(client, live.Id, context, (config) => ({
      ...config,
      ...writtenConfiguration(desired),
    }));

  protected override readonly updaters: FieldUpdaters<
    CloudfrontDefinition,
    LiveDistribution,
    CloudFrontClient
  > = Object.fromEntries(CONFIGURATION_FIELDS.map((field) => [field, this.configurationUpdater]));

  /**
   * The distributions of `comments` that exist: ListDistributions, page by page, by Comment.
   * Summaries that lack their Comment (moto 5 leaves it out, AWS always sends it) are read with
   * GetDistribution.
   */
  protected override async list(
    client: CloudFrontClient,
    comments: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, LiveDistribution>> {
    const wanted = new Set(comments);
    const byComment = new Map<string, LiveDistribution[]>();
    for (const { listed, comment: listedComment } of await listDistributions(client, signal)) {
      const comment = listedComment ?? (await this.commentOf(client, listed.Id, signal));
      if (comment === undefined || !wanted.has(comment)) continue;
      byComment.set(comment, [...(byComment.get(comment) ?? []), listed]);
    }
    return new Map(
      [...byComment].map(([comment, [first, ...others]]) => [
        comment,
        { ...required(first, "distribution"), namesakes: others.map(({ Id }) => Id) },
      ]),
    );
  }

  /**
   * Every distribution of the account, with its configuration and ETag: ListDistributions, page
   * by page, then GetDistribution of each (as `complete` does); namesakes each on their own.
   * Distributions without a Comment, which this flavor finds them by, are left out, as is one
   * deleted in between.
   */
  protected override async listAll(
    client: CloudFrontClient,
    { signal }: RunContext,
  ): Promise<readonly LiveDistribution[]> {
    const found: LiveDistribution[] = [];
    for (const { listed } of await listDistributions(client, signal)) {
      const live = await this.unlessGone(`get distribution ${listed.Id}`, () =>
        this.fetch(client, listed.Id, signal),
      );
      const comment = live?.DistributionConfig?.Comment;
      if (live !== undefined && comment !== undefined && comment !== "") found.push(live);
    }
    return found;
  }

  /**
   * GetDistribution: the configuration and the ETag.
   * @throws PcfError `TRANSITION_FAILED` when several distributions carry the particle's Comment.
   */
  protected override async complete(
    client: CloudFrontClient,
    listed: LiveDistribution,
    { signal }: RunContext,
  ): Promise<LiveDistribution | undefined> {
    if (listed.namesakes.length > 0)
      throw new PcfError(
        "TRANSITION_FAILED",
        `several distributions carry the Comment of ${this.resourceLabel()} (${listNames([listed.Id, ...listed.namesakes])}); a Comment must be unique`,
        { particle: this.id, field: "aws_resource.Comment" },
      );
    return this.fetch(client, listed.Id, signal);
  }

  /** Enabled is running, disabled is stopped; the configuration as the resource block writes it. */
  protected override observe(live: LiveDistribution, context: RunContext): Observation {
    const config = live.DistributionConfig;
    return {
      state: config?.Enabled === false ? "stopped" : "running",
      definition: {
        ...config,
        Id: live.Id,
        ARN: live.ARN,
        DomainName: live.DomainName,
        Status: live.Status,
        region_name: this.region(context),
      },
    };
  }

  /** CreateDistributionWithTags, enabled, with the tags plus the ownership tag; its answer carries the distribution. */
  protected override async create(
    client: CloudFrontClient,
    desired: CloudfrontDefinition,
    { signal }: RunContext,
  ): Promise<LiveDistribution | undefined> {
    // The schema requires Origins and DefaultCacheBehavior, so the written members are a whole configuration.
    const config = {
      ...(writtenConfiguration(desired) as Omit<DistributionConfig, "CallerReference">),
      Comment: desired.Comment,
      Enabled: true,
    };
    const Items = ownedTagList(writtenTags(desired.Tags) ?? {}, this.provenanceTags);
    const CallerReference =
      desired.CallerReference ?? idempotencyToken(this.id, { config, Items }, { maxLength: 64 });
    const { Distribution, ETag } = await client.send(
      new CreateDistributionWithTagsCommand({
        DistributionConfigWithTags: {
          DistributionConfig: { ...config, CallerReference },
          Tags: { Items },
        },
      }),
      { abortSignal: signal },
    );
    if (Distribution?.Id === undefined || Distribution.ARN === undefined) return undefined;
    return { ...Distribution, Id: Distribution.Id, ARN: Distribution.ARN, ETag, namesakes: [] };
  }

  /**
   * Disables the distribution, waits until CloudFront has deployed that, then DeleteDistribution
   * naming the fresh ETag (CloudFront deletes only a deployed, disabled distribution).
   */
  protected override async remove(
    client: CloudFrontClient,
    { Id }: LiveDistribution,
    context: RunContext,
  ): Promise<void> {
    await this.reconfigure(client, Id, context, (config) => ({ ...config, Enabled: false }));
    const type = this.constructor as typeof CloudfrontDistribution;
    const deployed = await context.waitFor(
      async () => {
        const live = required(await this.fetch(client, Id, context.signal), "distribution");
        return live.Status === "Deployed" ? { done: true, value: live } : { done: false };
      },
      {
        ...type.waitOptions,
        particle: this.id,
        description: `${this.resourceLabel()} to be deployed disabled`,
      },
    );
    await client.send(new DeleteDistributionCommand({ Id, IfMatch: deployed?.ETag }), {
      abortSignal: context.signal,
    });
  }

  /** UpdateDistribution with `Enabled` false. */
  protected override async halt(
    client: CloudFrontClient,
    { Id }: LiveDistribution,
    context: RunContext,
  ): Promise<void> {
    await this.reconfigure(client, Id, context, (config) => ({ ...config, Enabled: false }));
  }

  /** UpdateDistribution with `Enabled` true. */
  protected override async resume(
    client: CloudFrontClient,
    { Id }: LiveDistribution,
    context: RunContext,
  ): Promise<void> {
    await this.reconfigure(client, Id, context, (config) => ({ ...config, Enabled: true }));
  }

  protected override async readTags(
    client: CloudFrontClient,
    { ARN }: LiveDistribution,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const { Tags } = await client.send(new ListTagsForResourceCommand({ Resource: ARN }), {
      abortSignal: signal,
    });
    return tagsFromList(Tags?.Items);
  }

  protected override async writeTags(
    client: CloudFrontClient,
    { ARN: Resource }: LiveDistribution,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    if (remove.length > 0)
      await client.send(new UntagResourceCommand({ Resource, TagKeys: { Items: remove } }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new TagResourceCommand({ Resource, Tags: { Items: tagsToList(set) } }), {
        abortSignal: signal,
      });
  }

  /**
   * The Comment, the configuration members written (lists compared item by item, `Quantity`
   * counted from `Items`, lists of strings as sets) and the tags as a sorted set. `Enabled` is the
   * state, and `CallerReference` a token: neither is compared.
   */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    return {
      Comment: definition["Comment"],
      ...Object.fromEntries(
        CONFIGURATION_FIELDS.map((field) => [field, comparableValue(definition[field])]),
      ),
      Tags: this.comparableTagsOf(definition["Tags"]),
    };
  }

  /** The Comment of distribution `Id`, read with GetDistribution; `undefined` when it is gone meanwhile. */
  private async commentOf(
    client: CloudFrontClient,
    Id: string,
    abortSignal: AbortSignal,
  ): Promise<string | undefined> {
    try {
      return (await this.fetch(client, Id, abortSignal))?.DistributionConfig?.Comment;
    } catch (error) {
      if (this.classifyFailure(error) === "notFound") return undefined;
      throw error;
    }
  }

  /** GetDistribution: the distribution with its configuration and ETag; `undefined` when gone. */
  private async fetch(
    client: CloudFrontClient,
    Id: string,
    abortSignal: AbortSignal,
  ): Promise<LiveDistribution | undefined> {
    const { Distribution, ETag } = await client.send(new GetDistributionCommand({ Id }), {
      abortSignal,
    });
    if (Distribution?.ARN === undefined) return undefined;
    return { ...Distribution, Id, ARN: Distribution.ARN, ETag, namesakes: [] };
  }

  /**
   * Reads the distribution's configuration and ETag, and sends UpdateDistribution with `change`
   * applied, naming that ETag; nothing is sent when `change` changes nothing.
   */
  private async reconfigure(
    client: CloudFrontClient,
    Id: string,
    context: RunContext,
    change: (config: DistributionConfig) => DistributionConfig,
  ): Promise<void> {
    const live = required(await this.fetch(client, Id, context.signal), "distribution");
    const config = required(live.DistributionConfig, "distribution configuration");
    const changed = change(config);
    if (JSON.stringify(changed) === JSON.stringify(config)) return;
    await client.send(
      new UpdateDistributionCommand({ Id, IfMatch: live.ETag, DistributionConfig: changed }),
      { abortSignal: context.signal },
    );
  }
}

/**
 * Every distribution of the account as ListDistributions gives it, page by page, with its Comment
 * when the summary has it (moto 5 leaves it out, AWS always sends it).
 */
async function listDistributions(
  client: CloudFrontClient,
  signal: AbortSignal,
): Promise<{ readonly listed: LiveDistribution; readonly comment: string | undefined }[]> {
  const distributions: { listed: LiveDistribution; comment: string | undefined }[] = [];
  for await (const page of paginateListDistributions({ client }, {}, { abortSignal: signal }))
    for (const summary of page.DistributionList?.Items ?? [])
      distributions.push({
        listed: {
          Id: required(summary.Id, "distribution id"),
          ARN: required(summary.ARN, "distribution ARN"),
          Status: summary.Status,
          DomainName: summary.DomainName,
          namesakes: [],
        },
        comment: summary.Comment,
      });
  return distributions;
}

/**
 * The configuration members `desired` writes, as CloudFront takes them: every list's `Quantity`
 * set to the number of its `Items`.
 */
function writtenConfiguration(desired: CloudfrontDefinition): Partial<DistributionConfig> {
  return Object.fromEntries(
    CONFIGURATION_FIELDS.flatMap((field) =>
      desired[field] === undefined ? [] : [[field, withQuantities(desired[field])]],
    ),
  );
}

/** `value` with `Quantity` set to the length of `Items` in every list it holds. */
function withQuantities(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withQuantities);
  if (!isPlainObject(value)) return value;
  const copy = Object.fromEntries(
    Object.entries(value).map(([key, member]) => [key, withQuantities(member)]),
  );
  return Array.isArray(value["Items"]) ? { ...copy, Quantity: value["Items"].length } : copy;
}

/**
 * A configuration member in the form compared: `Quantity` counted from `Items` (a removed item is
 * a difference), lists of structures as maps by position (compared member by member, so that
 * CloudFront's defaults in the live items are not differences), lists of strings sorted.
 */
function comparableValue(value: unknown): unknown {
  const counted = withQuantities(value);
  const compare = (member: unknown): unknown => {
    if (Array.isArray(member))
      return member.every((item) => typeof item === "string")
        ? [...member].sort()
        : Object.fromEntries(member.map((item, index) => [String(index), compare(item)]));
    if (!isPlainObject(member)) return member;
    // An empty list may come back without its `Items` (CloudFront sends only `Quantity: 0`).
    return Object.fromEntries(
      Object.entries(member).flatMap(([key, item]) =>
        key === "Items" && Array.isArray(item) && item.length === 0 ? [] : [[key, compare(item)]],
      ),
    );
  };
  return compare(counted);
}
