import {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  IpAddressType,
  LoadBalancerSchemeEnum,
  LoadBalancerTypeEnum,
  RemoveTagsCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  paginateDescribeLoadBalancers,
  type LoadBalancer,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { isPlainObject } from "../../../core/values.js";
import { STOPPED_IS_TERMINATED, type State } from "../../../core/state.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { writtenTags, type TagChanges, type TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList, tagsToList } from "../tags.js";

const subnetMappingSchema = z.strictObject({
  /** The subnet. Required. */
  SubnetId: z.string().min(1),
  /** The Elastic IP of an internet-facing network load balancer. Default: none (an AWS-assigned address). */
  AllocationId: z.string().min(1).optional(),
  /** The private IPv4 address of an internal network load balancer. Default: one from the subnet. */
  PrivateIPv4Address: z.string().min(1).optional(),
  /** The IPv6 address of a dual-stack network load balancer. Default: one from the subnet. */
  IPv6Address: z.string().min(1).optional(),
});

/** The `aws_resource` block of an `alb` particle: ELBv2 CreateLoadBalancer's parameters. */
export const albSchema = z.strictObject({
  /** The load balancer's name: up to 32 letters, digits and inner hyphens. Required: it is the unique key. */
  Name: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, "expected letters, digits and inner -"),
  /** The subnets, one per zone (at least two zones for an application load balancer). Default: not compared. Changes in place (SetSubnets). */
  Subnets: z.array(z.string().min(1)).optional(),
  /** The subnets with their addresses, instead of `Subnets`. Default: not compared. Changes in place (SetSubnets). */
  SubnetMappings: z.array(subnetMappingSchema).optional(),
  /** The security groups, by id. Default: not compared; the VPC's default group. Changes in place (SetSecurityGroups). */
  SecurityGroups: z.array(z.string().min(1)).optional(),
  /** `internet-facing` or `internal`. Default: not compared; created `internet-facing`. Fixed at creation. */
  Scheme: z.enum(LoadBalancerSchemeEnum).optional(),
  /** `application`, `network` or `gateway`. Default: not compared; created `application`. Fixed at creation. */
  Type: z.enum(LoadBalancerTypeEnum).optional(),
  /** `ipv4` or `dualstack`. Default: not compared; created `ipv4`. Changes in place (SetIpAddressType). */
  IpAddressType: z.enum(IpAddressType).optional(),
  /**
   * The load balancer's whole tag set, as `[{ Key, Value }]` (PCF's form) or a map. Tags not
   * listed are removed on update; the ownership tag is always kept. Default: not compared.
   */
  Tags: tagInputSchema.optional(),
  /** The load balancer's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `alb` particle. */
export type AlbDefinition = z.infer<typeof albSchema>;

/** A listed load balancer with its tags (DescribeTags, batched). */
export interface LiveLoadBalancer {
  readonly balancer: LoadBalancer;
  readonly tags: TagMap;
}

/** DescribeTags takes at most 20 ARNs a call. */
const TAGS_BATCH = 20;

/** DescribeLoadBalancers' largest page. */
const PAGE_SIZE = 400;

const NOT_FOUND = ["LoadBalancerNotFound"];

/** The codes of the load balancer calls, by class. */
const ALB_ERRORS: OperationErrors = {
  CreateLoadBalancer: {
    alreadyExists: ["DuplicateLoadBalancerName"],
    inUse: ["ResourceInUse"],
    invalid: [
      "InvalidConfigurationRequest",
      "InvalidSubnet",
      "SubnetNotFound",
      "InvalidSecurityGroup",
      "InvalidScheme",
      "TooManyLoadBalancers",
      "DuplicateTagKeys",
      "TooManyTags",
      "AllocationIdNotFound",
      "AvailabilityZoneNotSupported",
      "OperationNotPermitted",
      "ValidationError",
    ],
  },
  DescribeLoadBalancers: { notFound: NOT_FOUND },
  DescribeTags: { notFound: NOT_FOUND },
  DeleteLoadBalancer: {
    notFound: NOT_FOUND,
    inUse: ["ResourceInUse"],
    wrongState: ["OperationNotPermitted"],
  },
  AddTags: { notFound: NOT_FOUND, invalid: ["DuplicateTagKeys", "TooManyTags"] },
  RemoveTags: { notFound: NOT_FOUND, invalid: ["TooManyTags"] },
  SetSubnets: {
    notFound: NOT_FOUND,
    invalid: [
      "InvalidConfigurationRequest",
      "SubnetNotFound",
      "InvalidSubnet",
      "AllocationIdNotFound",
      "AvailabilityZoneNotSupported",
    ],
  },
  SetSecurityGroups: {
    notFound: NOT_FOUND,
    invalid: ["InvalidConfigurationRequest", "InvalidSecurityGroup"],
  },
  SetIpAddressType: {
    notFound: NOT_FOUND,
    invalid: ["InvalidConfigurationRequest", "InvalidSubnet"],
  },
};

/** The load balancer's states: `failed` counts as gone, as PCF had it. */
const STATES: Readonly<Record<string, State>> = {
  active: "running",
  active_impaired: "running",
  provisioning: "pending",
  failed: "terminated",
};

/** SetSubnets with the subnets or the mappings written; one call sets both fields. */
const setSubnets: FieldUpdater<AlbDefinition, LiveLoadBalancer, ElasticLoadBalancingV2Client> = (
  client,
  { balancer },
  { Subnets, SubnetMappings },
  { signal },
) =>
  client.send(
    new SetSubnetsCommand({
      LoadBalancerArn: balancer.LoadBalancerArn,
      ...(Subnets === undefined ? {} : { Subnets }),
      ...(SubnetMappings === undefined ? {} : { SubnetMappings }),
    }),
    { abortSignal: signal },
  );

function sorted(values: unknown): unknown {
  return Array.isArray(values) ? [...(values as string[])].sort() : values;
}

function sortedMappings(mappings: unknown): unknown {
  return Array.isArray(mappings)
    ? [...(mappings as { SubnetId?: string }[])].sort((a, b) =>
        String(a.SubnetId).localeCompare(String(b.SubnetId)),
      )
    : mappings;
}

/**
 * An Elastic Load Balancing v2 load balancer (application, network or gateway), found by its
 * `Name`. It has no stopped form: stopping deletes it. Subnets, security groups, the IP address
 * type and tags change in place; the scheme and the type are fixed at creation. The ownership tag
 * goes in CreateLoadBalancer itself. PCF's `custom_config.Listeners` are not created: listeners
 * belong to a flavor of their own.
 *
 * Reads are batched: one paged DescribeLoadBalancers per region, plus DescribeTags for the
 * load balancers found, 20 ARNs a call.
 *
 * @example
 * ```ts
 * const front = new Alb({
 *   pcf_name: "front",
 *   flavor: "alb",
 *   aws_resource: { Name: "front", Subnets: ["subnet-1", "subnet-2"], Scheme: "internal" },
 * });
 * await front.apply();
 * ```
 */
export class Alb extends AWSResource<
  AlbDefinition,
  LiveLoadBalancer,
  ElasticLoadBalancingV2Client
> {
  static override readonly flavor: string = "alb";
  static override readonly service: string = "elasticloadbalancing";
  static override readonly Client = ElasticLoadBalancingV2Client;
  static override readonly definitionSchema = albSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.Name"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = ["Scheme", "Type"];
  static override readonly inPlaceFields: readonly string[] = [
    "Subnets",
    "SubnetMappings",
    "SecurityGroups",
    "IpAddressType",
    "Tags",
  ];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "CreateLoadBalancer";
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly operationErrors = ALB_ERRORS;
  static override readonly actions = {
    read: ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags"],
    start: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:AddTags"],
    update: [
      "elasticloadbalancing:SetSubnets",
      "elasticloadbalancing:SetSecurityGroups",
      "elasticloadbalancing:SetIpAddressType",
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:RemoveTags",
    ],
    terminate: ["elasticloadbalancing:DeleteLoadBalancer"],
  };

  protected override readonly updaters: FieldUpdaters<
    AlbDefinition,
    LiveLoadBalancer,
    ElasticLoadBalancingV2Client
  > = {
    Subnets: setSubnets,
    SubnetMappings: setSubnets,
    SecurityGroups: (client, { balancer }, { SecurityGroups = [] }, { signal }) =>
      client.send(
        new SetSecurityGroupsCommand({
          LoadBalancerArn: balancer.LoadBalancerArn,
          SecurityGroups,
        }),
        { abortSignal: signal },
      ),
    IpAddressType: (client, { balancer }, { IpAddressType: type }, { signal }) =>
      client.send(
        new SetIpAddressTypeCommand({
          LoadBalancerArn: balancer.LoadBalancerArn,
          IpAddressType: type ?? IpAddressType.IPV4,
        }),
        { abortSignal: signal },
      ),
  };

  /** The load balancers of `names` that exist with their tags (see {@link describeBalancers}). */
  protected override async list(
    client: ElasticLoadBalancingV2Client,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, LiveLoadBalancer>> {
    const wanted = new Set(names);
    const found = await describeBalancers(client, (name) => wanted.has(name), signal);
    return new Map(found.map((live) => [live.balancer.LoadBalancerName ?? "", live]));
  }

  /** Every load balancer of the region (application, network and gateway) with its tags. */
  protected override listAll(
    client: ElasticLoadBalancingV2Client,
    { signal }: RunContext,
  ): Promise<readonly LiveLoadBalancer[]> {
    return describeBalancers(client, () => true, signal);
  }

  /** The state from `State.Code`; the subnets and groups as sets, with the tags listed. */
  protected override observe(
    { balancer, tags }: LiveLoadBalancer,
    context: RunContext,
  ): Observation {
    const zones = balancer.AvailabilityZones ?? [];
    return {
      state: STATES[balancer.State?.Code ?? "active"] ?? "pending",
      definition: {
        Name: balancer.LoadBalancerName,
        LoadBalancerArn: balancer.LoadBalancerArn,
        DNSName: balancer.DNSName,
        VpcId: balancer.VpcId,
        Scheme: balancer.Scheme ?? LoadBalancerSchemeEnum.INTERNET_FACING,
        Type: balancer.Type ?? LoadBalancerTypeEnum.APPLICATION,
        IpAddressType: balancer.IpAddressType ?? IpAddressType.IPV4,
        Subnets: zones.flatMap(({ SubnetId }) => (SubnetId === undefined ? [] : [SubnetId])),
        SubnetMappings: zones.flatMap(({ SubnetId, LoadBalancerAddresses = [] }) => {
          if (SubnetId === undefined) return [];
          const [address] = LoadBalancerAddresses;
          return [
            {
              SubnetId,
              ...(address?.AllocationId === undefined
                ? {}
                : { AllocationId: address.AllocationId }),
              ...(address?.PrivateIPv4Address === undefined
                ? {}
                : { PrivateIPv4Address: address.PrivateIPv4Address }),
              ...(address?.IPv6Address === undefined ? {} : { IPv6Address: address.IPv6Address }),
            },
          ];
        }),
        SecurityGroups: balancer.SecurityGroups ?? [],
        region_name: this.region(context),
      },
      tags,
    };
  }

  /**
   * The generic block, with the subnets written once: as `SubnetMappings` where a subnet has an
   * address of its own (an Elastic IP, a fixed private address), else as `Subnets`
   * (CreateLoadBalancer takes one or the other).
   */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const { Subnets, SubnetMappings, ...block } = super.discoveredResource(observation, ownTags);
    const hasAddresses =
      Array.isArray(SubnetMappings) &&
      SubnetMappings.some((mapping) => isPlainObject(mapping) && Object.keys(mapping).length > 1);
    const subnets = hasAddresses ? { SubnetMappings } : { Subnets };
    return { ...block, ...(Object.values(subnets)[0] === undefined ? {} : subnets) };
  }

  /** CreateLoadBalancer with the settings and the tags plus the ownership tag; its answer carries the load balancer. */
  protected override async create(
    client: ElasticLoadBalancingV2Client,
    desired: AlbDefinition,
    { signal }: RunContext,
  ): Promise<LiveLoadBalancer | undefined> {
    const { Name, Subnets, SubnetMappings, SecurityGroups, Scheme, Type } = desired;
    const { IpAddressType: type, Tags } = desired;
    const tags = ownedTagList(writtenTags(Tags) ?? {}, this.provenanceTags);
    const { LoadBalancers = [] } = await client.send(
      new CreateLoadBalancerCommand({
        Name,
        ...(Subnets === undefined ? {} : { Subnets }),
        ...(SubnetMappings === undefined ? {} : { SubnetMappings }),
        ...(SecurityGroups === undefined ? {} : { SecurityGroups }),
        ...(Scheme === undefined ? {} : { Scheme }),
        ...(Type === undefined ? {} : { Type }),
        ...(type === undefined ? {} : { IpAddressType: type }),
        Tags: tags,
      }),
      { abortSignal: signal },
    );
    const [balancer] = LoadBalancers;
    return balancer?.LoadBalancerArn === undefined
      ? undefined
      : { balancer, tags: tagsFromList(tags) };
  }

  /** DeleteLoadBalancer; AWS refuses while deletion protection is on (`OperationNotPermitted`). */
  protected override async remove(
    client: ElasticLoadBalancingV2Client,
    { balancer }: LiveLoadBalancer,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(
      new DeleteLoadBalancerCommand({ LoadBalancerArn: balancer.LoadBalancerArn }),
      {
        abortSignal: signal,
      },
    );
  }

  protected override async writeTags(
    client: ElasticLoadBalancingV2Client,
    { balancer }: LiveLoadBalancer,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const ResourceArns = [balancer.LoadBalancerArn ?? ""];
    if (remove.length > 0)
      await client.send(new RemoveTagsCommand({ ResourceArns, TagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new AddTagsCommand({ ResourceArns, Tags: tagsToList(set) }), {
        abortSignal: signal,
      });
  }

  /** The name and the settings written; subnets, mappings and groups as sets; the tags as a sorted set. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { Name, Scheme, Type, IpAddressType: type, Tags } = definition;
    return {
      Name,
      Scheme,
      Type,
      IpAddressType: type,
      Subnets: sorted(definition["Subnets"]),
      SubnetMappings: sortedMappings(definition["SubnetMappings"]),
      SecurityGroups: sorted(definition["SecurityGroups"]),
      Tags: this.comparableTagsOf(Tags),
    };
  }
}

/**
 * The load balancers whose name `isWanted`, with their tags: DescribeLoadBalancers, page by
 * page, filtered here (naming them would fail the whole call on the first one missing); then
 * DescribeTags, 20 ARNs a call.
 */
async function describeBalancers(
  client: ElasticLoadBalancingV2Client,
  isWanted: (name: string) => boolean,
  signal: AbortSignal,
): Promise<LiveLoadBalancer[]> {
  const balancers: LoadBalancer[] = [];
  for await (const page of paginateDescribeLoadBalancers(
    { client, pageSize: PAGE_SIZE },
    {},
    { abortSignal: signal },
  ))
    for (const balancer of page.LoadBalancers ?? [])
      if (balancer.LoadBalancerName !== undefined && isWanted(balancer.LoadBalancerName))
        balancers.push(balancer);
  const tagsByArn = new Map<string, TagMap>();
  for (let start = 0; start < balancers.length; start += TAGS_BATCH) {
    const ResourceArns = balancers
      .slice(start, start + TAGS_BATCH)
      .flatMap(({ LoadBalancerArn }) => (LoadBalancerArn === undefined ? [] : [LoadBalancerArn]));
    const { TagDescriptions = [] } = await client.send(new DescribeTagsCommand({ ResourceArns }), {
      abortSignal: signal,
    });
    for (const { ResourceArn, Tags } of TagDescriptions)
      if (ResourceArn !== undefined) tagsByArn.set(ResourceArn, tagsFromList(Tags));
  }
  return balancers.map((balancer) => ({
    balancer,
    tags: tagsByArn.get(balancer.LoadBalancerArn ?? "") ?? {},
  }));
}
