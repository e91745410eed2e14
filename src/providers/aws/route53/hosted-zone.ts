import {
  ChangeTagsForResourceCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListTagsForResourceCommand,
  Route53Client,
  UpdateHostedZoneCommentCommand,
  VPCRegion,
  paginateListHostedZones,
  type HostedZone,
} from "@aws-sdk/client-route-53";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { readPath } from "../../../core/values.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { idempotencyToken } from "../../kit/idempotency-token.js";
import { type TagChanges, type TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList } from "../tags.js";

/** The `aws_resource` block of a `route53_hosted_zone` particle: CreateHostedZone's parameters. */
export const route53HostedZoneSchema = z.strictObject({
  /** The zone's domain name, with or without the trailing dot. Required: it is the unique key. */
  Name: z.string().min(1).max(1024),
  /** `{ VPCRegion, VPCId }`: the VPC of a private zone. Default: none (a public zone). Fixed at creation; not read back. */
  VPC: z
    .strictObject({ VPCRegion: z.enum(VPCRegion).optional(), VPCId: z.string().min(1).optional() })
    .optional(),
  /**
   * Accepted so that PCF files load; not sent. Route 53 refuses a reference used once, even by a
   * zone since deleted, so the framework derives its own from the zone's name (see
   * {@link zoneTokens}). Default: derived.
   */
  CallerReference: z.string().min(1).max(128).optional(),
  /**
   * `{ Comment, PrivateZone }`. Default: not compared; no comment, public. The comment changes in
   * place; `PrivateZone` is fixed at creation.
   */
  HostedZoneConfig: z
    .strictObject({ Comment: z.string().max(256).optional(), PrivateZone: z.boolean().optional() })
    .optional(),
  /** A reusable delegation set's id. Default: none (Route 53 picks the name servers). Fixed at creation; not read back. */
  DelegationSetId: z.string().min(1).optional(),
  /** The region of the Route 53 client (Route 53 is global). Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /**
   * `adopt`, `replace_on_change` (see {@link awsCustomConfigSchema}) and `Tags`: the zone's whole
   * tag set, as `[{ Key, Value }]` (PCF's form) or a map. Tags not listed are removed on update;
   * the ownership tag is always kept. Default: not compared.
   */
  custom_config: awsCustomConfigSchema.extend({ Tags: tagInputSchema.optional() }).optional(),
});

/** What a user writes in the `aws_resource` block of a `route53_hosted_zone` particle. */
export type Route53HostedZoneDefinition = z.infer<typeof route53HostedZoneSchema>;

const NOT_FOUND = ["NoSuchHostedZone"];

/** The codes of the hosted zone calls, by class. */
const HOSTED_ZONE_ERRORS: OperationErrors = {
  CreateHostedZone: {
    alreadyExists: ["HostedZoneAlreadyExists"],
    invalid: [
      "InvalidDomainName",
      "InvalidInput",
      "InvalidVPCId",
      "TooManyHostedZones",
      "NoSuchDelegationSet",
      "DelegationSetNotAvailable",
      "DelegationSetNotReusable",
      "ConflictingDomainExists",
    ],
  },
  DeleteHostedZone: {
    notFound: NOT_FOUND,
    inUse: ["HostedZoneNotEmpty"],
    throttled: ["PriorRequestNotComplete"],
    invalid: ["InvalidInput", "InvalidDomainName"],
  },
  ListHostedZones: { invalid: ["InvalidInput", "NoSuchDelegationSet", "DelegationSetNotReusable"] },
  ListHostedZonesByName: { invalid: ["InvalidInput", "InvalidDomainName"] },
  ListTagsForResource: { notFound: NOT_FOUND, invalid: ["InvalidInput"] },
  ChangeTagsForResource: {
    notFound: NOT_FOUND,
    throttled: ["PriorRequestNotComplete"],
    invalid: ["InvalidInput"],
  },
  UpdateHostedZoneComment: {
    notFound: NOT_FOUND,
    throttled: ["PriorRequestNotComplete"],
    invalid: ["InvalidInput"],
  },
};

/**
 * CallerReferences of one zone name at most: one per zone of that name created and deleted
 * before, plus one. A zone re-created more often than this fails on `HostedZoneAlreadyExists`.
 */
const MAX_ZONE_TOKENS = 16;

/** `Example.com` → `example.com.`: the form Route 53 lists names in. */
function dnsName(name: string | undefined): string {
  if (name === undefined) return "";
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower : `${lower}.`;
}

/** `/hostedzone/Z123` → `Z123`: the id the tag calls take. */
function zoneId(zone: HostedZone): string {
  return (zone.Id ?? "").replace(/^\/hostedzone\//, "");
}

/**
 * The CallerReferences of the zone `name`, in the order creates use them: the first, then each
 * derived from those before it (`idempotencyToken`'s `after`), so every process walks the same
 * chain. Route 53 refuses a reference once used, even by a zone since deleted: a create whose
 * reference is spent moves on to the next one. A zone whose CallerReference is in this chain was
 * made by particle-cloud for this name: that is its ownership record.
 */
export function zoneTokens(name: string): string[] {
  const tokens: string[] = [];
  while (tokens.length < MAX_ZONE_TOKENS)
    tokens.push(
      idempotencyToken(`route53_hosted_zone:${dnsName(name)}`, dnsName(name), { after: tokens }),
    );
  return tokens;
}

/**
 * A Route 53 hosted zone, found by its name (with or without the trailing dot, in any case). It
 * has no stopped form: stopping deletes it, which Route 53 refuses while it holds records other
 * than its SOA and NS (`HostedZoneNotEmpty`), as PCF did. The comment and the tags
 * (`custom_config.Tags`) change in place; privacy, VPC and delegation set are fixed at creation.
 *
 * Ownership: CreateHostedZone takes no tags, but it takes a CallerReference, which Route 53 keeps
 * and lists with the zone. The framework derives it from the zone's name ({@link zoneTokens}), so
 * a zone carrying one is provably its own from the create on: a run killed before the tags were
 * written leaves a zone the next run still owns, and a create whose answer was lost is found by
 * it rather than made again (Route 53 allows many zones of one name). The `pcf:managed-by` tag is
 * written too, by ChangeTagsForResource right after the create and with every tag change, for
 * people and other tools; a read counts a zone with our reference as tagged so.
 *
 * Reads are batched: one paged ListHostedZones per region (the same global list in each), plus
 * ListTagsForResource per zone only when its definition lists tags (or before changing it).
 * Among zones of one name, the one with our reference is the particle's; else the first listed.
 *
 * @example
 * ```ts
 * const zone = new Route53HostedZone({
 *   pcf_name: "zone",
 *   flavor: "route53_hosted_zone",
 *   aws_resource: { Name: "example.com", custom_config: { Tags: [{ Key: "team", Value: "web" }] } },
 * });
 * await zone.apply();
 * ```
 */
export class Route53HostedZone extends AWSResource<
  Route53HostedZoneDefinition,
  HostedZone,
  Route53Client
> {
  static override readonly flavor: string = "route53_hosted_zone";
  static override readonly service: string = "route53";
  static override readonly Client = Route53Client;
  static override readonly definitionSchema = route53HostedZoneSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.Name"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = [
    "HostedZoneConfig.PrivateZone",
    "VPC",
    "DelegationSetId",
  ];
  static override readonly inPlaceFields: readonly string[] = [
    "HostedZoneConfig.Comment",
    "custom_config.Tags",
  ];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "custom_config.Tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateHostedZone";
  static override readonly operationErrors = HOSTED_ZONE_ERRORS;
  static override readonly actions = {
    read: ["route53:ListHostedZones", "route53:ListTagsForResource"],
    start: [
      "route53:CreateHostedZone",
      "route53:ListHostedZonesByName",
      "route53:ChangeTagsForResource",
    ],
    update: ["route53:UpdateHostedZoneComment", "route53:ChangeTagsForResource"],
    terminate: ["route53:DeleteHostedZone"],
  };

  protected override readonly updaters: FieldUpdaters<
    Route53HostedZoneDefinition,
    HostedZone,
    Route53Client
  > = {
    "HostedZoneConfig.Comment": (client, zone, desired, { signal }) =>
      client.send(
        new UpdateHostedZoneCommentCommand({
          Id: zoneId(zone),
          Comment: desired.HostedZoneConfig?.Comment ?? "",
        }),
        { abortSignal: signal },
      ),
  };

  /** The zones of `names`: ListHostedZones, page by page; ours (by reference) first among namesakes. */
  protected override async list(
    client: Route53Client,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, HostedZone>> {
    const wanted = new Map(names.map((name) => [dnsName(name), name]));
    const found = new Map<string, HostedZone>();
    for (const zone of await listZones(client, signal)) {
      const key = wanted.get(dnsName(zone.Name));
      if (key === undefined) continue;
      const earlier = found.get(key);
      if (earlier === undefined || (!isOurs(earlier, key) && isOurs(zone, key)))
        found.set(key, zone);
    }
    return found;
  }

  /** Every hosted zone of the account (Route 53 is global: the same in every region). */
  protected override listAll(
    client: Route53Client,
    { signal }: RunContext,
  ): Promise<readonly HostedZone[]> {
    return listZones(client, signal);
  }

  /** The generic block without `CallerReference`: the framework never sends a written one. */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const { CallerReference: _reference, ...block } = super.discoveredResource(
      observation,
      ownTags,
    );
    return block;
  }

  /** A listed zone is running. */
  protected override observe(zone: HostedZone, context: RunContext): Observation {
    return {
      state: "running",
      definition: {
        Name: zone.Name,
        Id: zoneId(zone),
        CallerReference: zone.CallerReference,
        HostedZoneConfig: {
          Comment: zone.Config?.Comment ?? "",
          PrivateZone: zone.Config?.PrivateZone ?? false,
        },
        ResourceRecordSetCount: zone.ResourceRecordSetCount,
        region_name: this.region(context),
      },
    };
  }

  /**
   * CreateHostedZone with the name's next unspent CallerReference, then the tags and the
   * ownership tag by ChangeTagsForResource. A failed create is looked for by its reference: found,
   * it ran (its answer was lost, or another process sent it); absent after `HostedZoneAlreadyExists`,
   * the reference is spent by a zone since deleted and the next one is sent.
   */
  protected override async create(
    client: Route53Client,
    desired: Route53HostedZoneDefinition,
    context: RunContext,
  ): Promise<HostedZone | undefined> {
    const zone = await this.createWithToken(client, desired, context);
    await this.writeTags(client, zone, { set: this.wantedTags() ?? {}, remove: [] }, context);
    return zone;
  }

  /** DeleteHostedZone: Route 53 refuses while the zone holds records other than SOA and NS. */
  protected override async remove(
    client: Route53Client,
    zone: HostedZone,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteHostedZoneCommand({ Id: zoneId(zone) }), { abortSignal: signal });
  }

  /** The zone's tags; a zone with our CallerReference counts as carrying the ownership tag. */
  protected override async readTags(
    client: Route53Client,
    zone: HostedZone,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const { ResourceTagSet } = await client.send(
      new ListTagsForResourceCommand({ ResourceType: "hostedzone", ResourceId: zoneId(zone) }),
      { abortSignal: signal },
    );
    const tags = tagsFromList(ResourceTagSet?.Tags);
    return isOurs(zone, this.key) ? { ...tags, ...this.ownershipTag } : tags;
  }

  /** One ChangeTagsForResource; the ownership tag is always (re)written with the others. */
  protected override async writeTags(
    client: Route53Client,
    zone: HostedZone,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(
      new ChangeTagsForResourceCommand({
        ResourceType: "hostedzone",
        ResourceId: zoneId(zone),
        AddTags: ownedTagList(set, this.provenanceTags),
        ...(remove.length === 0 ? {} : { RemoveTagKeys: remove }),
      }),
      { abortSignal: signal },
    );
  }

  /** The name as Route 53 lists it, the comment and privacy with Route 53's defaults, the tags as a sorted set. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { Name, HostedZoneConfig } = definition;
    const config = (HostedZoneConfig ?? {}) as Record<string, unknown>;
    const tags = this.comparableTagsOf(readPath(definition, "custom_config.Tags"));
    return {
      Name: typeof Name === "string" ? dnsName(Name) : Name,
      ...(HostedZoneConfig === undefined
        ? {}
        : {
            HostedZoneConfig: {
              Comment: config["Comment"] ?? "",
              PrivateZone: config["PrivateZone"] ?? false,
            },
          }),
      ...(tags === undefined ? {} : { custom_config: { Tags: tags } }),
    };
  }

  /** Sends CreateHostedZone along the name's chain of references (see {@link create}). */
  private async createWithToken(
    client: Route53Client,
    desired: Route53HostedZoneDefinition,
    { signal }: RunContext,
  ): Promise<HostedZone> {
    const { Name, VPC, HostedZoneConfig, DelegationSetId } = desired;
    let lastError: unknown;
    for (const CallerReference of zoneTokens(Name)) {
      try {
        const { HostedZone: zone } = await client.send(
          new CreateHostedZoneCommand({
            Name,
            CallerReference,
            ...(VPC === undefined ? {} : { VPC }),
            ...(HostedZoneConfig === undefined ? {} : { HostedZoneConfig }),
            ...(DelegationSetId === undefined ? {} : { DelegationSetId }),
          }),
          { abortSignal: signal },
        );
        if (zone !== undefined) return zone;
      } catch (error) {
        lastError = error;
      }
      const made = await this.zoneWithToken(client, Name, CallerReference, signal);
      if (made !== undefined) return made;
      if (this.classifyFailure(lastError) !== "alreadyExists") break;
    }
    throw lastError;
  }

  /** The zone named `name` whose CallerReference is `token`: ListHostedZonesByName from the name on. */
  private async zoneWithToken(
    client: Route53Client,
    name: string,
    token: string,
    signal: AbortSignal | undefined,
  ): Promise<HostedZone | undefined> {
    let marker: { DNSName?: string; HostedZoneId?: string } = { DNSName: dnsName(name) };
    for (;;) {
      const page = await client.send(new ListHostedZonesByNameCommand(marker), {
        abortSignal: signal,
      });
      const zones = page.HostedZones ?? [];
      const found = zones.find((zone) => zone.CallerReference === token);
      if (found !== undefined) return found;
      const pastName = zones.some((zone) => dnsName(zone.Name) !== dnsName(name));
      if (page.IsTruncated !== true || pastName) return undefined;
      marker = { DNSName: page.NextDNSName, HostedZoneId: page.NextHostedZoneId };
    }
  }
}

/** Every hosted zone of the account: ListHostedZones, page by page. @internal */
export async function listZones(client: Route53Client, signal: AbortSignal): Promise<HostedZone[]> {
  const zones: HostedZone[] = [];
  for await (const page of paginateListHostedZones({ client }, {}, { abortSignal: signal }))
    zones.push(...(page.HostedZones ?? []));
  return zones;
}

/** True when `zone` carries one of the CallerReferences of `name` (see {@link zoneTokens}). */
function isOurs(zone: HostedZone, name: string): boolean {
  return zone.CallerReference !== undefined && zoneTokens(name).includes(zone.CallerReference);
}
