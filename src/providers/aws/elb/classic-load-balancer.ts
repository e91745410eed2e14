import {
  AddTagsCommand,
  ApplySecurityGroupsToLoadBalancerCommand,
  AttachLoadBalancerToSubnetsCommand,
  CreateLoadBalancerCommand,
  CreateLoadBalancerListenersCommand,
  DeleteLoadBalancerCommand,
  DeleteLoadBalancerListenersCommand,
  DescribeTagsCommand,
  DetachLoadBalancerFromSubnetsCommand,
  DisableAvailabilityZonesForLoadBalancerCommand,
  ElasticLoadBalancingClient,
  EnableAvailabilityZonesForLoadBalancerCommand,
  RemoveTagsCommand,
  paginateDescribeLoadBalancers,
  type Listener,
  type LoadBalancerDescription,
} from "@aws-sdk/client-elastic-load-balancing";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { writtenTags, type TagChanges, type TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList, tagsToList } from "../tags.js";

const listenerSchema = z.strictObject({
  /** The front-end protocol: `HTTP`, `HTTPS`, `TCP` or `SSL` (any case; compared upper-cased). Required. */
  Protocol: z.string().min(1),
  /** The front-end port. Required. */
  LoadBalancerPort: z.number().int().min(1).max(65535),
  /** The back-end protocol. Default: the front-end `Protocol` (AWS's default); never overwritten. */
  InstanceProtocol: z.string().min(1).optional(),
  /** The back-end port. Required. */
  InstancePort: z.number().int().min(1).max(65535),
  /** The server certificate's ARN, for `HTTPS` and `SSL`. Default: none. */
  SSLCertificateId: z.string().min(1).optional(),
});

/** The `aws_resource` block of an `elb` particle: Classic ELB CreateLoadBalancer's parameters. */
export const elbSchema = z.strictObject({
  /** The load balancer's name: up to 32 letters, digits and inner hyphens. Required: it is the unique key. */
  LoadBalancerName: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, "expected letters, digits and inner -"),
  /** The listeners. Required at creation. Changes in place (DeleteLoadBalancerListeners and CreateLoadBalancerListeners, by port). */
  Listeners: z.array(listenerSchema).min(1),
  /** The zones, for a load balancer outside a VPC. Default: not compared. Changes in place (Enable/DisableAvailabilityZonesForLoadBalancer). */
  AvailabilityZones: z.array(z.string().min(1)).optional(),
  /** The subnets, one per zone, for a load balancer in a VPC. Default: not compared. Changes in place (Attach/DetachLoadBalancerToSubnets). */
  Subnets: z.array(z.string().min(1)).optional(),
  /** The security groups, by id. Default: not compared; a group ELB makes. Changes in place (ApplySecurityGroupsToLoadBalancer). */
  SecurityGroups: z.array(z.string().min(1)).optional(),
  /** `internet-facing` or `internal`. Default: not compared; created `internet-facing`. Fixed at creation. */
  Scheme: z.enum(["internet-facing", "internal"]).optional(),
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

/** What a user writes in the `aws_resource` block of an `elb` particle. */
export type ElbDefinition = z.infer<typeof elbSchema>;

/** A listed classic load balancer with its tags (DescribeTags, batched). */
export interface LiveClassicLoadBalancer {
  readonly balancer: LoadBalancerDescription;
  readonly tags: TagMap;
}

/** DescribeTags takes at most 20 names a call. */
const TAGS_BATCH = 20;

/** DescribeLoadBalancers' largest page. */
const PAGE_SIZE = 400;

const NOT_FOUND = ["LoadBalancerNotFound"];

/** The codes of the classic load balancer calls, by class. */
const ELB_ERRORS: OperationErrors = {
  CreateLoadBalancer: {
    alreadyExists: ["DuplicateLoadBalancerName"],
    invalid: [
      "CertificateNotFound",
      "InvalidConfigurationRequest",
      "InvalidSubnet",
      "SubnetNotFound",
      "InvalidSecurityGroup",
      "InvalidScheme",
      "TooManyLoadBalancers",
      "DuplicateTagKeys",
      "TooManyTags",
      "UnsupportedProtocol",
      "OperationNotPermitted",
      "ValidationError",
    ],
  },
  DescribeLoadBalancers: { notFound: NOT_FOUND },
  DescribeTags: { notFound: NOT_FOUND },
  DeleteLoadBalancer: {},
  AddTags: { notFound: NOT_FOUND, invalid: ["DuplicateTagKeys", "TooManyTags"] },
  RemoveTags: { notFound: NOT_FOUND },
  ApplySecurityGroupsToLoadBalancer: {
    notFound: NOT_FOUND,
    invalid: ["InvalidConfigurationRequest", "InvalidSecurityGroup"],
  },
  AttachLoadBalancerToSubnets: {
    notFound: NOT_FOUND,
    invalid: ["InvalidConfigurationRequest", "SubnetNotFound", "InvalidSubnet"],
  },
  DetachLoadBalancerFromSubnets: {
    notFound: NOT_FOUND,
    invalid: ["InvalidConfigurationRequest"],
  },
  EnableAvailabilityZonesForLoadBalancer: { notFound: NOT_FOUND },
  DisableAvailabilityZonesForLoadBalancer: {
    notFound: NOT_FOUND,
    invalid: ["InvalidConfigurationRequest"],
  },
  CreateLoadBalancerListeners: {
    notFound: NOT_FOUND,
    alreadyExists: ["DuplicateListener"],
    invalid: [
      "CertificateNotFound",
      "InvalidConfigurationRequest",
      "UnsupportedProtocol",
      "ValidationError",
    ],
  },
  DeleteLoadBalancerListeners: { notFound: NOT_FOUND },
};

/** A listener with every field ELB always has. */
interface CanonicalListener {
  readonly Protocol: string;
  readonly LoadBalancerPort: number;
  readonly InstanceProtocol: string;
  readonly InstancePort: number;
  readonly SSLCertificateId?: string;
}

/** A listener as ELB lists it: protocols upper-cased, the back-end protocol defaulted to the front-end one. */
function listenerOf(listener: Listener): CanonicalListener {
  const Protocol = (listener.Protocol ?? "").toUpperCase();
  return {
    Protocol,
    LoadBalancerPort: listener.LoadBalancerPort ?? 0,
    InstanceProtocol: (listener.InstanceProtocol ?? Protocol).toUpperCase(),
    InstancePort: listener.InstancePort ?? 0,
    ...(listener.SSLCertificateId === undefined
      ? {}
      : { SSLCertificateId: listener.SSLCertificateId }),
  };
}

/** Listeners in a comparable order and form; anything else as it is. */
function comparableListeners(listeners: unknown): unknown {
  return Array.isArray(listeners)
    ? (listeners as Listener[])
        .map(listenerOf)
        .sort((a, b) => a.LoadBalancerPort - b.LoadBalancerPort)
    : listeners;
}

function sorted(values: unknown): unknown {
  return Array.isArray(values) ? [...(values as string[])].sort() : values;
}

/** The members of `values` not in `others`. */
function without(values: readonly string[], others: readonly string[]): string[] {
  return values.filter((value) => !others.includes(value));
}

/**
 * A Classic Load Balancer, found by its `LoadBalancerName`. It has no stopped form: stopping
 * deletes it. Listeners, subnets, zones, security groups and tags change in place (only the
 * difference is sent); the scheme is fixed at creation. The ownership tag goes in
 * CreateLoadBalancer itself. Unlike PCF, a listener's back-end protocol is never overwritten
 * with its front-end one.
 *
 * Reads are batched: one paged DescribeLoadBalancers per region, plus DescribeTags for the load
 * balancers found, 20 names a call.
 *
 * @example
 * ```ts
 * const front = new Elb({
 *   pcf_name: "front",
 *   flavor: "elb",
 *   aws_resource: {
 *     LoadBalancerName: "front",
 *     Listeners: [{ Protocol: "HTTP", LoadBalancerPort: 80, InstancePort: 8080 }],
 *     Subnets: ["subnet-1"],
 *   },
 * });
 * await front.apply();
 * ```
 */
export class Elb extends AWSResource<
  ElbDefinition,
  LiveClassicLoadBalancer,
  ElasticLoadBalancingClient
> {
  static override readonly flavor: string = "elb";
  static override readonly service: string = "elasticloadbalancing";
  static override readonly Client = ElasticLoadBalancingClient;
  static override readonly definitionSchema = elbSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.LoadBalancerName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = ["Scheme"];
  static override readonly inPlaceFields: readonly string[] = [
    "Listeners",
    "AvailabilityZones",
    "Subnets",
    "SecurityGroups",
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
  static override readonly operationErrors = ELB_ERRORS;
  static override readonly actions = {
    read: ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags"],
    start: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:AddTags"],
    update: [
      "elasticloadbalancing:CreateLoadBalancerListeners",
      "elasticloadbalancing:DeleteLoadBalancerListeners",
      "elasticloadbalancing:EnableAvailabilityZonesForLoadBalancer",
      "elasticloadbalancing:DisableAvailabilityZonesForLoadBalancer",
      "elasticloadbalancing:AttachLoadBalancerToSubnets",
      "elasticloadbalancing:DetachLoadBalancerFromSubnets",
      "elasticloadbalancing:ApplySecurityGroupsToLoadBalancer",
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:RemoveTags",
    ],
    terminate: ["elasticloadbalancing:DeleteLoadBalancer"],
  };

  protected override readonly updaters: FieldUpdaters<
    ElbDefinition,
    LiveClassicLoadBalancer,
    ElasticLoadBalancingClient
  > = {
    /** Deletes the listeners that differ or are not wanted (by port), then creates the missing ones. */
    Listeners: async (client, { balancer }, { LoadBalancerName, Listeners }, { signal }) => {
      const key = (listener: Listener): string => JSON.stringify(listenerOf(listener));
      const current = (balancer.ListenerDescriptions ?? []).flatMap(({ Listener: listener }) =>
        listener === undefined ? [] : [listener],
      );
      const wanted = new Set(Listeners.map(key));
      const kept = new Set(current.map(key).filter((listener) => wanted.has(listener)));
      const stale = current.filter((listener) => !kept.has(key(listener)));
      if (stale.length > 0)
        await client.send(
          new DeleteLoadBalancerListenersCommand({
            LoadBalancerName,
            LoadBalancerPorts: stale.map((listener) => listenerOf(listener).LoadBalancerPort),
          }),
          { abortSignal: signal },
        );
      const missing = Listeners.filter((listener) => !kept.has(key(listener)));
      if (missing.length > 0)
        await client.send(
          new CreateLoadBalancerListenersCommand({
            LoadBalancerName,
            Listeners: missing.map(listenerOf),
          }),
          { abortSignal: signal },
        );
    },
    AvailabilityZones: async (
      client,
      { balancer },
      { LoadBalancerName, AvailabilityZones = [] },
      { signal },
    ) => {
      const current = balancer.AvailabilityZones ?? [];
      const added = without(AvailabilityZones, current);
      const removed = without(current, AvailabilityZones);
      if (added.length > 0)
        await client.send(
          new EnableAvailabilityZonesForLoadBalancerCommand({
            LoadBalancerName,
            AvailabilityZones: added,
          }),
          { abortSignal: signal },
        );
      if (removed.length > 0)
        await client.send(
          new DisableAvailabilityZonesForLoadBalancerCommand({
            LoadBalancerName,
            AvailabilityZones: removed,
          }),
          { abortSignal: signal },
        );
    },
    Subnets: async (client, { balancer }, { LoadBalancerName, Subnets = [] }, { signal }) => {
      const current = balancer.Subnets ?? [];
      const added = without(Subnets, current);
      const removed = without(current, Subnets);
      if (added.length > 0)
        await client.send(
          new AttachLoadBalancerToSubnetsCommand({ LoadBalancerName, Subnets: added }),
          { abortSignal: signal },
        );
      if (removed.length > 0)
        await client.send(
          new DetachLoadBalancerFromSubnetsCommand({ LoadBalancerName, Subnets: removed }),
          { abortSignal: signal },
        );
    },
    SecurityGroups: (client, _live, { LoadBalancerName, SecurityGroups = [] }, { signal }) =>
      client.send(
        new ApplySecurityGroupsToLoadBalancerCommand({ LoadBalancerName, SecurityGroups }),
        { abortSignal: signal },
      ),
  };

  /** The load balancers of `names` that exist with their tags (see {@link describeBalancers}). */
  protected override async list(
    client: ElasticLoadBalancingClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, LiveClassicLoadBalancer>> {
    const wanted = new Set(names);
    const found = await describeBalancers(client, (name) => wanted.has(name), signal);
    return new Map(found.map((live) => [live.balancer.LoadBalancerName ?? "", live]));
  }

  /** Every classic load balancer of the region with its tags. */
  protected override listAll(
    client: ElasticLoadBalancingClient,
    { signal }: RunContext,
  ): Promise<readonly LiveClassicLoadBalancer[]> {
    return describeBalancers(client, () => true, signal);
  }

  /** A listed load balancer is running (Classic ELB has no state); its tags come with it. */
  protected override observe(
    { balancer, tags }: LiveClassicLoadBalancer,
    context: RunContext,
  ): Observation {
    return {
      state: "running",
      definition: {
        LoadBalancerName: balancer.LoadBalancerName,
        DNSName: balancer.DNSName,
        VPCId: balancer.VPCId,
        Scheme: balancer.Scheme ?? "internet-facing",
        Listeners: (balancer.ListenerDescriptions ?? []).flatMap(({ Listener: listener }) =>
          listener === undefined ? [] : [listener],
        ),
        AvailabilityZones: balancer.AvailabilityZones ?? [],
        Subnets: balancer.Subnets ?? [],
        SecurityGroups: balancer.SecurityGroups ?? [],
        region_name: this.region(context),
      },
      tags,
    };
  }

  /**
   * The generic block, with the listeners in the form ELB lists them, no empty list, and the
   * zones left out of a load balancer in subnets (a VPC's: its subnets give its zones).
   */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const block = super.discoveredResource(observation, ownTags);
    const listeners = comparableListeners(block["Listeners"]);
    const isInSubnets = Array.isArray(block["Subnets"]) && block["Subnets"].length > 0;
    return Object.fromEntries(
      Object.entries({ ...block, Listeners: listeners }).filter(
        ([key, value]) =>
          !(Array.isArray(value) && value.length === 0) &&
          !(key === "AvailabilityZones" && isInSubnets),
      ),
    );
  }

  /** CreateLoadBalancer with the settings and the tags plus the ownership tag; its answer has only the DNS name, so the kit looks it up. */
  protected override async create(
    client: ElasticLoadBalancingClient,
    desired: ElbDefinition,
    { signal }: RunContext,
  ): Promise<undefined> {
    const { LoadBalancerName, Listeners, AvailabilityZones, Subnets } = desired;
    const { SecurityGroups, Scheme, Tags } = desired;
    await client.send(
      new CreateLoadBalancerCommand({
        LoadBalancerName,
        Listeners: Listeners.map(listenerOf),
        ...(AvailabilityZones === undefined ? {} : { AvailabilityZones }),
        ...(Subnets === undefined ? {} : { Subnets }),
        ...(SecurityGroups === undefined ? {} : { SecurityGroups }),
        ...(Scheme === undefined ? {} : { Scheme }),
        Tags: ownedTagList(writtenTags(Tags) ?? {}, this.provenanceTags),
      }),
      { abortSignal: signal },
    );
    return undefined;
  }

  /** DeleteLoadBalancer: AWS answers success for a load balancer already gone. */
  protected override async remove(
    client: ElasticLoadBalancingClient,
    { balancer }: LiveClassicLoadBalancer,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(
      new DeleteLoadBalancerCommand({ LoadBalancerName: balancer.LoadBalancerName }),
      { abortSignal: signal },
    );
  }

  protected override async writeTags(
    client: ElasticLoadBalancingClient,
    { balancer }: LiveClassicLoadBalancer,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const LoadBalancerNames = [balancer.LoadBalancerName ?? ""];
    if (remove.length > 0)
      await client.send(
        new RemoveTagsCommand({ LoadBalancerNames, Tags: remove.map((Key) => ({ Key })) }),
        { abortSignal: signal },
      );
    if (Object.keys(set).length > 0)
      await client.send(new AddTagsCommand({ LoadBalancerNames, Tags: tagsToList(set) }), {
        abortSignal: signal,
      });
  }

  /** The name and the settings written; listeners by port, zones, subnets and groups as sets; the tags sorted. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { LoadBalancerName, Scheme, Tags } = definition;
    return {
      LoadBalancerName,
      Scheme,
      Listeners: comparableListeners(definition["Listeners"]),
      AvailabilityZones: sorted(definition["AvailabilityZones"]),
      Subnets: sorted(definition["Subnets"]),
      SecurityGroups: sorted(definition["SecurityGroups"]),
      Tags: this.comparableTagsOf(Tags),
    };
  }
}

/**
 * The classic load balancers whose name `isWanted`, with their tags: DescribeLoadBalancers, page
 * by page, filtered here (naming them would fail the whole call on the first one missing); then
 * DescribeTags, 20 names a call.
 */
async function describeBalancers(
  client: ElasticLoadBalancingClient,
  isWanted: (name: string) => boolean,
  signal: AbortSignal,
): Promise<LiveClassicLoadBalancer[]> {
  const balancers = new Map<string, LoadBalancerDescription>();
  for await (const page of paginateDescribeLoadBalancers(
    { client, pageSize: PAGE_SIZE },
    {},
    { abortSignal: signal },
  ))
    for (const balancer of page.LoadBalancerDescriptions ?? [])
      if (balancer.LoadBalancerName !== undefined && isWanted(balancer.LoadBalancerName))
        balancers.set(balancer.LoadBalancerName, balancer);
  const found = [...balancers.keys()];
  const tagsByName = new Map<string, TagMap>();
  for (let start = 0; start < found.length; start += TAGS_BATCH) {
    const { TagDescriptions = [] } = await client.send(
      new DescribeTagsCommand({ LoadBalancerNames: found.slice(start, start + TAGS_BATCH) }),
      { abortSignal: signal },
    );
    for (const { LoadBalancerName, Tags } of TagDescriptions)
      if (LoadBalancerName !== undefined) tagsByName.set(LoadBalancerName, tagsFromList(Tags));
  }
  return [...balancers].map(([name, balancer]) => ({
    balancer,
    tags: tagsByName.get(name) ?? {},
  }));
}
