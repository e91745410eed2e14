import {
  AddTagsCommand,
  ClusterState,
  DescribeClusterCommand,
  type EMRClient,
  EMRClient as EmrSdkClient,
  ModifyInstanceFleetCommand,
  ModifyInstanceGroupsCommand,
  RemoveTagsCommand,
  RunJobFlowCommand,
  TerminateJobFlowsCommand,
  paginateListClusters,
  paginateListInstanceFleets,
  paginateListInstanceGroups,
  type Cluster,
  type ClusterSummary,
  type InstanceFleet,
  type InstanceGroup,
} from "@aws-sdk/client-emr";
import { PcfError } from "../../../core/errors.js";
import type { BackoffOptions } from "../../../core/wait.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { isPlainObject, readPath } from "../../../core/values.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { iamNameOf } from "../iam-name.js";
import { AWSResource, actionsOf } from "../resource.js";
import { ownedTagList, tagMapOf, tagsFromList, tagsToList } from "../tags.js";
import { emrClusterSchema, type EmrClusterDefinition } from "./cluster-definition.js";

/** The states of a cluster that is not gone: ListClusters lists these only. */
const ACTIVE_STATES = [
  ClusterState.STARTING,
  ClusterState.BOOTSTRAPPING,
  ClusterState.RUNNING,
  ClusterState.WAITING,
  ClusterState.TERMINATING,
];

/** A cluster as read: its summaries under the name, then (see `complete`) its description and instances. */
export interface LiveCluster {
  /** Every active cluster listed under the particle's name: more than one fails its read. */
  readonly summaries: readonly ClusterSummary[];
  readonly cluster?: Cluster | undefined;
  readonly groups?: readonly InstanceGroup[] | undefined;
  readonly fleets?: readonly InstanceFleet[] | undefined;
}

const INVALID = ["InvalidRequestException", "ValidationException"];

/** EMR's codes are generic (InvalidRequestException, ValidationException, InternalServerError). */
const CLUSTER_ERRORS: OperationErrors = {
  RunJobFlow: { invalid: INVALID },
  ListClusters: { invalid: INVALID },
  DescribeCluster: { invalid: INVALID },
  ListInstanceGroups: { invalid: INVALID },
  ListInstanceFleets: { invalid: INVALID },
  ModifyInstanceGroups: { invalid: INVALID },
  ModifyInstanceFleet: { invalid: INVALID },
  TerminateJobFlows: { invalid: INVALID },
  AddTags: { invalid: INVALID },
  RemoveTags: { invalid: INVALID },
};

/** The members of an instance group or fleet that change in place, by kind. */
const CAPACITY_MEMBERS = {
  InstanceGroups: ["InstanceCount"],
  InstanceFleets: ["TargetOnDemandCapacity", "TargetSpotCapacity"],
} as const;

/** How a group is told apart in its cluster: by role (MASTER, CORE), TASK ones by name too. */
function groupKey(role: unknown, name: unknown): string {
  return role === "TASK" ? `TASK:${typeof name === "string" ? name : ""}` : String(role);
}

/** `Tags` and PCF's `custom_config.Tags`, merged (`Tags` wins); `undefined` when neither is written. */
function mergedTags(definition: Record<string, unknown>): TagMap | undefined {
  const tags = definition["Tags"];
  const pcfTags = readPath(definition, "custom_config.Tags");
  return tags === undefined && pcfTags === undefined
    ? undefined
    : { ...tagMapOf(pcfTags), ...tagMapOf(tags) };
}

/** An S3 log folder as compared: EMR answers `s3n://bucket/logs/` for `s3://bucket/logs`. */
function logFolderOf(uri: unknown): unknown {
  return typeof uri === "string" ? uri.replace(/^s3[na]?:\/\//, "").replace(/\/+$/, "") : uri;
}

/** `members` of `item` that are set. */
function picked(
  item: Record<string, unknown>,
  members: readonly string[],
): Record<string, unknown> {
  return Object.fromEntries(
    members.flatMap((member) => (item[member] === undefined ? [] : [[member, item[member]]])),
  );
}

/**
 * The groups or fleets of `Instances` as compared: by key (see {@link groupKey}), split into the
 * capacity (in place) and the rest (fixed at creation: type, market, bid).
 */
function splitInstances(instances: unknown): {
  fixed: Record<string, unknown> | undefined;
  capacity: Record<string, unknown> | undefined;
} {
  if (!isPlainObject(instances)) return { fixed: undefined, capacity: undefined };
  const fixed: Record<string, unknown> = {};
  const capacity: Record<string, unknown> = {};
  for (const kind of ["InstanceGroups", "InstanceFleets"] as const) {
    const items = instances[kind];
    if (!Array.isArray(items)) continue;
    const byKey: Record<string, unknown> = {};
    for (const item of items as Record<string, unknown>[]) {
      const key =
        kind === "InstanceGroups"
          ? groupKey(item["InstanceRole"], item["Name"])
          : String(item["InstanceFleetType"]);
      byKey[key] = picked(
        item,
        kind === "InstanceGroups" ? ["Market", "BidPrice", "InstanceType"] : [],
      );
      capacity[key] = picked(item, CAPACITY_MEMBERS[kind]);
    }
    fixed[kind] = byKey;
  }
  const members = [
    "Ec2KeyName",
    "Ec2SubnetId",
    "KeepJobFlowAliveWhenNoSteps",
    "TerminationProtected",
    "EmrManagedMasterSecurityGroup",
    "EmrManagedSlaveSecurityGroup",
    "ServiceAccessSecurityGroup",
    "AdditionalMasterSecurityGroups",
    "AdditionalSlaveSecurityGroups",
  ];
  return {
    fixed: { ...picked(instances, members), ...fixed },
    capacity: Object.keys(capacity).length === 0 ? undefined : capacity,
  };
}

/**
 * An EMR cluster, found by its `Name` among the active clusters (STARTING, BOOTSTRAPPING,
 * RUNNING, WAITING, TERMINATING). RUNNING and WAITING read running; STARTING, BOOTSTRAPPING and
 * TERMINATING pending; a TERMINATED cluster of that name is gone, and a start creates a new one.
 * EMR has no stopped form: stopping terminates (TerminateJobFlows, then waits until the cluster
 * is TERMINATED). Two active clusters of one name fail the particle's read (`DUPLICATE_RESOURCE`).
 *
 * The instance counts change in place: `InstanceCount` of each instance group (ModifyInstanceGroups)
 * and the target capacities of each fleet (ModifyInstanceFleet, sending only the ones written);
 * the diff shows them under `InstanceCapacity.<role>`. Tags change in place (AddTags,
 * RemoveTags). The release, roles, log folder, network and the groups' types are fixed at
 * creation; the steps, bootstrap actions, applications and configurations are sent to
 * RunJobFlow and not compared (EMR runs them once). The ownership tag goes in RunJobFlow itself.
 *
 * Reads are batched: one ListClusters per region (every page, active states only), then
 * DescribeCluster and ListInstanceGroups (or ListInstanceFleets) for each cluster found.
 *
 * PCF: `custom_config.Tags` (PCF's place for the tags, which PCF itself sent to RunJobFlow and
 * so failed) is merged under `Tags`; groups are told apart by role, so groups without a name
 * compare, and a group the cluster lacks is a fixed field (refused or replaced), not an update
 * that never ends.
 *
 * @example
 * ```ts
 * const cluster = new EmrCluster({
 *   pcf_name: "spark",
 *   flavor: "emr_cluster",
 *   aws_resource: {
 *     Name: "spark",
 *     ReleaseLabel: "emr-7.1.0",
 *     Instances: {
 *       KeepJobFlowAliveWhenNoSteps: true,
 *       InstanceGroups: [
 *         { InstanceRole: "MASTER", InstanceType: "m5.xlarge", InstanceCount: 1 },
 *         { InstanceRole: "CORE", InstanceType: "m5.xlarge", InstanceCount: 2 },
 *       ],
 *     },
 *     JobFlowRole: "EMR_EC2_DefaultRole",
 *     ServiceRole: "EMR_DefaultRole",
 *   },
 * });
 * await cluster.apply();
 * ```
 */
export class EmrCluster extends AWSResource<EmrClusterDefinition, LiveCluster, EMRClient> {
  static override readonly flavor: string = "emr_cluster";
  static override readonly service: string = "emr";
  static override readonly Client = EmrSdkClient;
  static override readonly definitionSchema = emrClusterSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.Name"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  /** Clusters take minutes to start and to terminate, and EMR's list calls are rate-limited low. */
  static override readonly waitOptions: BackoffOptions = { minDelayMs: 1_000, maxDelayMs: 30_000 };
  static override readonly fixedFields: readonly string[] = [
    "ReleaseLabel",
    "LogUri",
    "JobFlowRole",
    "ServiceRole",
    "SecurityConfiguration",
    "CustomAmiId",
    "EbsRootVolumeSize",
    "Instances",
  ];
  static override readonly inPlaceFields: readonly string[] = ["InstanceCapacity", "Tags"];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "RunJobFlow";
  static override readonly operationErrors = CLUSTER_ERRORS;
  static override readonly actions = {
    ...actionsOf("elasticmapreduce", {
      read: "ListClusters DescribeCluster ListInstanceGroups ListInstanceFleets",
      update: "ModifyInstanceGroups ModifyInstanceFleet AddTags RemoveTags",
      terminate: "TerminateJobFlows ListClusters DescribeCluster",
    }),
    start: ["elasticmapreduce:RunJobFlow", "elasticmapreduce:AddTags", "iam:PassRole"],
  };

  protected override readonly updaters: FieldUpdaters<
    EmrClusterDefinition,
    LiveCluster,
    EMRClient
  > = {
    InstanceCapacity: async (client, live, { Instances }, { signal }) => {
      const ClusterId = live.cluster?.Id;
      const groups = (Instances.InstanceGroups ?? []).flatMap((group) => {
        const found = live.groups?.find(
          (candidate) =>
            groupKey(candidate.InstanceGroupType, candidate.Name) ===
            groupKey(group.InstanceRole, group.Name),
        );
        return found?.Id === undefined || found.RequestedInstanceCount === group.InstanceCount
          ? []
          : [{ InstanceGroupId: found.Id, InstanceCount: group.InstanceCount }];
      });
      if (groups.length > 0)
        await client.send(new ModifyInstanceGroupsCommand({ ClusterId, InstanceGroups: groups }), {
          abortSignal: signal,
        });
      for (const fleet of Instances.InstanceFleets ?? []) {
        const found = live.fleets?.find(
          (candidate) => candidate.InstanceFleetType === fleet.InstanceFleetType,
        );
        const targets = picked(fleet, CAPACITY_MEMBERS.InstanceFleets);
        if (found?.Id === undefined || Object.keys(targets).length === 0) continue;
        await client.send(
          new ModifyInstanceFleetCommand({
            ClusterId,
            InstanceFleet: { InstanceFleetId: found.Id, ...targets },
          }),
          { abortSignal: signal },
        );
      }
    },
  };

  /** The active clusters of `names`: ListClusters, every page, by name. */
  protected override async list(
    client: EMRClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, LiveCluster>> {
    const wanted = new Set(names);
    const found = new Map<string, ClusterSummary[]>();
    for (const summary of await listActiveClusters(client, signal))
      if (summary.Name !== undefined && wanted.has(summary.Name))
        found.set(summary.Name, [...(found.get(summary.Name) ?? []), summary]);
    return new Map([...found].map(([name, summaries]) => [name, { summaries }]));
  }

  /**
   * Every active cluster of the region (STARTING to TERMINATING), each described with its
   * instance groups or fleets: ListClusters, every page, then what `complete` reads. TERMINATED
   * clusters, which EMR lists for two months, are left out; namesakes are listed each on its own.
   */
  protected override async listAll(
    client: EMRClient,
    { signal }: RunContext,
  ): Promise<readonly LiveCluster[]> {
    const found: LiveCluster[] = [];
    for (const summary of await listActiveClusters(client, signal))
      found.push(await describedCluster(client, [summary], signal));
    return found;
  }

  /**
   * DescribeCluster, then its instance groups or fleets.
   * @throws PcfError `DUPLICATE_RESOURCE` when several active clusters carry the name.
   */
  protected override async complete(
    client: EMRClient,
    { summaries }: LiveCluster,
    { signal }: RunContext,
  ): Promise<LiveCluster> {
    if (summaries.length > 1)
      throw new PcfError(
        "DUPLICATE_RESOURCE",
        `${summaries.length} active EMR clusters are named ${String(summaries[0]?.Name)} ` +
          `(${summaries.map(({ Id }) => Id ?? "?").join(", ")}): terminate all but one, or rename the particle's`,
        { particle: this.id, field: "aws_resource.Name" },
      );
    return describedCluster(client, summaries, signal);
  }

  /** RUNNING and WAITING are running; the other active states pending. */
  protected override observe(
    { summaries, cluster, groups, fleets }: LiveCluster,
    context: RunContext,
  ): Observation {
    const state = cluster?.Status?.State ?? summaries[0]?.Status?.State;
    const attributes = cluster?.Ec2InstanceAttributes;
    return {
      state:
        state === ClusterState.RUNNING || state === ClusterState.WAITING ? "running" : "pending",
      definition: {
        Name: cluster?.Name,
        Id: cluster?.Id,
        ClusterArn: cluster?.ClusterArn,
        State: state,
        ReleaseLabel: cluster?.ReleaseLabel,
        LogUri: cluster?.LogUri,
        JobFlowRole: attributes?.IamInstanceProfile,
        ServiceRole: cluster?.ServiceRole,
        SecurityConfiguration: cluster?.SecurityConfiguration,
        CustomAmiId: cluster?.CustomAmiId,
        EbsRootVolumeSize: cluster?.EbsRootVolumeSize,
        MasterPublicDnsName: cluster?.MasterPublicDnsName,
        Instances: {
          Ec2KeyName: attributes?.Ec2KeyName,
          Ec2SubnetId: attributes?.Ec2SubnetId,
          KeepJobFlowAliveWhenNoSteps:
            cluster?.AutoTerminate === undefined ? undefined : !cluster.AutoTerminate,
          TerminationProtected: cluster?.TerminationProtected ?? false,
          EmrManagedMasterSecurityGroup: attributes?.EmrManagedMasterSecurityGroup,
          EmrManagedSlaveSecurityGroup: attributes?.EmrManagedSlaveSecurityGroup,
          ServiceAccessSecurityGroup: attributes?.ServiceAccessSecurityGroup,
          AdditionalMasterSecurityGroups: attributes?.AdditionalMasterSecurityGroups ?? [],
          AdditionalSlaveSecurityGroups: attributes?.AdditionalSlaveSecurityGroups ?? [],
          ...(groups === undefined
            ? {}
            : {
                InstanceGroups: groups.map((group) => ({
                  Name: group.Name,
                  InstanceRole: group.InstanceGroupType,
                  Market: group.Market,
                  ...(group.BidPrice === undefined ? {} : { BidPrice: group.BidPrice }),
                  InstanceType: group.InstanceType,
                  InstanceCount: group.RequestedInstanceCount,
                })),
              }),
          ...(fleets === undefined
            ? {}
            : {
                InstanceFleets: fleets.map((fleet) => ({
                  Name: fleet.Name,
                  InstanceFleetType: fleet.InstanceFleetType,
                  TargetOnDemandCapacity: fleet.TargetOnDemandCapacity ?? 0,
                  TargetSpotCapacity: fleet.TargetSpotCapacity ?? 0,
                })),
              }),
        },
        region_name: this.region(context),
      },
      tags: tagsFromList(cluster?.Tags),
    };
  }

  /** RunJobFlow with the block as written and the tags plus the ownership tag. */
  protected override async create(
    client: EMRClient,
    desired: EmrClusterDefinition,
    { signal }: RunContext,
  ): Promise<undefined> {
    const { Tags: _tags, region_name: _region, custom_config: _config, ...input } = desired;
    await client.send(
      new RunJobFlowCommand({
        ...input,
        Tags: ownedTagList(this.wantedTags(), this.provenanceTags),
      }),
      {
        abortSignal: signal,
      },
    );
    return undefined;
  }

  /** TerminateJobFlows (EMR refuses a termination-protected cluster), then waits until it is TERMINATED. */
  protected override async remove(
    client: EMRClient,
    { summaries }: LiveCluster,
    context: RunContext,
  ): Promise<void> {
    const ids = summaries.flatMap(({ Id }) => (Id === undefined ? [] : [Id]));
    await client.send(new TerminateJobFlowsCommand({ JobFlowIds: ids }), {
      abortSignal: context.signal,
    });
    await this.waitUntil(context, "terminate", (now) => now === undefined);
  }

  protected override async writeTags(
    client: EMRClient,
    { summaries }: LiveCluster,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const ResourceId = summaries[0]?.Id;
    if (remove.length > 0)
      await client.send(new RemoveTagsCommand({ ResourceId, TagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new AddTagsCommand({ ResourceId, Tags: tagsToList(set) }), {
        abortSignal: signal,
      });
  }

  /** See {@link mergedTags}. */
  protected override wantedTags(): TagMap | undefined {
    return mergedTags(this.desiredStateDefinition);
  }

  /**
   * The fixed fields compared (roles by name, the log folder without its scheme), `Instances`
   * without the capacity, which goes under `InstanceCapacity` (in place), and the tags as a
   * sorted set.
   */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { fixed, capacity } = splitInstances(definition["Instances"]);
    const tags = mergedTags(definition);
    return {
      Name: definition["Name"],
      ReleaseLabel: definition["ReleaseLabel"],
      LogUri: logFolderOf(definition["LogUri"]),
      JobFlowRole: iamNameOf(definition["JobFlowRole"]),
      ServiceRole: iamNameOf(definition["ServiceRole"]),
      SecurityConfiguration: definition["SecurityConfiguration"],
      CustomAmiId: definition["CustomAmiId"],
      EbsRootVolumeSize: definition["EbsRootVolumeSize"],
      Instances: fixed,
      InstanceCapacity: capacity,
      Tags: this.comparableTagsOf(tags),
    };
  }
}

/** Every active cluster of the region: ListClusters of the active states, every page. */
async function listActiveClusters(
  client: EMRClient,
  signal: AbortSignal,
): Promise<ClusterSummary[]> {
  const summaries: ClusterSummary[] = [];
  for await (const page of paginateListClusters(
    { client },
    { ClusterStates: ACTIVE_STATES },
    { abortSignal: signal },
  ))
    summaries.push(...(page.Clusters ?? []));
  return summaries;
}

/** The first cluster of `summaries` described: DescribeCluster, then its instance groups or fleets. */
async function describedCluster(
  client: EMRClient,
  summaries: readonly ClusterSummary[],
  signal: AbortSignal,
): Promise<LiveCluster> {
  const ClusterId = summaries[0]?.Id;
  const { Cluster: cluster } = await client.send(new DescribeClusterCommand({ ClusterId }), {
    abortSignal: signal,
  });
  const options = { abortSignal: signal };
  if (cluster?.InstanceCollectionType === "INSTANCE_FLEET") {
    const fleets: InstanceFleet[] = [];
    for await (const page of paginateListInstanceFleets({ client }, { ClusterId }, options))
      fleets.push(...(page.InstanceFleets ?? []));
    return { summaries, cluster, fleets };
  }
  const groups: InstanceGroup[] = [];
  for await (const page of paginateListInstanceGroups({ client }, { ClusterId }, options))
    groups.push(...(page.InstanceGroups ?? []));
  return { summaries, cluster, groups };
}
