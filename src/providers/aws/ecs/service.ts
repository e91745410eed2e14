import {
  AssignPublicIp,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeploymentControllerType,
  DescribeServicesCommand,
  ECSClient,
  LaunchType,
  PlacementConstraintType,
  PlacementStrategyType,
  PropagateTags,
  SchedulingStrategy,
  ServiceField,
  UpdateServiceCommand,
  paginateListServices,
  type CreateServiceRequest,
  type Service,
} from "@aws-sdk/client-ecs";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { isPlainObject } from "../../../core/values.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { withOwnershipTag } from "../tags.js";
import { listClusterArns } from "./cluster.js";
import {
  clusterNameOf,
  clusterOf,
  comparableTaskDefinition,
  requiredCluster,
  unlessNoCluster,
  withParentDefaults,
} from "./parents.js";
import { ecsTagInputSchema, ecsTagList, ecsTagMapOf, writeEcsTags } from "./tags.js";
import { shapedLike } from "./task-definition.js";

/** `{ maximumPercent, minimumHealthyPercent, deploymentCircuitBreaker, alarms }` of a rolling deployment. */
const deploymentConfigurationSchema = z.strictObject({
  /** The most tasks running during a deployment, in percent of `desiredCount`. Default: 200. */
  maximumPercent: z.number().int().min(0).optional(),
  /** The fewest healthy tasks during a deployment, in percent of `desiredCount`. Default: 100. */
  minimumHealthyPercent: z.number().int().min(0).optional(),
  /** `{ enable, rollback }`: stop (and roll back) a deployment whose tasks fail. Default: off. */
  deploymentCircuitBreaker: z
    .strictObject({ enable: z.boolean(), rollback: z.boolean() })
    .optional(),
  /** `{ alarmNames, enable, rollback }`: CloudWatch alarms that fail a deployment. Default: none. */
  alarms: z
    .strictObject({
      alarmNames: z.array(z.string().min(1)),
      enable: z.boolean(),
      rollback: z.boolean(),
    })
    .optional(),
});

/** `[{ capacityProvider, weight, base }]`: the capacity providers tasks run on, instead of a launch type. */
export const capacityProviderStrategySchema = z.array(
  z.strictObject({
    capacityProvider: z.string().min(1),
    weight: z.number().int().min(0).max(1000).optional(),
    base: z.number().int().min(0).max(100000).optional(),
  }),
);

/** `[{ type: distinctInstance | memberOf, expression }]`: where tasks may be placed. */
export const placementConstraintsSchema = z.array(
  z.strictObject({
    type: z.enum(PlacementConstraintType),
    expression: z.string().min(1).optional(),
  }),
);

/** `[{ type: random | spread | binpack, field }]`: how tasks are spread over instances. */
export const placementStrategySchema = z.array(
  z.strictObject({ type: z.enum(PlacementStrategyType), field: z.string().min(1).optional() }),
);

/** `{ awsvpcConfiguration: { subnets, securityGroups, assignPublicIp } }` of `awsvpc` tasks. */
export const networkConfigurationSchema = z.strictObject({
  awsvpcConfiguration: z.strictObject({
    subnets: z.array(z.string().min(1)).min(1),
    securityGroups: z.array(z.string().min(1)).optional(),
    assignPublicIp: z.enum(AssignPublicIp).optional(),
  }),
});

/** The `aws_resource` block of an `ecs_service` particle: CreateService's parameters. */
export const ecsServiceSchema = z.strictObject({
  /** The service's name, unique in its cluster. Required: it is the unique key. */
  serviceName: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9_-]+$/, "expected letters, digits, - and _"),
  /**
   * The cluster, by name or ARN. Default: the `clusterName` of the one `ecs_cluster` parent (PCF
   * took it from that parent alone). Fixed at creation: it is where the service is found.
   */
  cluster: z.string().min(1).optional(),
  /**
   * The task definition, as `family`, `family:revision` or an ARN. Default: the latest revision
   * of the one `ecs_task_definition` parent (PCF's rule). Changes in place (UpdateService).
   */
  taskDefinition: z.string().min(1).optional(),
  /** How many tasks the service keeps running. Default: 0 at creation; not compared. Changes in place (UpdateService). */
  desiredCount: z.number().int().min(0).optional(),
  /** The rolling deployment's limits. Default: not compared; ECS's (200 %, 100 %). Changes in place (UpdateService). */
  deploymentConfiguration: deploymentConfigurationSchema.optional(),
  /** `EC2`, `FARGATE` or `EXTERNAL`. Default: not compared; ECS's (`EC2`, or the capacity providers). Fixed at creation. */
  launchType: z.enum(LaunchType).optional(),
  /** `[{ capacityProvider, weight, base }]`, instead of `launchType`. Default: not compared; none. Fixed at creation. */
  capacityProviderStrategy: capacityProviderStrategySchema.optional(),
  /** The Fargate platform version (`LATEST`, `1.4.0`). Default: not compared; `LATEST`. Fixed at creation. */
  platformVersion: z.string().min(1).optional(),
  /** `[{ targetGroupArn | loadBalancerName, containerName, containerPort }]`. Default: not compared; none. Fixed at creation. */
  loadBalancers: z
    .array(
      z.strictObject({
        targetGroupArn: z.string().min(1).optional(),
        loadBalancerName: z.string().min(1).optional(),
        containerName: z.string().min(1).optional(),
        containerPort: z.number().int().optional(),
      }),
    )
    .optional(),
  /** `[{ registryArn, port, containerName, containerPort }]` of Cloud Map. Default: not compared; none. Fixed at creation. */
  serviceRegistries: z
    .array(
      z.strictObject({
        registryArn: z.string().min(1).optional(),
        port: z.number().int().optional(),
        containerName: z.string().min(1).optional(),
        containerPort: z.number().int().optional(),
      }),
    )
    .optional(),
  /** `[{ type: distinctInstance | memberOf, expression }]`. Default: not compared; none. Fixed at creation. */
  placementConstraints: placementConstraintsSchema.optional(),
  /** `[{ type: random | spread | binpack, field }]`. Default: not compared; none. Fixed at creation. */
  placementStrategy: placementStrategySchema.optional(),
  /** `{ awsvpcConfiguration: { subnets, securityGroups, assignPublicIp } }`. Default: not compared; none. Fixed at creation. */
  networkConfiguration: networkConfigurationSchema.optional(),
  /** Seconds ECS ignores failing load-balancer health checks after a task starts. Default: not compared; 0. Fixed at creation. */
  healthCheckGracePeriodSeconds: z.number().int().min(0).optional(),
  /** `REPLICA` or `DAEMON`. Default: not compared; `REPLICA`. Fixed at creation. */
  schedulingStrategy: z.enum(SchedulingStrategy).optional(),
  /** `{ type: ECS | CODE_DEPLOY | EXTERNAL }`. Default: not compared; `ECS`. Fixed at creation. */
  deploymentController: z.strictObject({ type: z.enum(DeploymentControllerType) }).optional(),
  /** The IAM role of the load balancer (sent as CreateService's `role`; PCF's name). Default: not compared; none. Fixed at creation. */
  roleArn: z.string().min(1).optional(),
  /** Whether ECS tags the tasks with the cluster and service names. Default: not compared; false. Fixed at creation. */
  enableECSManagedTags: z.boolean().optional(),
  /** `TASK_DEFINITION`, `SERVICE` or `NONE`: whose tags the tasks get. Default: not compared; `NONE`. Fixed at creation. */
  propagateTags: z.enum(PropagateTags).optional(),
  /** Whether `execute-command` may open a shell in the tasks. Default: not compared; false. Fixed at creation. */
  enableExecuteCommand: z.boolean().optional(),
  /** CreateService's idempotency token, sent as written and never compared. Default: none. */
  clientToken: z.string().min(1).max(36).optional(),
  /**
   * The service's whole tag set, as `[{ key, value }]` (ECS's and PCF's form) or a map. Tags not
   * listed are removed on update; the ownership tag is always kept. Default: not compared.
   */
  tags: ecsTagInputSchema.optional(),
  /** The service's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `ecs_service` particle. */
export type EcsServiceDefinition = z.infer<typeof ecsServiceSchema>;

/** The fields sent to CreateService as written and compared (those DescribeServices reports). */
const CREATE_FIELDS = [
  "desiredCount",
  "deploymentConfiguration",
  "launchType",
  "capacityProviderStrategy",
  "platformVersion",
  "loadBalancers",
  "serviceRegistries",
  "placementConstraints",
  "placementStrategy",
  "networkConfiguration",
  "healthCheckGracePeriodSeconds",
  "schedulingStrategy",
  "deploymentController",
  "roleArn",
  "enableECSManagedTags",
  "propagateTags",
  "enableExecuteCommand",
] as const;

/** DescribeServices names at most 10 services per call. */
const DESCRIBE_LIMIT = 10;

const NOT_FOUND = [
  "ServiceNotFoundException",
  "ServiceNotActiveException",
  "ClusterNotFoundException",
];
const INVALID = ["ClientException", "InvalidParameterException"];

/** The codes of the service calls, by class. */
const SERVICE_ERRORS: OperationErrors = {
  CreateService: {
    invalid: [
      ...INVALID,
      "ClusterNotFoundException",
      "PlatformUnknownException",
      "PlatformTaskDefinitionIncompatibilityException",
      "NamespaceNotFoundException",
      "UnsupportedFeatureException",
      "AccessDeniedException",
    ],
  },
  DescribeServices: { invalid: INVALID },
  UpdateService: {
    notFound: NOT_FOUND,
    invalid: [
      ...INVALID,
      "PlatformUnknownException",
      "PlatformTaskDefinitionIncompatibilityException",
      "AccessDeniedException",
    ],
  },
  DeleteService: { notFound: NOT_FOUND, invalid: INVALID },
  TagResource: { notFound: [...NOT_FOUND, "ResourceNotFoundException"], invalid: INVALID },
  UntagResource: { notFound: [...NOT_FOUND, "ResourceNotFoundException"], invalid: INVALID },
};

/** A service as read, with the name of its cluster. */
export interface ClusterService {
  readonly cluster: string;
  readonly service: Service;
}

/** `cluster/serviceName`: a service's key in `list`. */
function serviceKey(cluster: string, serviceName: string): string {
  return `${cluster}/${serviceName}`;
}

/**
 * UpdateService sets the task definition, the count and the deployment configuration in one
 * call, so one updater serves the three fields; each is sent when written.
 */
const updateService: FieldUpdater<EcsServiceDefinition, ClusterService, ECSClient> = (
  client,
  { cluster, service },
  { taskDefinition, desiredCount, deploymentConfiguration },
  { signal },
) =>
  client.send(
    new UpdateServiceCommand({
      cluster,
      service: service.serviceArn,
      ...(taskDefinition === undefined ? {} : { taskDefinition }),
      ...(desiredCount === undefined ? {} : { desiredCount }),
      ...(deploymentConfiguration === undefined ? {} : { deploymentConfiguration }),
    }),
    { abortSignal: signal },
  );

/**
 * An ECS service, found by its name in its cluster (its `ecs_cluster` parent's, or `cluster` as
 * written). Its task definition, count and deployment configuration change in place
 * (UpdateService); the other settings are fixed at creation. It has no stopped form: stopping
 * deletes it, as PCF did (stopped ≡ terminated). Terminate scales it to 0, then DeleteService,
 * and waits while it drains, so that a replacement can take its name.
 * The ownership tag goes in CreateService itself.
 *
 * States: `ACTIVE` is running, whatever the tasks do (PCF left a service whose tasks could not
 * start pending for ever); `DRAINING` (deleted, tasks stopping) pending; `INACTIVE` or missing
 * gone. Only the fields a definition writes are compared, cut to the shape it writes.
 *
 * Reads are batched: one DescribeServices per cluster for up to 10 names, with the tags.
 *
 * @example
 * ```ts
 * const web = new EcsService({
 *   pcf_name: "web",
 *   flavor: "ecs_service",
 *   parents: ["ecs_cluster:workers", "ecs_task_definition:web"],
 *   aws_resource: { serviceName: "web", desiredCount: 2 },
 * });
 * ```
 */
export class EcsService extends AWSResource<EcsServiceDefinition, ClusterService, ECSClient> {
  static override readonly flavor: string = "ecs_service";
  static override readonly service: string = "ecs";
  static override readonly Client = ECSClient;
  static override readonly definitionSchema = ecsServiceSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.serviceName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = CREATE_FIELDS.filter(
    (field) => field !== "desiredCount" && field !== "deploymentConfiguration",
  );
  static override readonly inPlaceFields: readonly string[] = [
    "taskDefinition",
    "desiredCount",
    "deploymentConfiguration",
    "tags",
  ];
  static override readonly readShape = "describe-by-key";
  static override readonly tagging = {
    field: "tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "CreateService";
  static override readonly operationErrors = SERVICE_ERRORS;
  static override readonly actions = {
    read: ["ecs:DescribeServices"],
    start: ["ecs:CreateService", "ecs:TagResource"],
    update: ["ecs:UpdateService", "ecs:TagResource", "ecs:UntagResource"],
    terminate: ["ecs:UpdateService", "ecs:DeleteService"],
  };

  protected override readonly updaters: FieldUpdaters<
    EcsServiceDefinition,
    ClusterService,
    ECSClient
  > = {
    taskDefinition: updateService,
    desiredCount: updateService,
    deploymentConfiguration: updateService,
  };

  /** The services of `keys` (`cluster/serviceName`) that exist: DescribeServices per cluster, 10 names a call. */
  protected override async list(
    client: ECSClient,
    keys: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, ClusterService>> {
    const byCluster = new Map<string, string[]>();
    for (const key of new Set(keys)) {
      const cut = key.lastIndexOf("/");
      const cluster = key.slice(0, cut);
      // A service whose cluster is unknown (no parent, none written) cannot exist yet.
      if (cluster !== "")
        byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), key.slice(cut + 1)]);
    }
    const found = new Map<string, ClusterService>();
    for (const [cluster, names] of byCluster)
      for (const service of await describeLiveServices(client, cluster, names, signal))
        found.set(serviceKey(cluster, String(service.serviceName)), { cluster, service });
    return found;
  }

  /**
   * Every live service of every cluster of the region: ListClusters, then ListServices of each
   * cluster page by page and DescribeServices. Deleted (`INACTIVE`) services, which ECS still
   * describes for a while, are left out.
   */
  protected override async listAll(
    client: ECSClient,
    { signal }: RunContext,
  ): Promise<readonly ClusterService[]> {
    const found: ClusterService[] = [];
    for (const arn of await listClusterArns(client, signal)) {
      const cluster = clusterNameOf(arn);
      const arns = await unlessNoCluster(() => listServiceArns(client, arn, signal), []);
      for (const service of await describeLiveServices(client, cluster, arns, signal))
        found.push({ cluster, service });
    }
    return found;
  }

  /** ACTIVE is running; DRAINING (deleted, its tasks stopping) is pending. */
  protected override observe(
    { cluster, service }: ClusterService,
    context: RunContext,
  ): Observation {
    const definition: Record<string, unknown> = {
      serviceName: service.serviceName,
      serviceArn: service.serviceArn,
      cluster,
      clusterArn: service.clusterArn,
      status: service.status,
      taskDefinition: service.taskDefinition,
      runningCount: service.runningCount,
      pendingCount: service.pendingCount,
    };
    for (const field of CREATE_FIELDS) {
      const value = field === "roleArn" ? service.roleArn : service[field];
      // An empty object (moto's `networkConfiguration` of a non-awsvpc service) is none at all.
      if (value !== undefined && !(isPlainObject(value) && Object.keys(value).length === 0))
        definition[field] = value;
    }
    definition["region_name"] = this.region(context);
    return {
      state: service.status === "ACTIVE" ? "running" : "pending",
      definition,
      tags: ecsTagMapOf(service.tags ?? []) ?? {},
    };
  }

  /** CreateService with the settings written and the tags plus the ownership tag; its answer carries the service. */
  protected override async create(
    client: ECSClient,
    desired: EcsServiceDefinition,
    context: RunContext,
  ): Promise<ClusterService | undefined> {
    const cluster = requiredCluster(this, desired.cluster, "service");
    const input: Record<string, unknown> = { cluster, serviceName: desired.serviceName };
    for (const field of [...CREATE_FIELDS, "taskDefinition", "clientToken"] as const)
      if (desired[field] !== undefined)
        input[field === "roleArn" ? "role" : field] = desired[field];
    input["tags"] = ecsTagList(withOwnershipTag(this.wantedTags(), this.provenanceTags));
    const { service } = await client.send(
      // The schema checks CreateService's members and types; ECS checks what they mean.
      new CreateServiceCommand(input as unknown as CreateServiceRequest),
      { abortSignal: context.signal },
    );
    return service?.serviceArn === undefined ? undefined : { cluster, service };
  }

  /**
   * Scales the service to 0 (DeleteService refuses one above it), then DeleteService, then waits
   * while it drains (ECS refuses to create a service of its name until it is INACTIVE).
   */
  protected override async remove(
    client: ECSClient,
    { cluster, service }: ClusterService,
    context: RunContext,
  ): Promise<void> {
    const { signal } = context;
    if (service.desiredCount !== 0)
      await client.send(
        new UpdateServiceCommand({ cluster, service: service.serviceArn, desiredCount: 0 }),
        { abortSignal: signal },
      );
    await client.send(new DeleteServiceCommand({ cluster, service: service.serviceArn }), {
      abortSignal: signal,
    });
    await this.waitUntil(context, "finish draining", (live) => live === undefined);
  }

  protected override writeTags(
    client: ECSClient,
    { service }: ClusterService,
    changes: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    return writeEcsTags(client, service.serviceArn, changes, signal);
  }

  /**
   * The lookups resolved, then `cluster` and `taskDefinition` from the parents when not
   * written: the cluster's name, and the task definition parent's latest revision (read first).
   */
  override async resolveDefinition(
    definition: Record<string, unknown>,
    context: RunContext,
  ): Promise<Record<string, unknown>> {
    return withParentDefaults(this, await super.resolveDefinition(definition, context), context);
  }

  /** The `{ key, value }` list or map of `tags`. */
  protected override wantedTags(): TagMap | undefined {
    return ecsTagMapOf(this.desiredStateDefinition["tags"]);
  }

  /** `cluster/serviceName`. */
  protected override get key(): string {
    const { serviceName, cluster } = this.desiredStateDefinition;
    return serviceKey(clusterOf(this, cluster) ?? "", String(serviceName));
  }

  /** `cluster/serviceName`, as {@link EcsService.key}: a service's name is unique in its cluster only. */
  protected override discoveredKey(resource: Record<string, unknown>): string {
    return serviceKey(String(resource["cluster"]), String(resource["serviceName"]));
  }

  /**
   * The name, the task definition (as `family:revision`, or the family when written without a
   * revision) and every other field written, cut to the shape written; the tags as a sorted set.
   */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const desired = this.desiredStateDefinition;
    const compared: Record<string, unknown> = {
      serviceName: definition["serviceName"],
      taskDefinition: comparableTaskDefinition(
        definition["taskDefinition"],
        desired["taskDefinition"],
      ),
    };
    for (const field of CREATE_FIELDS)
      if (desired[field] !== undefined)
        compared[field] = shapedLike(definition[field], desired[field]);
    compared["tags"] = this.comparableTagsOf(ecsTagMapOf(definition["tags"]));
    return compared;
  }
}

/** The ARNs of the services of `cluster`: ListServices page by page. */
async function listServiceArns(
  client: ECSClient,
  cluster: string,
  signal: AbortSignal,
): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListServices({ client }, { cluster }, { abortSignal: signal }))
    arns.push(...(page.serviceArns ?? []));
  return arns;
}

/**
 * The live services of `services` (names or ARNs) in `cluster`: DescribeServices, 10 a call, with
 * the tags; none when the cluster does not exist. Missing names come back as failures (reason
 * MISSING), deleted ones as `INACTIVE`, and neither is kept.
 */
async function describeLiveServices(
  client: ECSClient,
  cluster: string,
  services: readonly string[],
  signal: AbortSignal,
): Promise<Service[]> {
  const live: Service[] = [];
  for (let start = 0; start < services.length; start += DESCRIBE_LIMIT) {
    const described = await unlessNoCluster(
      async () =>
        (
          await client.send(
            new DescribeServicesCommand({
              cluster,
              services: services.slice(start, start + DESCRIBE_LIMIT),
              include: [ServiceField.TAGS],
            }),
            { abortSignal: signal },
          )
        ).services ?? [],
      [],
    );
    live.push(
      ...described.filter(
        ({ serviceName, status }) => serviceName !== undefined && status !== "INACTIVE",
      ),
    );
  }
  return live;
}
