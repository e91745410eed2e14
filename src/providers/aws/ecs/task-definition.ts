import {
  Compatibility,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  IpcMode,
  NetworkMode,
  PidMode,
  RegisterTaskDefinitionCommand,
  SortOrder,
  TagResourceCommand,
  TaskDefinitionStatus,
  UntagResourceCommand,
  paginateListTaskDefinitions,
  type RegisterTaskDefinitionRequest,
  type Tag,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { isPlainObject } from "../../../core/values.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { listEach } from "../../kit/list-each.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { withOwnershipTag } from "../tags.js";
import { ecsTagInputSchema, ecsTagList, ecsTagMapOf } from "./tags.js";

/**
 * One container of the task: ECS's `ContainerDefinition`. `name` and `image` are checked here;
 * its many other members (`cpu`, `memory`, `portMappings`, `environment`, `logConfiguration`, …)
 * are passed to RegisterTaskDefinition as written and checked by ECS, so that every PCF file loads.
 * Defaults: ECS's own (`essential: true`, `cpu: 0`, …); only the members written are compared.
 */
const containerDefinitionSchema = z.looseObject({
  /** The container's name, unique in the task. Required. */
  name: z.string().min(1).max(255),
  /** The image (`repository:tag`). Required. */
  image: z.string().min(1),
});

/** The `aws_resource` block of an `ecs_task_definition` particle: RegisterTaskDefinition's parameters. */
export const ecsTaskDefinitionSchema = z.strictObject({
  /** The family: the task definition's name, whose revisions this particle manages. Required: the unique key. */
  family: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9_-]+$/, "expected letters, digits, - and _"),
  /** The task's containers, at least one. Required. A change registers a new revision. */
  containerDefinitions: z.array(containerDefinitionSchema).min(1),
  /** The IAM role the task's containers assume. Default: none. A change registers a new revision. */
  taskRoleArn: z.string().min(1).optional(),
  /** The IAM role ECS uses to pull images and write logs. Default: none. A change registers a new revision. */
  executionRoleArn: z.string().min(1).optional(),
  /** `bridge`, `host`, `awsvpc` or `none`. Default: `bridge` on EC2. A change registers a new revision. */
  networkMode: z.enum(NetworkMode).optional(),
  /** ECS's `Volume` list, passed as written. Default: none. A change registers a new revision. */
  volumes: z.array(z.looseObject({ name: z.string().min(1).optional() })).optional(),
  /** `[{ type: "memberOf", expression }]`. Default: none. A change registers a new revision. */
  placementConstraints: z
    .array(z.strictObject({ type: z.literal("memberOf"), expression: z.string().min(1) }))
    .optional(),
  /** Launch types the definition is validated for (`EC2`, `FARGATE`, …). Default: none. A change registers a new revision. */
  requiresCompatibilities: z.array(z.enum(Compatibility)).optional(),
  /** Task-level CPU units or vCPUs (`"256"`, `"1 vCPU"`). Default: none. A change registers a new revision. */
  cpu: z.string().min(1).optional(),
  /** Task-level memory (`"512"`, `"1 GB"`). Default: none. A change registers a new revision. */
  memory: z.string().min(1).optional(),
  /** `host` or `task`. Default: each container its own. A change registers a new revision. */
  pidMode: z.enum(PidMode).optional(),
  /** `host`, `task` or `none`. Default: each container its own. A change registers a new revision. */
  ipcMode: z.enum(IpcMode).optional(),
  /** ECS's `ProxyConfiguration` (App Mesh), passed as written. Default: none. A change registers a new revision. */
  proxyConfiguration: z.looseObject({ containerName: z.string().min(1) }).optional(),
  /** `[{ deviceName, deviceType }]`. Default: none. A change registers a new revision. */
  inferenceAccelerators: z
    .array(z.strictObject({ deviceName: z.string().min(1), deviceType: z.string().min(1) }))
    .optional(),
  /** `{ sizeInGiB }` of Fargate ephemeral storage, 21 to 200. Default: 20. A change registers a new revision. */
  ephemeralStorage: z.strictObject({ sizeInGiB: z.number().int().min(21).max(200) }).optional(),
  /** `{ cpuArchitecture, operatingSystemFamily }`. Default: none (Linux, X86_64). A change registers a new revision. */
  runtimePlatform: z
    .strictObject({
      cpuArchitecture: z.enum(["X86_64", "ARM64"]).optional(),
      operatingSystemFamily: z.string().min(1).optional(),
    })
    .optional(),
  /** Whether fault injection is on. Default: false. A change registers a new revision. */
  enableFaultInjection: z.boolean().optional(),
  /**
   * The latest revision's whole tag set, as `[{ key, value }]` (ECS's and PCF's form) or a map.
   * Tags not listed are removed on update; the ownership tag is always kept. Changes in place
   * (TagResource), without a new revision. Default: not compared.
   */
  tags: ecsTagInputSchema.optional(),
  /** The family's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `ecs_task_definition` particle. */
export type EcsTaskDefinitionDefinition = z.infer<typeof ecsTaskDefinitionSchema>;

/** A family as read: its latest ACTIVE revision, that revision's tags, and every ACTIVE revision's ARN. */
export interface TaskDefinitionFamily {
  /** The latest ACTIVE revision, as DescribeTaskDefinition answers it. */
  readonly latest: TaskDefinition;
  /** The tags of that revision (ECS tags each revision on its own). */
  readonly tags: readonly Tag[];
  /** The ARNs of every ACTIVE revision of the family, latest first. */
  readonly activeArns: readonly string[];
}

/** The fields a new revision carries: every field of the block but the family, tags and the framework's own. */
const REVISION_FIELDS = [
  "containerDefinitions",
  "taskRoleArn",
  "executionRoleArn",
  "networkMode",
  "volumes",
  "placementConstraints",
  "requiresCompatibilities",
  "cpu",
  "memory",
  "pidMode",
  "ipcMode",
  "proxyConfiguration",
  "inferenceAccelerators",
  "ephemeralStorage",
  "runtimePlatform",
  "enableFaultInjection",
] as const;

const NOT_FOUND = ["ResourceNotFoundException"];

/** The codes of the task definition calls, by class. */
const TASK_DEFINITION_ERRORS: OperationErrors = {
  RegisterTaskDefinition: { invalid: ["ClientException", "InvalidParameterException"] },
  ListTaskDefinitions: { invalid: ["ClientException", "InvalidParameterException"] },
  DescribeTaskDefinition: { invalid: ["ClientException", "InvalidParameterException"] },
  DeregisterTaskDefinition: { invalid: ["ClientException", "InvalidParameterException"] },
  TagResource: { notFound: NOT_FOUND, invalid: ["ClientException", "InvalidParameterException"] },
  UntagResource: { notFound: NOT_FOUND, invalid: ["ClientException"] },
};

/** The revision number at the end of a task definition ARN (`…:task-definition/web:7` → 7). */
function revisionOf(arn: string): number {
  return Number(arn.slice(arn.lastIndexOf(":") + 1));
}

/**
 * `live` cut down to the shape of `written`: of a map, only the keys `written` has; of a list as
 * long as `written`'s, each item cut down to its counterpart; lists of scalars sorted (compared
 * as sets, as PCF did). ECS fills in defaults (a container's `essential`, `cpu`, empty lists),
 * so only the members a definition writes are compared.
 */
export function shapedLike(live: unknown, written: unknown): unknown {
  if (isPlainObject(written) && isPlainObject(live))
    return Object.fromEntries(
      Object.keys(written).map((key) => [key, shapedLike(live[key], written[key])]),
    );
  if (Array.isArray(written) && Array.isArray(live)) {
    const items = live as unknown[];
    if (items.every((item) => !isPlainObject(item) && !Array.isArray(item)))
      return [...items].sort();
    return items.length === written.length
      ? items.map((item, index) => shapedLike(item, (written as unknown[])[index]))
      : items;
  }
  return live;
}

/**
 * An ECS task definition family. Revisions are immutable, so a changed definition (containers,
 * roles, sizes: every field but `family` and `tags`) registers a new revision and then
 * deregisters the family's other ACTIVE ones. That is an **update**, not a replacement: the
 * family, which services and tasks name, is the particle's resource and keeps an ACTIVE
 * revision throughout, where a replacement (terminate, then start) would leave it with none in
 * between. Tags change in place on the latest revision (TagResource), without a new revision.
 * Nothing is fixed at creation. Stopping deregisters, as PCF did (stopped ≡ terminated);
 * terminate deregisters **every** ACTIVE revision of the family (PCF deregistered only the
 * latest). Deregistered revisions stay listed INACTIVE, as ECS keeps them; they count as gone.
 *
 * The unique key is `family`: PCF's `containerDefinitions.name` crosses a list and was never
 * checked (PCF's identity was the family too). `region_name` and `custom_config` are never sent.
 * Ownership is read from the latest ACTIVE revision's tags: a revision registered by someone else
 * without the ownership tag makes the family foreign until adopted.
 *
 * Reads go family by family (ECS lists no families' revisions at once): ListTaskDefinitions
 * (ACTIVE) of the family, then DescribeTaskDefinition of its latest revision, with its tags.
 *
 * @example
 * ```ts
 * const web = new EcsTaskDefinition({
 *   pcf_name: "web",
 *   flavor: "ecs_task_definition",
 *   aws_resource: {
 *     family: "web",
 *     containerDefinitions: [{ name: "app", image: "nginx:1.27", memory: 256 }],
 *   },
 * });
 * await web.apply();
 * ```
 */
export class EcsTaskDefinition extends AWSResource<
  EcsTaskDefinitionDefinition,
  TaskDefinitionFamily,
  ECSClient
> {
  static override readonly flavor: string = "ecs_task_definition";
  static override readonly service: string = "ecs";
  static override readonly Client = ECSClient;
  static override readonly definitionSchema = ecsTaskDefinitionSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.family"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = [];
  static override readonly inPlaceFields: readonly string[] = [...REVISION_FIELDS, "tags"];
  static override readonly readShape = "get-each";
  static override readonly tagging = {
    field: "tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "RegisterTaskDefinition";
  static override readonly operationErrors = TASK_DEFINITION_ERRORS;
  static override readonly actions = {
    read: ["ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"],
    start: ["ecs:RegisterTaskDefinition", "ecs:TagResource"],
    update: [
      "ecs:RegisterTaskDefinition",
      "ecs:DeregisterTaskDefinition",
      "ecs:ListTaskDefinitions",
      "ecs:TagResource",
      "ecs:UntagResource",
    ],
    terminate: ["ecs:DeregisterTaskDefinition"],
  };

  protected override readonly updaters: FieldUpdaters<
    EcsTaskDefinitionDefinition,
    TaskDefinitionFamily,
    ECSClient
  > = this.revisionUpdaters();

  /** Each family's latest ACTIVE revision and its tags; families without one are gone. */
  protected override list(
    client: ECSClient,
    families: readonly string[],
    context: RunContext,
  ): Promise<ReadonlyMap<string, TaskDefinitionFamily>> {
    return listEach(families, (family) => this.readFamily(client, family, context));
  }

  /**
   * Every family of the region with an ACTIVE revision: ListTaskDefinitions (ACTIVE) page by
   * page, then DescribeTaskDefinition of each family's latest revision, with its tags. Families
   * whose revisions are all INACTIVE (deregistered, as ECS keeps them) are left out.
   */
  protected override async listAll(
    client: ECSClient,
    { signal }: RunContext,
  ): Promise<readonly TaskDefinitionFamily[]> {
    const families = await activeRevisionArns(client, {}, signal);
    const found: TaskDefinitionFamily[] = [];
    for (const arns of families.values()) {
      const family = await describeFamily(client, arns, signal);
      if (family !== undefined) found.push(family);
    }
    return found;
  }

  /** The latest ACTIVE revision is running. */
  protected override observe(
    { latest, tags }: TaskDefinitionFamily,
    context: RunContext,
  ): Observation {
    const definition: Record<string, unknown> = {
      taskDefinitionArn: latest.taskDefinitionArn,
      revision: latest.revision,
    };
    for (const field of ["family", ...REVISION_FIELDS] as const)
      if (latest[field] !== undefined) definition[field] = latest[field];
    definition["region_name"] = this.region(context);
    return { state: "running", definition, tags: ecsTagMapOf(tags) ?? {} };
  }

  /** RegisterTaskDefinition with the tags plus the ownership tag; its answer carries the revision. */
  protected override async create(
    client: ECSClient,
    desired: EcsTaskDefinitionDefinition,
    context: RunContext,
  ): Promise<TaskDefinitionFamily | undefined> {
    const latest = await this.register(client, desired, context);
    const arn = latest?.taskDefinitionArn;
    return latest === undefined || arn === undefined
      ? undefined
      : {
          latest,
          tags: ecsTagList(withOwnershipTag(this.wantedTags(), this.provenanceTags)),
          activeArns: [arn],
        };
  }

  /** DeregisterTaskDefinition of every ACTIVE revision of the family. */
  protected override async remove(
    client: ECSClient,
    { activeArns }: TaskDefinitionFamily,
    { signal }: RunContext,
  ): Promise<void> {
    for (const taskDefinition of activeArns)
      await client.send(new DeregisterTaskDefinitionCommand({ taskDefinition }), {
        abortSignal: signal,
      });
  }

  /** Tags the family's latest ACTIVE revision, as listed now (an update may just have registered it). */
  protected override async writeTags(
    client: ECSClient,
    known: TaskDefinitionFamily,
    { set, remove }: TagChanges,
    context: RunContext,
  ): Promise<void> {
    const [latest] = await this.activeArns(client, String(known.latest.family), context);
    const resourceArn = latest ?? known.latest.taskDefinitionArn;
    const { signal } = context;
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

  /**
   * The fields of a revision, each cut down to the shape the definition writes (ECS fills in
   * container defaults); the tags as a sorted set.
   */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const desired = this.desiredStateDefinition;
    const compared: Record<string, unknown> = { family: definition["family"] };
    for (const field of REVISION_FIELDS)
      compared[field] = shapedLike(definition[field], desired[field]);
    compared["tags"] = this.comparableTagsOf(ecsTagMapOf(definition["tags"]));
    return compared;
  }

  /** One updater, shared by every revision field, so that a change to several registers once. */
  private revisionUpdaters(): FieldUpdaters<
    EcsTaskDefinitionDefinition,
    TaskDefinitionFamily,
    ECSClient
  > {
    const updater = this.registerRevision();
    return Object.fromEntries(REVISION_FIELDS.map((field) => [field, updater]));
  }

  /**
   * The updater every revision field shares: registers the desired definition as a new
   * revision (with the tags and the ownership tag), then deregisters the family's other ACTIVE
   * revisions, so that the family keeps one ACTIVE revision throughout.
   */
  private registerRevision(): FieldUpdater<
    EcsTaskDefinitionDefinition,
    TaskDefinitionFamily,
    ECSClient
  > {
    return async (client, known, desired, context) => {
      const registered = await this.register(client, desired, context);
      const arns = await this.activeArns(client, desired.family, context);
      for (const taskDefinition of arns)
        if (taskDefinition !== registered?.taskDefinitionArn)
          await client.send(new DeregisterTaskDefinitionCommand({ taskDefinition }), {
            abortSignal: context.signal,
          });
      return known;
    };
  }

  /** RegisterTaskDefinition of `desired`, without `region_name` and `custom_config`. */
  private async register(
    client: ECSClient,
    desired: EcsTaskDefinitionDefinition,
    { signal }: RunContext,
  ): Promise<TaskDefinition | undefined> {
    const input: Record<string, unknown> = { family: desired.family };
    for (const field of REVISION_FIELDS)
      if (desired[field] !== undefined) input[field] = desired[field];
    input["tags"] = ecsTagList(withOwnershipTag(this.wantedTags(), this.provenanceTags));
    const { taskDefinition } = await client.send(
      // The schema checks what RegisterTaskDefinition's types state; ECS checks the containers.
      new RegisterTaskDefinitionCommand(input as unknown as RegisterTaskDefinitionRequest),
      { abortSignal: signal },
    );
    return taskDefinition;
  }

  /** The ARNs of the family's ACTIVE revisions, latest first. */
  private async activeArns(
    client: ECSClient,
    familyPrefix: string,
    { signal }: RunContext,
  ): Promise<string[]> {
    // familyPrefix matches the family exactly.
    return (await activeRevisionArns(client, { familyPrefix }, signal)).get(familyPrefix) ?? [];
  }

  /** The family's latest ACTIVE revision with its tags; `undefined` when it has none. */
  private async readFamily(
    client: ECSClient,
    family: string,
    context: RunContext,
  ): Promise<TaskDefinitionFamily | undefined> {
    return describeFamily(client, await this.activeArns(client, family, context), context.signal);
  }
}

/**
 * The ARNs of the ACTIVE revisions ListTaskDefinitions gives for `input` (one family's prefix,
 * or none for the whole region), page by page, by family, each family's latest first.
 */
async function activeRevisionArns(
  client: ECSClient,
  input: { readonly familyPrefix?: string },
  signal: AbortSignal,
): Promise<Map<string, string[]>> {
  const families = new Map<string, string[]>();
  for await (const page of paginateListTaskDefinitions(
    { client },
    { ...input, status: TaskDefinitionStatus.ACTIVE, sort: SortOrder.DESC },
    { abortSignal: signal },
  ))
    for (const arn of page.taskDefinitionArns ?? []) {
      const family = familyOf(arn);
      families.set(family, [...(families.get(family) ?? []), arn]);
    }
  // Sorted here too, by revision number.
  for (const arns of families.values()) arns.sort((a, b) => revisionOf(b) - revisionOf(a));
  return families;
}

/**
 * A family read from its ACTIVE revisions' ARNs (latest first): DescribeTaskDefinition of the
 * latest, with its tags; `undefined` when it has none.
 */
async function describeFamily(
  client: ECSClient,
  activeArns: readonly string[],
  signal: AbortSignal,
): Promise<TaskDefinitionFamily | undefined> {
  const [arn] = activeArns;
  if (arn === undefined) return undefined;
  const { taskDefinition, tags = [] } = await client.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }),
    { abortSignal: signal },
  );
  return taskDefinition === undefined ? undefined : { latest: taskDefinition, tags, activeArns };
}

/** The family of a task definition ARN (`…:task-definition/web:7` → `web`). */
function familyOf(arn: string): string {
  const revised = arn.slice(arn.lastIndexOf("/") + 1);
  return revised.slice(0, revised.lastIndexOf(":"));
}
