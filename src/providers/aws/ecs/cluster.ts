import {
  ClusterField,
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClustersCommand,
  ECSClient,
  PutClusterCapacityProvidersCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateClusterCommand,
  paginateListClusters,
  type Cluster,
} from "@aws-sdk/client-ecs";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { withOwnershipTag } from "../tags.js";
import { ecsTagInputSchema, ecsTagList, ecsTagMapOf } from "./tags.js";

const logConfigurationSchema = z.strictObject({
  /** The CloudWatch log group of `execute-command` sessions. Default: none. */
  cloudWatchLogGroupName: z.string().min(1).optional(),
  /** Whether those logs are encrypted. Default: false. */
  cloudWatchEncryptionEnabled: z.boolean().optional(),
  /** The S3 bucket of those logs. Default: none. */
  s3BucketName: z.string().min(1).optional(),
  /** Whether the S3 logs are encrypted. Default: false. */
  s3EncryptionEnabled: z.boolean().optional(),
  /** The key prefix of the S3 logs. Default: none. */
  s3KeyPrefix: z.string().optional(),
});

/** CreateCluster's `configuration`: `execute-command` and managed storage settings. */
const clusterConfigurationSchema = z.strictObject({
  /** `{ kmsKeyId, logging, logConfiguration }` of `execute-command`. Default: none, logging `DEFAULT`. */
  executeCommandConfiguration: z
    .strictObject({
      /** The KMS key of the session data. Default: AWS's own encryption. */
      kmsKeyId: z.string().min(1).optional(),
      /** `NONE`, `DEFAULT` or `OVERRIDE` (then `logConfiguration` applies). Default: `DEFAULT`. */
      logging: z.enum(["NONE", "DEFAULT", "OVERRIDE"]).optional(),
      /** Where the session logs go with logging `OVERRIDE`. Default: none. */
      logConfiguration: logConfigurationSchema.optional(),
    })
    .optional(),
  /** `{ kmsKeyId, fargateEphemeralStorageKmsKeyId }` of managed storage. Default: none. */
  managedStorageConfiguration: z
    .strictObject({
      /** The KMS key of managed storage. Default: AWS's own encryption. */
      kmsKeyId: z.string().min(1).optional(),
      /** The KMS key of Fargate ephemeral storage. Default: AWS's own encryption. */
      fargateEphemeralStorageKmsKeyId: z.string().min(1).optional(),
    })
    .optional(),
});

/** The `aws_resource` block of an `ecs_cluster` particle: CreateCluster's parameters. */
export const ecsClusterSchema = z.strictObject({
  /** The cluster's name: letters, digits, `-` and `_`, up to 255. Required: it is the unique key. */
  clusterName: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9_-]+$/, "expected letters, digits, - and _"),
  /**
   * `[{ name: "containerInsights", value }]`, value `enabled`, `enhanced` or `disabled`.
   * Default: not compared; created `disabled`. Changes in place (UpdateCluster).
   */
  settings: z
    .array(
      z.strictObject({
        name: z.literal("containerInsights"),
        value: z.enum(["enabled", "enhanced", "disabled"]),
      }),
    )
    .optional(),
  /** `execute-command` and managed storage settings. Default: not compared; none. Changes in place (UpdateCluster). */
  configuration: clusterConfigurationSchema.optional(),
  /**
   * `{ namespace }`: the Cloud Map namespace of Service Connect, by ARN (as the cluster reports
   * it, so that it compares). Default: not compared; none. Changes in place (UpdateCluster).
   */
  serviceConnectDefaults: z.strictObject({ namespace: z.string().min(1) }).optional(),
  /**
   * The capacity providers the cluster may use (`FARGATE`, `FARGATE_SPOT`, or Auto Scaling ones).
   * Default: not compared; none. Changes in place (PutClusterCapacityProviders).
   */
  capacityProviders: z.array(z.string().min(1)).optional(),
  /**
   * `[{ capacityProvider, weight, base }]`: how tasks without a launch type spread over them.
   * Default: not compared; none. Changes in place, with `capacityProviders` (one call sets both).
   */
  defaultCapacityProviderStrategy: z
    .array(
      z.strictObject({
        capacityProvider: z.string().min(1),
        weight: z.number().int().min(0).max(1000).optional(),
        base: z.number().int().min(0).max(100000).optional(),
      }),
    )
    .optional(),
  /**
   * The cluster's whole tag set, as `[{ key, value }]` (ECS's and PCF's form) or a map. Tags not
   * listed are removed on update; the ownership tag is always kept. Default: not compared.
   */
  tags: ecsTagInputSchema.optional(),
  /** The cluster's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `ecs_cluster` particle. */
export type EcsClusterDefinition = z.infer<typeof ecsClusterSchema>;

/** DescribeClusters names at most 100 clusters per call. */
const DESCRIBE_LIMIT = 100;

const NOT_FOUND = ["ClusterNotFoundException"];

/** The codes of the cluster calls, by class. */
const CLUSTER_ERRORS: OperationErrors = {
  CreateCluster: {
    invalid: ["ClientException", "InvalidParameterException", "NamespaceNotFoundException"],
  },
  DescribeClusters: { invalid: ["ClientException", "InvalidParameterException"] },
  DeleteCluster: {
    notFound: NOT_FOUND,
    inUse: [
      "ClusterContainsContainerInstancesException",
      "ClusterContainsServicesException",
      "ClusterContainsTasksException",
      "ClusterContainsCapacityProviderException",
      "UpdateInProgressException",
    ],
  },
  UpdateCluster: {
    notFound: NOT_FOUND,
    invalid: ["InvalidParameterException", "NamespaceNotFoundException"],
  },
  PutClusterCapacityProviders: {
    notFound: NOT_FOUND,
    inUse: ["ResourceInUseException", "UpdateInProgressException"],
    invalid: ["InvalidParameterException"],
  },
  TagResource: { notFound: [...NOT_FOUND, "ResourceNotFoundException"] },
  UntagResource: { notFound: [...NOT_FOUND, "ResourceNotFoundException"] },
};

/**
 * UpdateCluster sets the settings, the configuration and the Service Connect defaults in one
 * call, so one updater serves the three fields; each is sent when written.
 */
const updateCluster: FieldUpdater<EcsClusterDefinition, Cluster, ECSClient> = (
  client,
  { clusterArn },
  { settings, configuration, serviceConnectDefaults },
  { signal },
) =>
  client.send(
    new UpdateClusterCommand({
      cluster: clusterArn,
      ...(settings === undefined ? {} : { settings }),
      ...(configuration === undefined ? {} : { configuration }),
      ...(serviceConnectDefaults === undefined ? {} : { serviceConnectDefaults }),
    }),
    { abortSignal: signal },
  );

/** PutClusterCapacityProviders takes both lists, so one updater serves both fields. */
const putCapacityProviders: FieldUpdater<EcsClusterDefinition, Cluster, ECSClient> = (
  client,
  { clusterArn },
  { capacityProviders = [], defaultCapacityProviderStrategy = [] },
  { signal },
) =>
  client.send(
    new PutClusterCapacityProvidersCommand({
      cluster: clusterArn,
      capacityProviders,
      defaultCapacityProviderStrategy,
    }),
    { abortSignal: signal },
  );

/** Cluster settings as compared: sorted by name. */
function sortedSettings(settings: unknown): unknown {
  return Array.isArray(settings)
    ? [...(settings as { name?: string }[])].sort((a, b) =>
        String(a.name).localeCompare(String(b.name)),
      )
    : settings;
}

/**
 * An ECS cluster, found by its name. It has no stopped form: stopping deletes it (DeleteCluster,
 * which ECS refuses while services, tasks or container instances remain), as PCF did. A deleted
 * cluster stays listed `INACTIVE` for a while; it counts as gone, and a start creates it anew.
 * Settings, configuration, Service Connect defaults, capacity providers and tags all change in
 * place; nothing is fixed at creation. The ownership tag goes in CreateCluster itself.
 *
 * Reads are batched: one DescribeClusters per region for up to 100 names, which also answers the
 * tags, settings and configuration. `ACTIVE` reads running; `PROVISIONING` and `DEPROVISIONING`
 * pending; `FAILED` as gone (a start creates it again); `INACTIVE` or missing as gone.
 *
 * @example
 * ```ts
 * const cluster = new EcsCluster({
 *   pcf_name: "workers",
 *   flavor: "ecs_cluster",
 *   aws_resource: { clusterName: "workers", tags: [{ key: "team", value: "web" }] },
 * });
 * await cluster.apply();
 * ```
 */
export class EcsCluster extends AWSResource<EcsClusterDefinition, Cluster, ECSClient> {
  static override readonly flavor: string = "ecs_cluster";
  static override readonly service: string = "ecs";
  static override readonly Client = ECSClient;
  static override readonly definitionSchema = ecsClusterSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.clusterName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = [];
  static override readonly inPlaceFields: readonly string[] = [
    "settings",
    "configuration",
    "serviceConnectDefaults",
    "capacityProviders",
    "defaultCapacityProviderStrategy",
    "tags",
  ];
  static override readonly readShape = "describe-by-key";
  static override readonly tagging = {
    field: "tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "CreateCluster";
  static override readonly operationErrors = CLUSTER_ERRORS;
  static override readonly actions = {
    read: ["ecs:DescribeClusters"],
    start: ["ecs:CreateCluster", "ecs:TagResource"],
    update: [
      "ecs:UpdateCluster",
      "ecs:PutClusterCapacityProviders",
      "ecs:TagResource",
      "ecs:UntagResource",
    ],
    terminate: ["ecs:DeleteCluster"],
  };

  protected override readonly updaters: FieldUpdaters<EcsClusterDefinition, Cluster, ECSClient> = {
    settings: updateCluster,
    configuration: updateCluster,
    serviceConnectDefaults: updateCluster,
    capacityProviders: putCapacityProviders,
    defaultCapacityProviderStrategy: putCapacityProviders,
  };

  /** The clusters of `names` that exist: DescribeClusters, 100 names a call, with tags and settings. */
  protected override async list(
    client: ECSClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Cluster>> {
    const found = new Map<string, Cluster>();
    for (const cluster of await describeLiveClusters(client, names, signal))
      if (cluster.clusterName !== undefined) found.set(cluster.clusterName, cluster);
    return found;
  }

  /**
   * Every live cluster of the region: ListClusters page by page, then DescribeClusters. Deleted
   * (`INACTIVE`) and `FAILED` clusters, which ECS still lists for a while, are left out.
   */
  protected override async listAll(
    client: ECSClient,
    { signal }: RunContext,
  ): Promise<readonly Cluster[]> {
    return describeLiveClusters(client, await listClusterArns(client, signal), signal);
  }

  /** ACTIVE is running; PROVISIONING and DEPROVISIONING are pending. */
  protected override observe(cluster: Cluster, context: RunContext): Observation {
    return {
      state: cluster.status === "ACTIVE" ? "running" : "pending",
      definition: {
        clusterName: cluster.clusterName,
        clusterArn: cluster.clusterArn,
        settings: sortedSettings(cluster.settings ?? []),
        configuration: cluster.configuration ?? {},
        ...(cluster.serviceConnectDefaults?.namespace === undefined
          ? {}
          : { serviceConnectDefaults: { namespace: cluster.serviceConnectDefaults.namespace } }),
        capacityProviders: cluster.capacityProviders ?? [],
        defaultCapacityProviderStrategy: cluster.defaultCapacityProviderStrategy ?? [],
        region_name: this.region(context),
      },
      tags: ecsTagMapOf(cluster.tags ?? []) ?? {},
    };
  }

  /** CreateCluster with the settings and the tags plus the ownership tag; its answer carries the cluster. */
  protected override async create(
    client: ECSClient,
    desired: EcsClusterDefinition,
    { signal }: RunContext,
  ): Promise<Cluster | undefined> {
    const { clusterName, settings, configuration, serviceConnectDefaults } = desired;
    const { capacityProviders, defaultCapacityProviderStrategy } = desired;
    const { cluster } = await client.send(
      new CreateClusterCommand({
        clusterName,
        ...(settings === undefined ? {} : { settings }),
        ...(configuration === undefined ? {} : { configuration }),
        ...(serviceConnectDefaults === undefined ? {} : { serviceConnectDefaults }),
        ...(capacityProviders === undefined ? {} : { capacityProviders }),
        ...(defaultCapacityProviderStrategy === undefined
          ? {}
          : { defaultCapacityProviderStrategy }),
        tags: ecsTagList(withOwnershipTag(this.wantedTags(), this.provenanceTags)),
      }),
      { abortSignal: signal },
    );
    return cluster?.clusterArn === undefined ? undefined : cluster;
  }

  /** DeleteCluster: ECS refuses while services, tasks or container instances remain. */
  protected override async remove(
    client: ECSClient,
    { clusterArn }: Cluster,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteClusterCommand({ cluster: clusterArn }), { abortSignal: signal });
  }

  protected override async writeTags(
    client: ECSClient,
    { clusterArn: resourceArn }: Cluster,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    if (remove.length > 0)
      await client.send(new UntagResourceCommand({ resourceArn, tagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new TagResourceCommand({ resourceArn, tags: ecsTagList(set) }), {
        abortSignal: signal,
      });
  }

  /** The `{ key, value }` list or map of `tags`. */
  protected override wantedTags(): TagMap | undefined {
    return ecsTagMapOf(this.desiredStateDefinition["tags"]);
  }

  /** The name and the settings written; settings sorted by name; the tags as a sorted set. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { clusterName, settings, configuration, serviceConnectDefaults, tags } = definition;
    return {
      clusterName,
      settings: sortedSettings(settings),
      configuration,
      serviceConnectDefaults,
      capacityProviders: definition["capacityProviders"],
      defaultCapacityProviderStrategy: definition["defaultCapacityProviderStrategy"],
      tags: this.comparableTagsOf(ecsTagMapOf(tags)),
    };
  }
}

/** Every cluster ARN of the region: ListClusters page by page. */
export async function listClusterArns(client: ECSClient, signal: AbortSignal): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListClusters({ client }, {}, { abortSignal: signal }))
    arns.push(...(page.clusterArns ?? []));
  return arns;
}

/**
 * The live clusters of `clusters` (names or ARNs): DescribeClusters, 100 a call, with tags,
 * settings and configuration. Missing names come back as failures (reason MISSING), deleted
 * ones as `INACTIVE`, and neither is kept; nor are `FAILED` ones.
 */
async function describeLiveClusters(
  client: ECSClient,
  clusters: readonly string[],
  signal: AbortSignal,
): Promise<Cluster[]> {
  const live: Cluster[] = [];
  for (let start = 0; start < clusters.length; start += DESCRIBE_LIMIT) {
    const { clusters: described = [] } = await client.send(
      new DescribeClustersCommand({
        clusters: clusters.slice(start, start + DESCRIBE_LIMIT),
        include: [ClusterField.TAGS, ClusterField.SETTINGS, ClusterField.CONFIGURATIONS],
      }),
      { abortSignal: signal },
    );
    live.push(...described.filter(({ status }) => status !== "INACTIVE" && status !== "FAILED"));
  }
  return live;
}
