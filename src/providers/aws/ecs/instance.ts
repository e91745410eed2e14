import {
  ContainerInstanceStatus,
  DeleteAttributesCommand,
  DeregisterContainerInstanceCommand,
  DescribeContainerInstancesCommand,
  ECSClient,
  PutAttributesCommand,
  RegisterContainerInstanceCommand,
  UpdateContainerInstancesStateCommand,
  paginateListContainerInstances,
  type Attribute,
  type ContainerInstance,
} from "@aws-sdk/client-ecs";
import * as z from "zod";
import { PcfError, type DefinitionIssue } from "../../../core/errors.js";
import type { Particle, ParticleDefinition } from "../../../core/particle.js";
import { isReference } from "../../../core/references.js";
import type { RunContext } from "../../../core/run-context.js";
import type { State } from "../../../core/state.js";
import { isPlainObject, readPath } from "../../../core/values.js";
import type { CallFailure } from "../../kit/calls.js";
import type { Observation, OperationErrors, ProvenanceKeys } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { OWNERSHIP_TAG_VALUE } from "../tags.js";
import { listClusterArns } from "./cluster.js";
import {
  clusterNameOf,
  clusterOf,
  parentValue,
  parentsOf,
  requiredCluster,
  unlessNoCluster,
} from "./parents.js";

/**
 * The attribute that marks a container instance as the framework's: ECS attribute names take
 * letters, digits, `-`, `_`, `.`, `/` and `\`, so the ownership tag's `:` becomes a `.`.
 */
export const OWNERSHIP_ATTRIBUTE = "pcf.managed-by";

/** Attribute names ECS and its agent set themselves: never compared, written or removed. */
function isReservedAttribute(name: string): boolean {
  return name.startsWith("ecs.") || name.startsWith("com.amazonaws.ecs.");
}

/** One custom attribute: a name and, optionally, a value. */
const attributeSchema = z.strictObject({
  /** Letters, digits, `-`, `_`, `.`, `/` and `\`, up to 128. */
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_./\\-]+$/, "expected letters, digits, - _ . / and \\"),
  /** Up to 128 characters. Default: none (an attribute without a value). */
  value: z.string().max(128).optional(),
});

/** The `aws_resource` block of an `ecs_instance` particle. */
export const ecsInstanceSchema = z.strictObject({
  /**
   * The cluster, by name or ARN. Default: the `clusterName` of the one `ecs_cluster` parent
   * (PCF's rule). Fixed: it is where the container instance is found.
   */
  cluster: z.string().min(1).optional(),
  /**
   * The EC2 instance the container instance runs on: the unique key. Default: the `InstanceId`
   * of the one `ec2_instance` parent (PCF's rule), so it may be left out when that parent is given.
   */
  ec2InstanceId: z
    .string()
    .regex(/^i-[0-9a-f]+$/, "expected an EC2 instance id (i-…)")
    .optional(),
  /**
   * The custom attributes, as `[{ name, value }]` (PCF's form) or a map; names starting `ecs.`
   * or `com.amazonaws.ecs.` are ECS's own and ignored. The whole set: attributes not listed are
   * removed on update; the ownership attribute `pcf.managed-by` is always kept. Changes in place
   * (PutAttributes, DeleteAttributes). Default: not compared.
   */
  attributes: z
    .union([z.array(attributeSchema), z.record(z.string().min(1).max(128), z.string().max(128))])
    .optional(),
  /**
   * The EC2 instance identity document (JSON), to register the instance as its ECS agent does
   * (RegisterContainerInstance). Default: none; start then waits for the agent on the instance
   * (started by its user data) to register it. Never compared.
   */
  instanceIdentityDocument: z.string().min(1).optional(),
  /** The document's signature, as the instance metadata gives it. Default: none. Never compared. */
  instanceIdentityDocumentSignature: z.string().min(1).optional(),
  /** The instance's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `ecs_instance` particle. */
export type EcsInstanceDefinition = z.infer<typeof ecsInstanceSchema>;

/** DescribeContainerInstances names at most 100 container instances per call. */
const DESCRIBE_LIMIT = 100;

const NOT_FOUND = ["ClusterNotFoundException", "TargetNotFoundException"];
const INVALID = ["ClientException", "InvalidParameterException"];

/** The codes of the container instance calls, by class. */
const INSTANCE_ERRORS: OperationErrors = {
  RegisterContainerInstance: { invalid: [...INVALID, "ClusterNotFoundException"] },
  ListContainerInstances: { invalid: INVALID },
  DescribeContainerInstances: { invalid: INVALID },
  UpdateContainerInstancesState: { notFound: NOT_FOUND, invalid: INVALID },
  DeregisterContainerInstance: { notFound: NOT_FOUND, invalid: INVALID },
  PutAttributes: {
    notFound: NOT_FOUND,
    invalid: [...INVALID, "AttributeLimitExceededException"],
  },
  DeleteAttributes: { notFound: NOT_FOUND, invalid: INVALID },
};

/** A container instance as read, with the name of its cluster. */
export interface ClusterInstance {
  readonly cluster: string;
  readonly instance: ContainerInstance;
}

/** `cluster/ec2InstanceId`: a container instance's key in `list`. */
function instanceKey(cluster: string, ec2InstanceId: string): string {
  return `${cluster}/${ec2InstanceId}`;
}

/**
 * Written or listed custom attributes (`[{ name, value }]` or a map) as a map of strings, ECS's
 * own left out; `undefined` when `value` is neither.
 */
export function attributeMapOf(value: unknown): Record<string, string> | undefined {
  const entries: [unknown, unknown][] | undefined = Array.isArray(value)
    ? (value as unknown[]).map((entry) =>
        isPlainObject(entry) ? [entry["name"], entry["value"] ?? ""] : [undefined, undefined],
      )
    : isPlainObject(value)
      ? Object.entries(value)
      : undefined;
  if (entries === undefined) return undefined;
  const attributes: Record<string, string> = {};
  for (const [name, attributeValue] of entries)
    if (
      typeof name === "string" &&
      !isReservedAttribute(name) &&
      typeof attributeValue === "string"
    )
      attributes[name] = attributeValue;
  return attributes;
}

/** ACTIVE is running, DRAINING stopped; REGISTERING and DEREGISTERING pending. */
function stateOf(instance: ContainerInstance): State {
  if (instance.status === ContainerInstanceStatus.ACTIVE) return "running";
  return instance.status === ContainerInstanceStatus.DRAINING ? "stopped" : "pending";
}

/**
 * An EC2 instance's membership of an ECS cluster: the container instance whose `ec2InstanceId`
 * is its `ec2_instance` parent's (or `ec2InstanceId` as written), in its `ecs_cluster` parent's
 * cluster (or `cluster` as written). ACTIVE is running; DRAINING is its stopped form (stop and
 * start are UpdateContainerInstancesState DRAINING / ACTIVE, so tasks move off and back);
 * terminate deregisters it (DeregisterContainerInstance, which ECS refuses while tasks still run
 * there: stop it first to drain them). PCF drained on terminate and never deregistered.
 *
 * A container instance is made by the ECS agent on the instance, not by an API caller: start
 * registers it with `instanceIdentityDocument` when written, as the agent does, else waits for
 * the agent (started by the instance's user data) to register it. Either way the instance is
 * then marked as the framework's with the ECS attribute `pcf.managed-by=particle-cloud`
 * (container instances take tags on AWS, not on moto, so attributes serve both). The custom
 * attributes change in place; nothing is fixed at creation. A deregistered instance is gone.
 * The agent's connection is reported (`agentConnected`) but not a state: a disconnected agent
 * leaves the instance ACTIVE, and only the agent can reconnect it.
 *
 * Reads are batched: per cluster, one paged ListContainerInstances and one
 * DescribeContainerInstances per 100, matched by EC2 instance id.
 *
 * @example
 * ```ts
 * const member = new EcsInstance({
 *   pcf_name: "web",
 *   flavor: "ecs_instance",
 *   parents: ["ec2_instance:web", "ecs_cluster:workers"],
 *   aws_resource: { attributes: [{ name: "tier", value: "web" }] },
 * });
 * ```
 */
export class EcsInstance extends AWSResource<EcsInstanceDefinition, ClusterInstance, ECSClient> {
  static override readonly flavor: string = "ecs_instance";
  static override readonly service: string = "ecs";
  static override readonly Client = ECSClient;
  static override readonly definitionSchema = ecsInstanceSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.ec2InstanceId"];
  static override readonly fixedFields: readonly string[] = [];
  static override readonly inPlaceFields: readonly string[] = ["attributes"];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "attributes",
    ownershipWritten: "after-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "RegisterContainerInstance";
  static override readonly operationErrors = INSTANCE_ERRORS;
  static override readonly actions = {
    read: ["ecs:ListContainerInstances", "ecs:DescribeContainerInstances"],
    start: [
      "ecs:RegisterContainerInstance",
      "ecs:UpdateContainerInstancesState",
      "ecs:PutAttributes",
    ],
    stop: ["ecs:UpdateContainerInstancesState"],
    update: ["ecs:PutAttributes", "ecs:DeleteAttributes"],
    terminate: ["ecs:DeregisterContainerInstance"],
  };

  /**
   * The base checks, but `ec2InstanceId` may be left out: the `ec2_instance` parent gives it,
   * and a quasiparticle links that parent only after its members are made.
   */
  static override definitionIssues(
    definition: ParticleDefinition,
    where: { particle: string },
  ): DefinitionIssue[] {
    // Left out, the only issue about it is the missing unique key.
    const isLeftOut = readPath(definition, "aws_resource.ec2InstanceId") === undefined;
    return super
      .definitionIssues(definition, where)
      .filter((issue) => !(isLeftOut && issue.field === "aws_resource.ec2InstanceId"));
  }

  /** Reads the `ec2_instance` parents first (joining a read under way): they give the keys. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    await Promise.allSettled(
      particles.flatMap((particle) =>
        particle instanceof EcsInstance
          ? parentsOf(particle, "ec2_instance").map((parent) => parent.getState(context))
          : [],
      ),
    );
    await super.syncAll(particles, context);
  }

  /** The container instances of `keys` (`cluster/ec2InstanceId`): per cluster, listed and described. */
  protected override async list(
    client: ECSClient,
    keys: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, ClusterInstance>> {
    const byCluster = new Map<string, Set<string>>();
    for (const key of keys) {
      const cut = key.lastIndexOf("/");
      const [cluster, ec2InstanceId] = [key.slice(0, cut), key.slice(cut + 1)];
      // Without a cluster or an instance id (the EC2 not launched yet) nothing can be registered.
      if (cluster !== "" && ec2InstanceId !== "")
        byCluster.set(cluster, new Set([...(byCluster.get(cluster) ?? []), ec2InstanceId]));
    }
    const found = new Map<string, ClusterInstance>();
    for (const [cluster, wanted] of byCluster)
      for (const instance of await registeredInstances(client, cluster, signal))
        if (wanted.has(String(instance.ec2InstanceId)))
          found.set(instanceKey(cluster, String(instance.ec2InstanceId)), { cluster, instance });
    return found;
  }

  /**
   * Every container instance registered in every cluster of the region: ListClusters, then per
   * cluster ListContainerInstances and DescribeContainerInstances. Deregistered (`INACTIVE`) and
   * failed registrations are left out.
   */
  protected override async listAll(
    client: ECSClient,
    { signal }: RunContext,
  ): Promise<readonly ClusterInstance[]> {
    const found: ClusterInstance[] = [];
    for (const arn of await listClusterArns(client, signal)) {
      const cluster = clusterNameOf(arn);
      for (const instance of await registeredInstances(client, cluster, signal))
        found.push({ cluster, instance });
    }
    return found;
  }

  /** Its status as a state; its custom attributes as its tags. */
  protected override observe(
    { cluster, instance }: ClusterInstance,
    context: RunContext,
  ): Observation {
    return {
      state: stateOf(instance),
      definition: {
        cluster,
        ec2InstanceId: instance.ec2InstanceId,
        containerInstanceArn: instance.containerInstanceArn,
        status: instance.status,
        agentConnected: instance.agentConnected,
        runningTasksCount: instance.runningTasksCount,
        region_name: this.region(context),
      },
      tags: attributeMapOf(instance.attributes ?? []) ?? {},
    };
  }

  /**
   * RegisterContainerInstance with the identity document written and the attributes plus the
   * ownership attribute, as the agent registers it; without a document, waits for the agent to
   * register it. The kit then finds it and marks it as the framework's.
   */
  protected override async create(
    client: ECSClient,
    desired: EcsInstanceDefinition,
    context: RunContext,
  ): Promise<ClusterInstance | undefined> {
    const cluster = requiredCluster(this, desired.cluster, "container instance");
    const { instanceIdentityDocument, instanceIdentityDocumentSignature } = desired;
    if (instanceIdentityDocument === undefined) {
      await this.waitUntil(context, "be registered by its ECS agent", (live) => live !== undefined);
      return undefined;
    }
    await client.send(
      new RegisterContainerInstanceCommand({
        cluster,
        instanceIdentityDocument,
        ...(instanceIdentityDocumentSignature === undefined
          ? {}
          : { instanceIdentityDocumentSignature }),
        attributes: attributeList({ ...this.wantedTags(), ...this.ownershipTag }),
      }),
      { abortSignal: context.signal },
    );
    return undefined;
  }

  /** DeregisterContainerInstance, without `force`: ECS refuses while tasks run on it. */
  protected override async remove(
    client: ECSClient,
    { cluster, instance }: ClusterInstance,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(
      new DeregisterContainerInstanceCommand({
        cluster,
        containerInstance: instance.containerInstanceArn,
      }),
      { abortSignal: signal },
    );
  }

  /** Why ECS refused to deregister: tasks still run on the instance. */
  protected override removalHint(
    failure: CallFailure,
    _client: ECSClient,
    { instance }: ClusterInstance,
  ): Promise<string> {
    const tasks = instance.runningTasksCount ?? 0;
    return Promise.resolve(
      failure === "invalid" && tasks > 0
        ? ` (still running on it: ${String(tasks)} task(s); stop the ecs_instance first to drain them)`
        : "",
    );
  }

  /** DRAINING: ECS moves the instance's tasks off it and places none there. */
  protected override halt(
    client: ECSClient,
    live: ClusterInstance,
    context: RunContext,
  ): Promise<void> {
    return this.setStatus(client, live, ContainerInstanceStatus.DRAINING, context);
  }

  /** ACTIVE again. */
  protected override resume(
    client: ECSClient,
    live: ClusterInstance,
    context: RunContext,
  ): Promise<void> {
    return this.setStatus(client, live, ContainerInstanceStatus.ACTIVE, context);
  }

  /** DeleteAttributes of the removed ones (with their live values), then PutAttributes of the rest. */
  protected override async writeTags(
    client: ECSClient,
    { cluster, instance }: ClusterInstance,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const targetId = instance.containerInstanceArn;
    const live = new Map((instance.attributes ?? []).map((entry) => [entry.name, entry.value]));
    if (remove.length > 0)
      await client.send(
        new DeleteAttributesCommand({
          cluster,
          attributes: remove.map((name) => ({ name, value: live.get(name), targetId })),
        }),
        { abortSignal: signal },
      );
    if (Object.keys(set).length > 0)
      await client.send(
        new PutAttributesCommand({
          cluster,
          attributes: attributeList(set).map((entry) => ({ ...entry, targetId })),
        }),
        { abortSignal: signal },
      );
  }

  /** The lookups resolved, then `cluster` and `ec2InstanceId` from the parents when not written. */
  override async resolveDefinition(
    definition: Record<string, unknown>,
    context: RunContext,
  ): Promise<Record<string, unknown>> {
    const resolved = { ...(await super.resolveDefinition(definition, context)) };
    const cluster = clusterOf(this, resolved["cluster"]);
    if (resolved["cluster"] === undefined && cluster !== undefined) resolved["cluster"] = cluster;
    const ec2InstanceId = this.ec2InstanceId();
    if (resolved["ec2InstanceId"] === undefined && ec2InstanceId !== undefined)
      resolved["ec2InstanceId"] = ec2InstanceId;
    return resolved;
  }

  /** `pcf.managed-by=particle-cloud`: an ECS attribute (see {@link OWNERSHIP_ATTRIBUTE}). */
  protected override get ownershipTag(): TagMap {
    return { [OWNERSHIP_ATTRIBUTE]: OWNERSHIP_TAG_VALUE };
  }

  /** None: the `pcf:` tag keys are not valid attribute names, so `pcf nuke` does not find container instances. */
  protected override get provenanceKeys(): ProvenanceKeys | undefined {
    return undefined;
  }

  /** The custom attributes written, as a map. */
  protected override wantedTags(): TagMap | undefined {
    return attributeMapOf(this.desiredStateDefinition["attributes"]);
  }

  /** `cluster/ec2InstanceId`, each `""` while unknown. */
  protected override get key(): string {
    const cluster = clusterOf(this, this.desiredStateDefinition["cluster"]) ?? "";
    return instanceKey(cluster, this.ec2InstanceId() ?? "");
  }

  /** `cluster/ec2InstanceId`, as {@link EcsInstance.key}. */
  protected override discoveredKey(resource: Record<string, unknown>): string {
    return instanceKey(String(resource["cluster"]), String(resource["ec2InstanceId"]));
  }

  /** `ec2_instance "i-…"`. */
  protected override resourceLabel(): string {
    return `${this.flavor} "${this.ec2InstanceId() ?? this.name}"`;
  }

  /** The instance and the custom attributes (ECS's own left out) as a sorted set. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    return {
      attributes: this.comparableTagsOf(attributeMapOf(definition["attributes"])),
    };
  }

  /** `ec2InstanceId` as written, else the `InstanceId` of the `ec2_instance` parent. */
  private ec2InstanceId(): string | undefined {
    const written = this.desiredStateDefinition["ec2InstanceId"];
    if (typeof written === "string" && !isReference(written)) return written;
    const value = parentValue(this, written, "ec2_instance", "InstanceId");
    return typeof value === "string" && !isReference(value) ? value : undefined;
  }

  private async setStatus(
    client: ECSClient,
    { cluster, instance }: ClusterInstance,
    status: ContainerInstanceStatus,
    { signal }: RunContext,
  ): Promise<void> {
    const { failures = [] } = await client.send(
      new UpdateContainerInstancesStateCommand({
        cluster,
        containerInstances: [instance.containerInstanceArn ?? ""],
        status,
      }),
      { abortSignal: signal },
    );
    const [failure] = failures;
    if (failure !== undefined)
      throw new PcfError(
        "TRANSITION_FAILED",
        `ECS did not set ${this.resourceLabel()} ${status}: ${failure.reason ?? "?"} ${failure.detail ?? ""}`.trim(),
        { particle: this.id },
      );
  }
}

/**
 * The container instances registered in `cluster`, with an EC2 instance id: ListContainerInstances
 * page by page, then DescribeContainerInstances, 100 a call. Deregistered (`INACTIVE`) and failed
 * registrations are left out; none when the cluster does not exist.
 */
async function registeredInstances(
  client: ECSClient,
  cluster: string,
  signal: AbortSignal,
): Promise<ContainerInstance[]> {
  const arns = await unlessNoCluster(async () => {
    const listed: string[] = [];
    for await (const page of paginateListContainerInstances(
      { client },
      { cluster },
      { abortSignal: signal },
    ))
      listed.push(...(page.containerInstanceArns ?? []));
    return listed;
  }, []);
  const registered: ContainerInstance[] = [];
  for (let start = 0; start < arns.length; start += DESCRIBE_LIMIT) {
    const { containerInstances = [] } = await client.send(
      new DescribeContainerInstancesCommand({
        cluster,
        containerInstances: arns.slice(start, start + DESCRIBE_LIMIT),
      }),
      { abortSignal: signal },
    );
    registered.push(
      ...containerInstances.filter(
        ({ ec2InstanceId, status }) =>
          ec2InstanceId !== undefined &&
          status !== "INACTIVE" &&
          status !== ContainerInstanceStatus.REGISTRATION_FAILED,
      ),
    );
  }
  return registered;
}

/** `{ a: "1" }` → `[{ name: "a", value: "1" }]`, sorted by name; `""` values sent without one. */
function attributeList(attributes: TagMap): Attribute[] {
  return Object.keys(attributes)
    .sort()
    .map((name) => {
      const value = attributes[name] ?? "";
      return value === "" ? { name } : { name, value };
    });
}
