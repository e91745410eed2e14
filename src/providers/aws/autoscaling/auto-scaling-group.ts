import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
  DeleteAutoScalingGroupCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
  paginateDescribeAutoScalingGroups,
  type AutoScalingGroup as Group,
  type TagDescription as GroupTag,
} from "@aws-sdk/client-auto-scaling";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { isPlainObject } from "../../../core/values.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { writtenTags, type TagChanges, type TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { tagMapSchema, tagsFromList, withOwnershipTag } from "../tags.js";

const tagValueSchema = z.union([z.string().max(256), z.number(), z.boolean()]);

/** One tag of the group as CreateAutoScalingGroup takes it (PCF's form). */
const groupTagSchema = z.strictObject({
  Key: z.string().min(1).max(128),
  Value: tagValueSchema,
  /** Whether instances the group launches carry the tag. Default false. */
  PropagateAtLaunch: z.boolean().optional(),
  /** The group's name; accepted as PCF files write it, the group's own name is always used. */
  ResourceId: z.string().optional(),
  /** `auto-scaling-group`; accepted as PCF files write it. */
  ResourceType: z.literal("auto-scaling-group").optional(),
});

const nameSchema = z.string().min(1).max(255);

/** The `aws_resource` block of an `auto_scaling_group` particle: CreateAutoScalingGroup's parameters. */
export const autoScalingGroupSchema = z.strictObject({
  /** The group's name. Required: it is the unique key. */
  AutoScalingGroupName: nameSchema,
  /** The launch configuration instances start from. Default: none (then LaunchTemplate or InstanceId). Changes in place. */
  LaunchConfigurationName: nameSchema.optional(),
  /** `{ LaunchTemplateId | LaunchTemplateName, Version }`. Default: none. Changes in place. */
  LaunchTemplate: z
    .strictObject({
      LaunchTemplateId: z.string().min(1).optional(),
      LaunchTemplateName: z.string().min(3).max(128).optional(),
      Version: z.string().min(1).optional(),
    })
    .optional(),
  /** An instance whose settings the group copies. Default: none. Sent at create only, not compared (the group does not show it). */
  InstanceId: z.string().min(1).optional(),
  /** The least instances. Required. Changes in place. */
  MinSize: z.number().int().min(0),
  /** The most instances. Required. Changes in place. */
  MaxSize: z.number().int().min(0),
  /** The instances wanted. Default: not compared; created at MinSize. Changes in place. */
  DesiredCapacity: z.number().int().min(0).optional(),
  /** Seconds between scaling activities. Default: not compared; 300. Changes in place. */
  DefaultCooldown: z.number().int().min(0).optional(),
  /** Availability zones, compared as a set. Default: not compared (then VPCZoneIdentifier). Changes in place. */
  AvailabilityZones: z.array(z.string().min(1)).min(1).optional(),
  /** Classic load balancers, compared as a set. Default: not compared; none. Fixed at creation. */
  LoadBalancerNames: z.array(z.string().min(1)).optional(),
  /** Target groups, compared as a set. Default: not compared; none. Fixed at creation. */
  TargetGroupARNs: z.array(z.string().min(1)).optional(),
  /** `EC2` or `ELB`. Default: not compared; `EC2`. Changes in place. */
  HealthCheckType: z.string().min(1).optional(),
  /** Seconds before health checks start. Default: not compared; 0. Changes in place. */
  HealthCheckGracePeriod: z.number().int().min(0).optional(),
  /** A placement group. Default: not compared; none. Changes in place. */
  PlacementGroup: z.string().min(1).optional(),
  /** Subnet ids, comma-separated, compared as a set. Default: not compared. Changes in place. */
  VPCZoneIdentifier: z.string().min(1).optional(),
  /** Termination policies, in order. Default: not compared; `Default`. Changes in place. */
  TerminationPolicies: z.array(z.string().min(1)).optional(),
  /** Whether new instances are protected from scale-in. Default: not compared; false. Changes in place. */
  NewInstancesProtectedFromScaleIn: z.boolean().optional(),
  /** The service-linked role. Default: not compared; AWS's default role. Changes in place. */
  ServiceLinkedRoleARN: z.string().min(1).optional(),
  /**
   * Lifecycle hooks made with the group. Default: none. Sent at create only, not compared
   * (DescribeAutoScalingGroups does not show hooks).
   */
  LifecycleHookSpecificationList: z
    .array(
      z.strictObject({
        /** The hook's name. */
        LifecycleHookName: z.string().min(1).max(255),
        /** `autoscaling:EC2_INSTANCE_LAUNCHING` or `autoscaling:EC2_INSTANCE_TERMINATING`. */
        LifecycleTransition: z.string().min(1),
        /** Data sent with notifications. Default: none. */
        NotificationMetadata: z.string().max(1023).optional(),
        /** Seconds before the default result applies. Default: 3600. */
        HeartbeatTimeout: z.number().int().min(30).max(7200).optional(),
        /** `CONTINUE` or `ABANDON`. Default: `ABANDON`. */
        DefaultResult: z.string().min(1).optional(),
        /** Where notifications go (SNS or SQS ARN). Default: none. */
        NotificationTargetARN: z.string().min(1).optional(),
        /** The role that publishes to the target. Default: none. */
        RoleARN: z.string().min(1).optional(),
      }),
    )
    .optional(),
  /**
   * The group's whole tag set: PCF's list of `{ Key, Value, PropagateAtLaunch }` or a map (not
   * propagated). Tags not listed are removed on update; the ownership tag is always kept (and
   * never propagated). Keys and values are compared; PropagateAtLaunch is sent with every tag
   * written but not compared. Default: not compared.
   */
  Tags: z.union([tagMapSchema, z.array(groupTagSchema)]).optional(),
  /** The group's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `auto_scaling_group` particle. */
export type AutoScalingGroupDefinition = z.infer<typeof autoScalingGroupSchema>;

/** The fields UpdateAutoScalingGroup sets, in the order they are updated (one call sets them all). */
const UPDATED_FIELDS = [
  "LaunchConfigurationName",
  "LaunchTemplate",
  "MinSize",
  "MaxSize",
  "DesiredCapacity",
  "DefaultCooldown",
  "AvailabilityZones",
  "HealthCheckType",
  "HealthCheckGracePeriod",
  "PlacementGroup",
  "VPCZoneIdentifier",
  "TerminationPolicies",
  "NewInstancesProtectedFromScaleIn",
  "ServiceLinkedRoleARN",
] as const;

/** The status DescribeAutoScalingGroups shows while a deleted group's instances terminate. */
const DELETING = "Delete in progress";

/** Names per DescribeAutoScalingGroups call (its page size). */
const NAMES_PER_CALL = 100;

/** The codes of the group calls, by class (a missing group is a `ValidationError`, shared with bad input). */
const GROUP_ERRORS: OperationErrors = {
  CreateAutoScalingGroup: {
    alreadyExists: ["AlreadyExists"],
    invalid: ["LimitExceeded", "ValidationError"],
    inUse: ["ResourceContention"],
  },
  UpdateAutoScalingGroup: {
    wrongState: ["ScalingActivityInProgress"],
    inUse: ["ResourceContention"],
    invalid: ["ValidationError"],
  },
  DeleteAutoScalingGroup: {
    wrongState: ["ScalingActivityInProgress"],
    inUse: ["ResourceInUse", "ResourceContention"],
  },
  DescribeAutoScalingGroups: { invalid: ["InvalidNextToken"] },
  CreateOrUpdateTags: {
    alreadyExists: ["AlreadyExists"],
    invalid: ["LimitExceeded", "ValidationError"],
    inUse: ["ResourceInUse", "ResourceContention"],
  },
  DeleteTags: { inUse: ["ResourceInUse", "ResourceContention"] },
};

/** A comma-separated list as a sorted set. */
function sortedList(value: unknown): unknown {
  return typeof value === "string"
    ? value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "")
        .sort()
        .join(",")
    : value;
}

/** An array as a sorted set. @internal */
export function sortedSet(value: unknown): unknown {
  return Array.isArray(value) ? [...(value as string[])].sort() : value;
}

/**
 * An EC2 Auto Scaling group, found by its name. Sizes, the launch configuration or template,
 * zones, subnets, health checks and the other settings UpdateAutoScalingGroup takes change in
 * place, in one call; the load balancers and target groups are fixed at creation. The ownership
 * tag goes in CreateAutoScalingGroup's `Tags` (not propagated to instances); tags change with
 * CreateOrUpdateTags and DeleteTags.
 *
 * It has no stopped form: stopped ≡ terminated, as PCF declared (PCF's stop did nothing, so
 * desired stopped looped for ever). Deleting uses ForceDelete, as PCF did: the group's instances
 * are terminated with it. AWS then lists the group as "Delete in progress" (observed `pending`)
 * until they are gone; the delete's answer is empty, so it is confirmed by reading.
 *
 * Reads are batched: one paged DescribeAutoScalingGroups per region naming up to 100 groups,
 * whose answer carries the tags.
 *
 * @example
 * ```ts
 * const web = new AutoScalingGroup({
 *   pcf_name: "web",
 *   flavor: "auto_scaling_group",
 *   aws_resource: {
 *     AutoScalingGroupName: "web",
 *     LaunchConfigurationName: "web-v1",
 *     MinSize: 1,
 *     MaxSize: 3,
 *     AvailabilityZones: ["us-east-1a"],
 *   },
 * });
 * await web.apply();
 * ```
 */
export class AutoScalingGroup extends AWSResource<
  AutoScalingGroupDefinition,
  Group,
  AutoScalingClient
> {
  static override readonly flavor: string = "auto_scaling_group";
  static override readonly service: string = "autoscaling";
  static override readonly Client = AutoScalingClient;
  static override readonly definitionSchema = autoScalingGroupSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.AutoScalingGroupName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = [
    "LoadBalancerNames",
    "TargetGroupARNs",
  ];
  static override readonly inPlaceFields: readonly string[] = [...UPDATED_FIELDS, "Tags"];
  static override readonly readShape = "describe-by-key";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "CreateAutoScalingGroup";
  static override readonly operationErrors = GROUP_ERRORS;
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: ["autoscaling:DescribeAutoScalingGroups"],
    start: ["autoscaling:CreateAutoScalingGroup", "autoscaling:CreateOrUpdateTags"],
    update: [
      "autoscaling:UpdateAutoScalingGroup",
      "autoscaling:CreateOrUpdateTags",
      "autoscaling:DeleteTags",
    ],
    terminate: ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DeleteAutoScalingGroup"],
  };

  protected override readonly updaters: FieldUpdaters<
    AutoScalingGroupDefinition,
    Group,
    AutoScalingClient
  > = Object.fromEntries(UPDATED_FIELDS.map((field) => [field, updateGroup]));

  /** The groups of `names` that exist: DescribeAutoScalingGroups naming them, 100 a call, paged. */
  protected override async list(
    client: AutoScalingClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Group>> {
    const found = new Map<string, Group>();
    for (let start = 0; start < names.length; start += NAMES_PER_CALL)
      for (const group of await describeGroups(
        client,
        names.slice(start, start + NAMES_PER_CALL),
        signal,
      ))
        if (group.AutoScalingGroupName !== undefined) found.set(group.AutoScalingGroupName, group);
    return found;
  }

  /** Every group of the region but those being deleted: DescribeAutoScalingGroups, paged. */
  protected override async listAll(
    client: AutoScalingClient,
    { signal }: RunContext,
  ): Promise<readonly Group[]> {
    const groups = await describeGroups(client, undefined, signal);
    return groups.filter((group) => group.Status !== DELETING);
  }

  /** Running, or pending while its delete is in progress; its tags come with it, as PCF lists them. */
  protected override observe(group: Group, context: RunContext): Observation {
    return {
      state: group.Status === DELETING ? "pending" : "running",
      definition: {
        AutoScalingGroupName: group.AutoScalingGroupName,
        AutoScalingGroupARN: group.AutoScalingGroupARN,
        LaunchConfigurationName: group.LaunchConfigurationName,
        LaunchTemplate: group.LaunchTemplate,
        MinSize: group.MinSize,
        MaxSize: group.MaxSize,
        DesiredCapacity: group.DesiredCapacity,
        DefaultCooldown: group.DefaultCooldown,
        AvailabilityZones: group.AvailabilityZones,
        LoadBalancerNames: group.LoadBalancerNames ?? [],
        TargetGroupARNs: group.TargetGroupARNs ?? [],
        HealthCheckType: group.HealthCheckType,
        HealthCheckGracePeriod: group.HealthCheckGracePeriod,
        PlacementGroup: group.PlacementGroup,
        VPCZoneIdentifier: group.VPCZoneIdentifier,
        TerminationPolicies: group.TerminationPolicies,
        NewInstancesProtectedFromScaleIn: group.NewInstancesProtectedFromScaleIn ?? false,
        ServiceLinkedRoleARN: group.ServiceLinkedRoleARN,
        Tags: (group.Tags ?? []).map(({ Key, Value, PropagateAtLaunch }) => ({
          Key,
          Value,
          PropagateAtLaunch,
        })),
        region_name: this.region(context),
      },
      tags: tagsFromList(group.Tags),
    };
  }

  /**
   * The generic block, with each own tag's PropagateAtLaunch, the launch template by id alone
   * (CreateAutoScalingGroup takes its id or its name) and no empty list.
   */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const { Tags, LaunchTemplate, ...block } = super.discoveredResource(observation, ownTags);
    const listed = observation.definition["Tags"];
    const propagated = new Set(
      (Array.isArray(listed) ? (listed as GroupTag[]) : []).flatMap(({ Key, PropagateAtLaunch }) =>
        PropagateAtLaunch === true && Key !== undefined ? [Key] : [],
      ),
    );
    const fields = {
      ...block,
      ...(isPlainObject(LaunchTemplate) ? { LaunchTemplate: templateById(LaunchTemplate) } : {}),
      ...(Array.isArray(Tags)
        ? {
            Tags: (Tags as GroupTag[]).map((tag) => ({
              ...tag,
              PropagateAtLaunch: propagated.has(tag.Key ?? ""),
            })),
          }
        : {}),
    };
    return Object.fromEntries(
      Object.entries(fields).filter(([, value]) => !(Array.isArray(value) && value.length === 0)),
    );
  }

  /** CreateAutoScalingGroup with the settings and the tags plus the ownership tag; its answer is empty. */
  protected override async create(
    client: AutoScalingClient,
    desired: AutoScalingGroupDefinition,
    { signal }: RunContext,
  ): Promise<Group | undefined> {
    const { Tags: _tags, region_name: _region, custom_config: _config, ...settings } = desired;
    const tags = withOwnershipTag(writtenTags(desired.Tags), this.provenanceTags);
    await client.send(
      new CreateAutoScalingGroupCommand({
        ...settings,
        Tags: this.tagEntries(desired, tags),
      }),
      { abortSignal: signal },
    );
    return undefined;
  }

  /**
   * ForceDelete, as PCF did (the instances go with the group), unless a fresh read finds the
   * group gone or already being deleted: the confirming reads must not delete it twice.
   */
  protected override async remove(
    client: AutoScalingClient,
    { AutoScalingGroupName }: Group,
    { signal }: RunContext,
  ): Promise<void> {
    const { AutoScalingGroups = [] } = await client.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: AutoScalingGroupName === undefined ? [] : [AutoScalingGroupName],
      }),
      { abortSignal: signal },
    );
    const group = AutoScalingGroups.find(
      (each) => each.AutoScalingGroupName === AutoScalingGroupName,
    );
    if (group === undefined || group.Status === DELETING) return;
    await client.send(
      new DeleteAutoScalingGroupCommand({ AutoScalingGroupName, ForceDelete: true }),
      {
        abortSignal: signal,
      },
    );
  }

  /** CreateOrUpdateTags (with each tag's PropagateAtLaunch) and DeleteTags. */
  protected override async writeTags(
    client: AutoScalingClient,
    { AutoScalingGroupName }: Group,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const ResourceId = AutoScalingGroupName;
    if (remove.length > 0)
      await client.send(
        new DeleteTagsCommand({
          Tags: remove.map((Key) => ({ ResourceId, ResourceType: "auto-scaling-group", Key })),
        }),
        { abortSignal: signal },
      );
    if (Object.keys(set).length > 0)
      await client.send(
        new CreateOrUpdateTagsCommand({ Tags: this.tagEntries(this.desiredDefinition(), set) }),
        { abortSignal: signal },
      );
  }

  /** The settings written, zones, subnets and load balancers as sets, the tags as a sorted set. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const compared = Object.fromEntries(
      [...UPDATED_FIELDS, "AutoScalingGroupName", "LoadBalancerNames", "TargetGroupARNs"].map(
        (field) => [field, definition[field]],
      ),
    );
    return {
      ...compared,
      AvailabilityZones: sortedSet(definition["AvailabilityZones"]),
      LoadBalancerNames: sortedSet(definition["LoadBalancerNames"]),
      TargetGroupARNs: sortedSet(definition["TargetGroupARNs"]),
      VPCZoneIdentifier: sortedList(definition["VPCZoneIdentifier"]),
      Tags: this.comparableTagsOf(definition["Tags"]),
    };
  }

  /** `tags` as CreateOrUpdateTags takes them, with the definition's PropagateAtLaunch (default false). */
  private tagEntries(desired: AutoScalingGroupDefinition, tags: Readonly<Record<string, string>>) {
    const written = Array.isArray(desired.Tags) ? desired.Tags : [];
    return Object.entries(tags).map(([Key, Value]) => ({
      ResourceId: desired.AutoScalingGroupName,
      ResourceType: "auto-scaling-group",
      Key,
      Value,
      PropagateAtLaunch: written.find((tag) => tag.Key === Key)?.PropagateAtLaunch ?? false,
    }));
  }
}

/** UpdateAutoScalingGroup with every in-place setting the definition writes. */
const updateGroup: FieldUpdater<AutoScalingGroupDefinition, Group, AutoScalingClient> = (
  client,
  { AutoScalingGroupName },
  desired,
  { signal },
) =>
  client.send(
    new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName,
      ...Object.fromEntries(UPDATED_FIELDS.map((field) => [field, desired[field]])),
    }),
    { abortSignal: signal },
  );

/**
 * The groups of the region named in `names` (every one without), with their tags:
 * DescribeAutoScalingGroups, page by page.
 */
async function describeGroups(
  client: AutoScalingClient,
  AutoScalingGroupNames: string[] | undefined,
  signal: AbortSignal,
): Promise<Group[]> {
  const groups: Group[] = [];
  const pages = paginateDescribeAutoScalingGroups(
    { client, pageSize: NAMES_PER_CALL },
    AutoScalingGroupNames === undefined ? {} : { AutoScalingGroupNames },
    { abortSignal: signal },
  );
  for await (const page of pages) groups.push(...(page.AutoScalingGroups ?? []));
  return groups;
}

/** A launch template as a group lists it, by its id and version only (when it has an id). */
function templateById(template: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { LaunchTemplateId, LaunchTemplateName, Version } = template;
  return LaunchTemplateId === undefined
    ? { LaunchTemplateName, Version }
    : { LaunchTemplateId, Version };
}
