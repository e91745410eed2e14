import { createHash } from "node:crypto";
import {
  DescribeTasksCommand,
  DesiredStatus,
  ECSClient,
  LaunchType,
  PropagateTags,
  RunTaskCommand,
  StopTaskCommand,
  TaskField,
  paginateListTasks,
  type RunTaskRequest,
  type Task,
} from "@aws-sdk/client-ecs";
import * as z from "zod";
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED, type State } from "../../../core/state.js";
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
import {
  capacityProviderStrategySchema,
  networkConfigurationSchema,
  placementConstraintsSchema,
  placementStrategySchema,
} from "./service.js";
import { ecsTagInputSchema, ecsTagList, ecsTagMapOf, writeEcsTags } from "./tags.js";
import { shapedLike } from "./task-definition.js";

/** What RunTask's `startedBy` takes: up to 36 letters, digits, `-` and `_`. */
const STARTED_BY = /^[A-Za-z0-9_-]{1,36}$/;

/** The `aws_resource` block of an `ecs_task` particle: RunTask's parameters, and PCF's `taskName`. */
export const ecsTaskSchema = z.strictObject({
  /** The particle's label for its task (PCF's unique key), never sent. Required: it is the unique key. */
  taskName: z.string().min(1),
  /**
   * What the task is found by (RunTask's `startedBy`, up to 36 letters, digits, `-`, `_`).
   * Default: `taskName` when it fits, else `pcf-` and a digest of it, so that it is never lost.
   */
  startedBy: z.string().regex(STARTED_BY, "expected up to 36 letters, digits, - and _").optional(),
  /**
   * The cluster, by name or ARN. Default: the `clusterName` of the one `ecs_cluster` parent (PCF
   * took it from that parent alone). Fixed: it is where the task is found.
   */
  cluster: z.string().min(1).optional(),
  /**
   * The task definition, as `family`, `family:revision` or an ARN. Default: the latest revision
   * of the one `ecs_task_definition` parent (PCF's rule). Fixed at creation: a change runs a new task.
   */
  taskDefinition: z.string().min(1).optional(),
  /** One task per particle (PCF's later reads broke on more). Default: 1. */
  count: z.literal(1).optional(),
  /** ECS's `TaskOverride` (`containerOverrides`, `cpu`, `memory`, …), passed as written. Default: none. Fixed at creation. */
  overrides: z.looseObject({}).optional(),
  /** The task group (`family:web` style). Default: `family:` and the family. Fixed at creation. */
  group: z.string().min(1).max(255).optional(),
  /** `EC2`, `FARGATE` or `EXTERNAL`. Default: the cluster's capacity providers, else `EC2`. Fixed at creation. */
  launchType: z.enum(LaunchType).optional(),
  /** The Fargate platform version. Default: `LATEST`. Fixed at creation. */
  platformVersion: z.string().min(1).optional(),
  /** The capacity providers to run on, instead of `launchType`. Default: the cluster's. Sent at creation, not compared. */
  capacityProviderStrategy: capacityProviderStrategySchema.optional(),
  /** Where the task may be placed. Default: anywhere. Sent at creation, not compared (ECS does not report it). */
  placementConstraints: placementConstraintsSchema.optional(),
  /** How the task is placed. Default: ECS's. Sent at creation, not compared (ECS does not report it). */
  placementStrategy: placementStrategySchema.optional(),
  /** The `awsvpc` network of the task (Fargate needs one). Default: none. Sent at creation, not compared. */
  networkConfiguration: networkConfigurationSchema.optional(),
  /** Whether `execute-command` may open a shell in the task. Default: false. Fixed at creation. */
  enableExecuteCommand: z.boolean().optional(),
  /** Whether ECS tags the task with the cluster's name. Default: false. Sent at creation, not compared. */
  enableECSManagedTags: z.boolean().optional(),
  /** `TASK_DEFINITION` or `NONE`: whether the task gets its definition's tags. Default: `NONE`. Sent at creation, not compared. */
  propagateTags: z.enum(PropagateTags).optional(),
  /** The reason StopTask records (PCF's `stopReason`). Default: "stopped by particle-cloud". Never compared. */
  stopReason: z.string().min(1).max(255).optional(),
  /**
   * The task's whole tag set, as `[{ key, value }]` (ECS's and PCF's form) or a map. Tags not
   * listed are removed on update; the ownership tag is always kept. Default: not compared.
   */
  tags: ecsTagInputSchema.optional(),
  /** The task's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `ecs_task` particle (not to be confused with the `ecs_task_definition` flavor). */
export type EcsTaskBlock = z.infer<typeof ecsTaskSchema>;

/** The fields sent to RunTask as written. */
const RUN_FIELDS = [
  "taskDefinition",
  "overrides",
  "group",
  "launchType",
  "platformVersion",
  "capacityProviderStrategy",
  "placementConstraints",
  "placementStrategy",
  "networkConfiguration",
  "enableExecuteCommand",
  "enableECSManagedTags",
  "propagateTags",
] as const;

/** The fields DescribeTasks reports, compared when written; all fixed at creation. */
const COMPARED_FIELDS = [
  "overrides",
  "group",
  "launchType",
  "platformVersion",
  "enableExecuteCommand",
] as const;

/** DescribeTasks names at most 100 tasks per call. */
const DESCRIBE_LIMIT = 100;

const NOT_FOUND = ["ClusterNotFoundException"];
const INVALID = ["ClientException", "InvalidParameterException"];

/** The codes of the task calls, by class. */
const TASK_ERRORS: OperationErrors = {
  RunTask: {
    invalid: [
      ...INVALID,
      "ClusterNotFoundException",
      "PlatformUnknownException",
      "PlatformTaskDefinitionIncompatibilityException",
      "UnsupportedFeatureException",
      "AccessDeniedException",
      "BlockedException",
      "ConflictException",
    ],
  },
  ListTasks: { notFound: NOT_FOUND, invalid: INVALID },
  DescribeTasks: { notFound: NOT_FOUND, invalid: INVALID },
  StopTask: { notFound: NOT_FOUND, invalid: INVALID },
  TagResource: { notFound: [...NOT_FOUND, "ResourceNotFoundException"], invalid: INVALID },
  UntagResource: { notFound: [...NOT_FOUND, "ResourceNotFoundException"], invalid: INVALID },
};

/** A task as read: its cluster, and the other tasks running under its `startedBy`, if any. */
export interface ClusterTask {
  readonly cluster: string;
  readonly task: Task;
  /** Other tasks started by the same `startedBy` and meant to run (a second run, by hand). */
  readonly namesakes: readonly Task[];
}

/** `cluster/startedBy`: a task's key in `list`. */
function taskKey(cluster: string, startedBy: string): string {
  return `${cluster}/${startedBy}`;
}

/** The `startedBy` a task name gives: itself when RunTask takes it, else `pcf-` and a digest. */
export function startedByOf(taskName: string): string {
  return STARTED_BY.test(taskName)
    ? taskName
    : `pcf-${createHash("sha256").update(taskName).digest("hex").slice(0, 32)}`;
}

/** A task's `lastStatus` as a state: RUNNING is running, STOPPED is gone, the rest pending. */
function stateOf(task: Task): State {
  if (task.lastStatus === "RUNNING") return "running";
  return task.lastStatus === "STOPPED" ? "terminated" : "pending";
}

/**
 * One ECS task, run in its cluster (its `ecs_cluster` parent's, or `cluster` as written) from
 * its task definition (its `ecs_task_definition` parent's latest revision, or `taskDefinition`),
 * and found by `startedBy`, which defaults to one derived from `taskName` (PCF's unique key), so
 * that no run loses its task. start is RunTask; stop and terminate are StopTask (stopped ≡
 * terminated, as PCF). Only tags change in place; any other change runs a new task in its place.
 * The ownership tag goes in RunTask itself.
 *
 * A task that ends (its containers exit, or someone stops it) is gone: the next apply wanting
 * it running runs a new one, as for a task that was stopped. PCF instead forced the particle's
 * desired state to stopped, so a finished task could never run again; a one-shot task is taken
 * down by applying it with desired state `terminated` once done. States: RUNNING is running;
 * PROVISIONING, PENDING, ACTIVATING and the stopping ones pending; STOPPED gone. Tasks ECS is
 * stopping (desired STOPPED) count as gone. RunTask's failures (no capacity) fail the start with
 * their reasons.
 *
 * Reads go per cluster: ListTasks (desired RUNNING) per `startedBy`, then one DescribeTasks per
 * 100 tasks, with the tags.
 *
 * @example
 * ```ts
 * const job = new EcsTask({
 *   pcf_name: "job",
 *   flavor: "ecs_task",
 *   parents: ["ecs_cluster:workers", "ecs_task_definition:job"],
 *   aws_resource: { taskName: "nightly-job", launchType: "FARGATE" },
 * });
 * ```
 */
export class EcsTask extends AWSResource<EcsTaskBlock, ClusterTask, ECSClient> {
  static override readonly flavor: string = "ecs_task";
  static override readonly service: string = "ecs";
  static override readonly Client = ECSClient;
  static override readonly definitionSchema = ecsTaskSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.taskName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = ["taskDefinition", ...COMPARED_FIELDS];
  static override readonly inPlaceFields: readonly string[] = ["tags"];
  static override readonly readShape = "get-each";
  static override readonly tagging = {
    field: "tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "RunTask";
  static override readonly operationErrors = TASK_ERRORS;
  static override readonly actions = {
    read: ["ecs:ListTasks", "ecs:DescribeTasks"],
    start: ["ecs:RunTask", "ecs:TagResource", "iam:PassRole"],
    update: ["ecs:TagResource", "ecs:UntagResource"],
    terminate: ["ecs:StopTask"],
  };

  /** The tasks of `keys` (`cluster/startedBy`) meant to run: ListTasks per key, DescribeTasks per cluster. */
  protected override async list(
    client: ECSClient,
    keys: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, ClusterTask>> {
    const byCluster = new Map<string, string[]>();
    for (const key of new Set(keys)) {
      const cut = key.lastIndexOf("/");
      const cluster = key.slice(0, cut);
      // A task whose cluster is unknown (no parent, none written) cannot exist yet.
      if (cluster !== "")
        byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), key.slice(cut + 1)]);
    }
    const found = new Map<string, ClusterTask>();
    for (const [cluster, startedBys] of byCluster) {
      const arns: string[] = [];
      for (const startedBy of startedBys)
        arns.push(...(await listTaskArns(client, { cluster, startedBy }, signal)));
      const tasks = await describeRunningTasks(client, cluster, arns, signal);
      for (const [key, task] of byStartedBy(cluster, tasks)) found.set(key, task);
    }
    return found;
  }

  /**
   * Every task of every cluster of the region meant to run, one per `startedBy` (its namesakes
   * with it): ListClusters, then ListTasks (desired RUNNING) and DescribeTasks per cluster. Tasks
   * without a `startedBy` RunTask takes (none, or a service's `ecs-svc/…`) are left out: this
   * flavor finds its task by it, and a service's tasks are the service's.
   */
  protected override async listAll(
    client: ECSClient,
    { signal }: RunContext,
  ): Promise<readonly ClusterTask[]> {
    const found: ClusterTask[] = [];
    for (const arn of await listClusterArns(client, signal)) {
      const cluster = clusterNameOf(arn);
      const arns = await listTaskArns(client, { cluster }, signal);
      const tasks = await describeRunningTasks(client, cluster, arns, signal);
      const named = tasks.filter(({ startedBy = "" }) => STARTED_BY.test(startedBy));
      found.push(...byStartedBy(cluster, named).values());
    }
    return found;
  }

  /**
   * The one task of the particle's `startedBy`.
   * @throws PcfError `DUPLICATE_RESOURCE` when several run under it.
   */
  protected override complete(
    _client: ECSClient,
    live: ClusterTask,
  ): Promise<ClusterTask | undefined> {
    if (live.namesakes.length === 0) return Promise.resolve(live);
    const arns = [live.task, ...live.namesakes].map((task) => task.taskArn).join(", ");
    return Promise.reject(
      new PcfError(
        "DUPLICATE_RESOURCE",
        `several tasks run started by ${String(live.task.startedBy)}: ${arns}; stop all but one`,
        { particle: this.id, field: "aws_resource.startedBy" },
      ),
    );
  }

  /** The task's fields in the block's shape; its state from `lastStatus`. */
  protected override observe({ cluster, task }: ClusterTask, context: RunContext): Observation {
    const definition: Record<string, unknown> = {
      taskArn: task.taskArn,
      cluster,
      clusterArn: task.clusterArn,
      startedBy: task.startedBy,
      taskDefinition: task.taskDefinitionArn,
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
    };
    for (const field of COMPARED_FIELDS)
      if (task[field] !== undefined) definition[field] = task[field];
    definition["region_name"] = this.region(context);
    return { state: stateOf(task), definition, tags: ecsTagMapOf(task.tags ?? []) ?? {} };
  }

  /**
   * RunTask of one task with the settings written, the `startedBy` and the tags plus the
   * ownership tag; its answer carries the task.
   * @throws Error naming RunTask's failures (no capacity, a missing instance) when it ran none.
   */
  protected override async create(
    client: ECSClient,
    desired: EcsTaskBlock,
    context: RunContext,
  ): Promise<ClusterTask | undefined> {
    const cluster = requiredCluster(this, desired.cluster, "task");
    const input: Record<string, unknown> = { cluster, startedBy: this.startedBy, count: 1 };
    for (const field of RUN_FIELDS) if (desired[field] !== undefined) input[field] = desired[field];
    input["tags"] = ecsTagList(withOwnershipTag(this.wantedTags(), this.provenanceTags));
    const { tasks = [], failures = [] } = await client.send(
      // The schema checks RunTask's members and types; ECS checks what they mean.
      new RunTaskCommand(input as unknown as RunTaskRequest),
      { abortSignal: context.signal },
    );
    const [task] = tasks;
    if (task === undefined && failures.length > 0)
      throw new Error(
        `RunTask ran no task: ${failures.map((failure) => `${failure.reason ?? "?"} ${failure.detail ?? ""}`.trim()).join("; ")}`,
      );
    return task?.taskArn === undefined ? undefined : { cluster, task, namesakes: [] };
  }

  /** StopTask with `stopReason`. */
  protected override async remove(
    client: ECSClient,
    { cluster, task }: ClusterTask,
    { signal }: RunContext,
  ): Promise<void> {
    const reason = this.desiredStateDefinition["stopReason"];
    await client.send(
      new StopTaskCommand({
        cluster,
        task: task.taskArn,
        reason: typeof reason === "string" ? reason : "stopped by particle-cloud",
      }),
      { abortSignal: signal },
    );
  }

  protected override writeTags(
    client: ECSClient,
    { task }: ClusterTask,
    changes: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    return writeEcsTags(client, task.taskArn, changes, signal);
  }

  /** The generic block, named by its `startedBy` (the task's own name is never sent to ECS). */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    return {
      taskName: observation.definition["startedBy"],
      ...super.discoveredResource(observation, ownTags),
    };
  }

  /** The lookups resolved, then `cluster` and `taskDefinition` from the parents when not written. */
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

  /** `cluster/startedBy`. */
  protected override get key(): string {
    return taskKey(clusterOf(this, this.desiredStateDefinition["cluster"]) ?? "", this.startedBy);
  }

  /** `cluster/startedBy`, as {@link EcsTask.key}: a `startedBy` is unique in its cluster only. */
  protected override discoveredKey(resource: Record<string, unknown>): string {
    return taskKey(String(resource["cluster"]), String(resource["startedBy"]));
  }

  /**
   * The task definition (as `family:revision`, or the family when written without a revision)
   * and the reported fields written, cut to the shape written; the tags as a sorted set.
   */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const desired = this.desiredStateDefinition;
    const compared: Record<string, unknown> = {
      taskDefinition: comparableTaskDefinition(
        definition["taskDefinition"],
        desired["taskDefinition"],
      ),
    };
    for (const field of COMPARED_FIELDS)
      if (desired[field] !== undefined)
        compared[field] = shapedLike(definition[field], desired[field]);
    compared["tags"] = this.comparableTagsOf(ecsTagMapOf(definition["tags"]));
    return compared;
  }

  /** `startedBy` as written, else the one `taskName` gives (see {@link startedByOf}). */
  private get startedBy(): string {
    const { startedBy, taskName } = this.desiredStateDefinition;
    return typeof startedBy === "string" ? startedBy : startedByOf(String(taskName));
  }
}

/** The ARNs of the tasks of `input.cluster` meant to run, of one `startedBy` or all: ListTasks page by page. */
async function listTaskArns(
  client: ECSClient,
  input: { readonly cluster: string; readonly startedBy?: string },
  signal: AbortSignal,
): Promise<string[]> {
  return unlessNoCluster(async () => {
    const arns: string[] = [];
    for await (const page of paginateListTasks(
      { client },
      { ...input, desiredStatus: DesiredStatus.RUNNING },
      { abortSignal: signal },
    ))
      arns.push(...(page.taskArns ?? []));
    return arns;
  }, []);
}

/**
 * The tasks of `arns` in `cluster` that have a `startedBy` and are meant to run: DescribeTasks,
 * 100 a call, with the tags.
 */
async function describeRunningTasks(
  client: ECSClient,
  cluster: string,
  arns: readonly string[],
  signal: AbortSignal,
): Promise<Task[]> {
  const running: Task[] = [];
  for (let start = 0; start < arns.length; start += DESCRIBE_LIMIT) {
    const { tasks = [] } = await client.send(
      new DescribeTasksCommand({
        cluster,
        tasks: arns.slice(start, start + DESCRIBE_LIMIT),
        include: [TaskField.TAGS],
      }),
      { abortSignal: signal },
    );
    running.push(
      ...tasks.filter(
        (task) => task.startedBy !== undefined && task.desiredStatus === DesiredStatus.RUNNING,
      ),
    );
  }
  return running;
}

/** `tasks` of `cluster` by key (`cluster/startedBy`): the first of each, the others its namesakes. */
function byStartedBy(cluster: string, tasks: readonly Task[]): Map<string, ClusterTask> {
  const found = new Map<string, ClusterTask>();
  for (const task of tasks) {
    const key = taskKey(cluster, String(task.startedBy));
    const other = found.get(key);
    found.set(
      key,
      other === undefined
        ? { cluster, task, namesakes: [] }
        : { ...other, namesakes: [...other.namesakes, task] },
    );
  }
  return found;
}
