import {
  AddTagsCommand,
  CreateNotebookInstanceCommand,
  DeleteNotebookInstanceCommand,
  DeleteTagsCommand,
  DescribeNotebookInstanceCommand,
  NotebookInstanceAcceleratorType,
  SageMakerClient,
  StartNotebookInstanceCommand,
  StopNotebookInstanceCommand,
  UpdateNotebookInstanceCommand,
  paginateListNotebookInstances,
  paginateListTags,
  type DescribeNotebookInstanceOutput as NotebookInstance,
  type NotebookInstanceSummary,
  type _InstanceType as MlInstanceType,
} from "@aws-sdk/client-sagemaker";
import * as z from "zod";
import { PcfError, messageOf } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { DISTINCT_STATES, type State } from "../../../core/state.js";
import type { CallFailure, FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { writtenTags, type TagChanges, type TagMap } from "../../kit/tags.js";
import { commonPrefix } from "../../kit/common-prefix.js";
import { awsErrorCode } from "../errors.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList, tagsToList } from "../tags.js";

const enabledSchema = z.enum(["Enabled", "Disabled"]);

/** The `aws_resource` block of a `sagemaker_notebook_instance` particle: CreateNotebookInstance's parameters. */
export const sagemakerNotebookInstanceSchema = z.strictObject({
  /** The instance's name (up to 63 letters, digits and inner hyphens). Required: it is the unique key. */
  NotebookInstanceName: z
    .string()
    .min(1)
    .max(63)
    .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, "expected letters, digits and inner hyphens"),
  /** The ML compute type (`ml.t3.medium`). Required. Changes in place (the instance is stopped for it). */
  InstanceType: z.string().regex(/^ml\.[a-z0-9.-]+$/, "expected an ML instance type (ml.…)"),
  /** The IAM role SageMaker assumes. Required. Changes in place (the instance is stopped for it). */
  RoleArn: z.string().regex(/^arn:/, "expected the role's ARN"),
  /** The subnet of the instance's network interface. Default: not compared; none. Fixed at creation. */
  SubnetId: z.string().min(1).optional(),
  /** Security groups of the network interface, compared as a set. Default: not compared. Fixed at creation. */
  SecurityGroupIds: z.array(z.string().min(1)).optional(),
  /** The KMS key that encrypts the storage volume. Default: not compared; AWS's key. Fixed at creation. */
  KmsKeyId: z.string().min(1).optional(),
  /** A lifecycle configuration's name. Default: not compared; none. Changes in place (stopped for it). */
  LifecycleConfigName: z.string().min(1).max(63).optional(),
  /** `Enabled` or `Disabled` (needs SubnetId). Default: not compared; `Enabled`. Fixed at creation. */
  DirectInternetAccess: enabledSchema.optional(),
  /** The storage volume's size, in GB (5 to 16384). Default: not compared; 5. Changes in place (stopped for it; it cannot shrink). */
  VolumeSizeInGB: z.number().int().min(5).max(16_384).optional(),
  /** Elastic Inference accelerator types. Default: not compared; none. Changes in place (stopped for it). */
  AcceleratorTypes: z.array(z.enum(NotebookInstanceAcceleratorType)).optional(),
  /** The default Git repository (a name or a URL). Default: not compared; none. Changes in place (stopped for it). */
  DefaultCodeRepository: z.string().min(1).optional(),
  /** Up to three more Git repositories. Default: not compared; none. Changes in place (stopped for it). */
  AdditionalCodeRepositories: z.array(z.string().min(1)).max(3).optional(),
  /** `Enabled` or `Disabled`: root access for the notebook's users. Default: not compared; `Enabled`. Changes in place (stopped for it). */
  RootAccess: enabledSchema.optional(),
  /**
   * The instance's whole tag set, as `[{ Key, Value }]` (PCF's form) or a map. Tags not listed
   * are removed on update; the ownership tag is always kept. Changes in place, running or not.
   * Default: not compared.
   */
  Tags: tagInputSchema.optional(),
  /** The instance's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of a `sagemaker_notebook_instance` particle. */
export type SagemakerNotebookInstanceDefinition = z.infer<typeof sagemakerNotebookInstanceSchema>;

/** The fields UpdateNotebookInstance sets, in the order they are updated (one call sets them all). */
const UPDATED_FIELDS = [
  "InstanceType",
  "RoleArn",
  "LifecycleConfigName",
  "VolumeSizeInGB",
  "AcceleratorTypes",
  "DefaultCodeRepository",
  "AdditionalCodeRepositories",
  "RootAccess",
] as const;

/** The fields fixed at creation. */
const FIXED_FIELDS = ["SubnetId", "SecurityGroupIds", "KmsKeyId", "DirectInternetAccess"] as const;

/** The states of each status (`Failed` is not running: the instance serves nothing). */
const STATES: Readonly<Record<string, State>> = {
  InService: "running",
  PendingMaintenance: "running",
  Stopped: "stopped",
  Failed: "stopped",
};

/**
 * SageMaker answers a missing instance, a duplicate name and a wrong status all with a
 * `ValidationException`: the message tells them apart.
 */
const VALIDATION = "ValidationException";
const MESSAGE_CLASSES: readonly (readonly [RegExp, CallFailure])[] = [
  [/RecordNotFound|does not exist/, "notFound"],
  [/Cannot create a duplicate/, "alreadyExists"],
  [/Unable to transition|not in \(/, "wrongState"],
];

const INVALID = { invalid: [VALIDATION, "ResourceLimitExceeded"] };

/** The codes of the notebook instance calls, by class; a `ValidationException` is then told apart by its message ({@link MESSAGE_CLASSES}). */
const NOTEBOOK_ERRORS: OperationErrors = {
  CreateNotebookInstance: INVALID,
  DescribeNotebookInstance: INVALID,
  UpdateNotebookInstance: INVALID,
  StartNotebookInstance: INVALID,
  StopNotebookInstance: INVALID,
  DeleteNotebookInstance: INVALID,
  ListTags: INVALID,
  AddTags: INVALID,
  DeleteTags: INVALID,
};

/** An array as a sorted set. */
function sortedSet(value: unknown): unknown {
  return Array.isArray(value) ? [...(value as string[])].sort() : value;
}

/**
 * A SageMaker notebook instance, found by its name. It has a real stopped form:
 * StopNotebookInstance and StartNotebookInstance, followed through Stopping and Pending.
 * `Failed` reads as stopped, never running (PCF read it running); starting a failed instance is
 * refused with its failure reason (terminate it, then start again).
 *
 * The type, role, volume size, lifecycle configuration, code repositories, accelerators and root
 * access change in place with one UpdateNotebookInstance, which SageMaker takes only while the
 * instance is stopped: a running instance is stopped, updated and started again (an update of a
 * running instance is an outage of minutes); a stopped one is updated and stays stopped, and
 * start updates it before starting. The subnet, security groups, KMS key and direct internet
 * access are fixed at creation. Tags change in place at any time (AddTags, DeleteTags); the
 * ownership tag goes in CreateNotebookInstance itself.
 *
 * Terminate stops a running instance and waits for Stopped before DeleteNotebookInstance
 * (SageMaker deletes only stopped or failed instances).
 *
 * Reads are batched: one paged ListNotebookInstances per region over the names' common prefix,
 * then DescribeNotebookInstance per listed instance (the list lacks the network, role and volume
 * settings), plus ListTags per instance when its definition lists tags (or going down).
 *
 * @example
 * ```ts
 * const lab = new SagemakerNotebookInstance({
 *   pcf_name: "lab",
 *   flavor: "sagemaker_notebook_instance",
 *   aws_resource: {
 *     NotebookInstanceName: "lab",
 *     InstanceType: "ml.t3.medium",
 *     RoleArn: "arn:aws:iam::123456789012:role/sagemaker",
 *   },
 * });
 * await lab.apply();
 * ```
 */
export class SagemakerNotebookInstance extends AWSResource<
  SagemakerNotebookInstanceDefinition,
  NotebookInstance,
  SageMakerClient
> {
  static override readonly flavor: string = "sagemaker_notebook_instance";
  static override readonly service: string = "sagemaker";
  static override readonly Client = SageMakerClient;
  static override readonly definitionSchema = sagemakerNotebookInstanceSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.NotebookInstanceName"];
  static override readonly equivalentStates = DISTINCT_STATES;
  static override readonly fixedFields: readonly string[] = FIXED_FIELDS;
  static override readonly inPlaceFields: readonly string[] = ["Tags", ...UPDATED_FIELDS];
  static override readonly readShape = "list-by-prefix";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateNotebookInstance";
  static override readonly operationErrors = NOTEBOOK_ERRORS;
  // DeleteNotebookInstance answers nothing: an empty 200 that never reached the service looks the same.
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: [
      "sagemaker:ListNotebookInstances",
      "sagemaker:DescribeNotebookInstance",
      "sagemaker:ListTags",
    ],
    start: [
      "sagemaker:CreateNotebookInstance",
      "sagemaker:AddTags",
      "sagemaker:StartNotebookInstance",
      "sagemaker:UpdateNotebookInstance",
      "iam:PassRole",
    ],
    stop: ["sagemaker:StopNotebookInstance"],
    update: [
      "sagemaker:StopNotebookInstance",
      "sagemaker:UpdateNotebookInstance",
      "sagemaker:StartNotebookInstance",
      "sagemaker:AddTags",
      "sagemaker:DeleteTags",
      "iam:PassRole",
    ],
    terminate: ["sagemaker:StopNotebookInstance", "sagemaker:DeleteNotebookInstance"],
  };

  /** Stopped for the update when running, updated, started again. */
  private readonly updateStopped: FieldUpdater<
    SagemakerNotebookInstanceDefinition,
    NotebookInstance,
    SageMakerClient
  > = async (client, live, desired, context) => {
    const wasRunning = live.NotebookInstanceStatus === "InService";
    if (!wasRunning) return this.sendUpdate(client, live, desired, context);
    await this.stopAndWait(client, live, context);
    try {
      await this.sendUpdate(client, live, desired, context);
    } catch (error) {
      // A refused update must not leave the instance down: it is started again, and the
      // update's own failure is the one reported.
      await this.startInstance(client, live, context).catch(() => undefined);
      throw error;
    }
    await this.startInstance(client, live, context);
  };

  protected override readonly updaters: FieldUpdaters<
    SagemakerNotebookInstanceDefinition,
    NotebookInstance,
    SageMakerClient
  > = Object.fromEntries(UPDATED_FIELDS.map((field) => [field, this.updateStopped]));

  /** The instances of `names`: ListNotebookInstances over their common prefix, page by page. */
  protected override async list(
    client: SageMakerClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, NotebookInstance>> {
    const wanted = new Set(names);
    const found = new Map<string, NotebookInstance>();
    const prefix = commonPrefix(names);
    const input = prefix === "" ? {} : { NameContains: prefix };
    for (const instance of await listNotebookInstances(client, input, signal))
      if (instance.NotebookInstanceName !== undefined && wanted.has(instance.NotebookInstanceName))
        found.set(instance.NotebookInstanceName, instance);
    return found;
  }

  /**
   * Every instance of the region, described: ListNotebookInstances page by page, then
   * DescribeNotebookInstance of each (as `complete` does); one deleted in between is left out.
   */
  protected override async listAll(
    client: SageMakerClient,
    context: RunContext,
  ): Promise<readonly NotebookInstance[]> {
    const found: NotebookInstance[] = [];
    for (const listed of await listNotebookInstances(client, {}, context.signal)) {
      const instance = await this.unlessGone(
        `describe notebook instance ${String(listed.NotebookInstanceName)}`,
        () => this.complete(client, listed, context),
      );
      if (instance !== undefined) found.push(instance);
    }
    return found;
  }

  /** DescribeNotebookInstance: the list answer lacks the network, role and volume settings. */
  protected override async complete(
    client: SageMakerClient,
    { NotebookInstanceName }: NotebookInstance,
    { signal }: RunContext,
  ): Promise<NotebookInstance | undefined> {
    const { $metadata: _metadata, ...instance } = await client.send(
      new DescribeNotebookInstanceCommand({ NotebookInstanceName }),
      { abortSignal: signal },
    );
    return instance;
  }

  /**
   * InService → running; Stopped and Failed → stopped; Pending, Stopping, Updating, Deleting and
   * the rest → pending. Describe's `SecurityGroups` and `NotebookInstanceLifecycleConfigName` are
   * read back as Create's `SecurityGroupIds` and `LifecycleConfigName`.
   */
  protected override observe(instance: NotebookInstance, context: RunContext): Observation {
    return {
      state: STATES[instance.NotebookInstanceStatus ?? ""] ?? "pending",
      definition: {
        NotebookInstanceName: instance.NotebookInstanceName,
        NotebookInstanceArn: instance.NotebookInstanceArn,
        NotebookInstanceStatus: instance.NotebookInstanceStatus,
        Url: instance.Url,
        InstanceType: instance.InstanceType,
        RoleArn: instance.RoleArn,
        SubnetId: instance.SubnetId,
        SecurityGroupIds: instance.SecurityGroups ?? [],
        KmsKeyId: instance.KmsKeyId,
        LifecycleConfigName: instance.NotebookInstanceLifecycleConfigName,
        DirectInternetAccess: instance.DirectInternetAccess ?? "Enabled",
        VolumeSizeInGB: instance.VolumeSizeInGB,
        AcceleratorTypes: instance.AcceleratorTypes ?? [],
        DefaultCodeRepository: instance.DefaultCodeRepository,
        AdditionalCodeRepositories: instance.AdditionalCodeRepositories ?? [],
        RootAccess: instance.RootAccess ?? "Enabled",
        region_name: this.region(context),
      },
    };
  }

  /** CreateNotebookInstance with the settings and the tags plus the ownership tag; its answer has only the ARN. */
  protected override async create(
    client: SageMakerClient,
    desired: SagemakerNotebookInstanceDefinition,
    { signal }: RunContext,
  ): Promise<NotebookInstance | undefined> {
    const { Tags, region_name: _region, custom_config: _config, ...settings } = desired;
    await client.send(
      new CreateNotebookInstanceCommand({
        ...settings,
        // Any type string: the SDK's list lags behind SageMaker's.
        InstanceType: settings.InstanceType as MlInstanceType,
        Tags: ownedTagList(writtenTags(Tags) ?? {}, this.provenanceTags),
      }),
      { abortSignal: signal },
    );
    return undefined;
  }

  /**
   * Stops a running instance and waits for Stopped, then DeleteNotebookInstance; one already
   * deleting (a confirming read found it still listed) is left to finish.
   */
  protected override async remove(
    client: SageMakerClient,
    live: NotebookInstance,
    context: RunContext,
  ): Promise<void> {
    const now = await this.complete(client, live, context);
    const status = now?.NotebookInstanceStatus;
    if (now === undefined || status === "Deleting") return;
    if (status !== "Stopped" && status !== "Failed") await this.stopAndWait(client, now, context);
    await client.send(
      new DeleteNotebookInstanceCommand({ NotebookInstanceName: live.NotebookInstanceName }),
      { abortSignal: context.signal },
    );
  }

  /** StopNotebookInstance; the engine's reads follow it through Stopping. */
  protected override async halt(
    client: SageMakerClient,
    { NotebookInstanceName }: NotebookInstance,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new StopNotebookInstanceCommand({ NotebookInstanceName }), {
      abortSignal: signal,
    });
  }

  /**
   * Applies the in-place settings the definition changed while stopped, then
   * StartNotebookInstance. A failed instance is refused with SageMaker's reason.
   * @throws PcfError `TRANSITION_FAILED` when the instance is `Failed`.
   */
  protected override async resume(
    client: SageMakerClient,
    live: NotebookInstance,
    context: RunContext,
  ): Promise<void> {
    if (live.NotebookInstanceStatus === "Failed")
      throw new PcfError(
        "TRANSITION_FAILED",
        `${this.resourceLabel()} failed (${live.FailureReason ?? "no reason given"}): ` +
          "terminate it, then start it again",
        { particle: this.id },
      );
    const paths = this.definitionDifferences().map((difference) => difference.path);
    const differs = UPDATED_FIELDS.some((field) =>
      paths.some((path) => path === field || path.startsWith(`${field}.`)),
    );
    if (differs) await this.sendUpdate(client, live, this.desiredDefinition(), context);
    await this.startInstance(client, live, context);
  }

  protected override async readTags(
    client: SageMakerClient,
    { NotebookInstanceArn: ResourceArn }: NotebookInstance,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const tags: { Key?: string; Value?: string }[] = [];
    for await (const page of paginateListTags({ client }, { ResourceArn }, { abortSignal: signal }))
      tags.push(...(page.Tags ?? []));
    return tagsFromList(tags);
  }

  protected override async writeTags(
    client: SageMakerClient,
    { NotebookInstanceArn: ResourceArn }: NotebookInstance,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    if (remove.length > 0)
      await client.send(new DeleteTagsCommand({ ResourceArn, TagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new AddTagsCommand({ ResourceArn, Tags: tagsToList(set) }), {
        abortSignal: signal,
      });
  }

  /** By the operation's table, a `ValidationException` refined by its message (see {@link MESSAGE_CLASSES}). */
  protected override classifyFailure(error: unknown): CallFailure {
    if (awsErrorCode(error) === VALIDATION) {
      const message = messageOf(error);
      const match = MESSAGE_CLASSES.find(([pattern]) => pattern.test(message));
      if (match !== undefined) return match[1];
    }
    return super.classifyFailure(error);
  }

  /** The settings written, the security groups as a set, the tags as a sorted set. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const compared = Object.fromEntries(
      ["NotebookInstanceName", ...UPDATED_FIELDS, ...FIXED_FIELDS].map((field) => [
        field,
        definition[field],
      ]),
    );
    return {
      ...compared,
      SecurityGroupIds: sortedSet(definition["SecurityGroupIds"]),
      AcceleratorTypes: sortedSet(definition["AcceleratorTypes"]),
      Tags: this.comparableTagsOf(definition["Tags"]),
    };
  }

  /** StopNotebookInstance, then waits for Stopped. */
  private async stopAndWait(
    client: SageMakerClient,
    live: NotebookInstance,
    context: RunContext,
  ): Promise<void> {
    if (live.NotebookInstanceStatus !== "Stopping") await this.halt(client, live, context);
    await this.waitUntil(context, "stop", (now) => this.isSettled(now, "Stopped"));
  }

  /** StartNotebookInstance; the engine's reads follow it through Pending. */
  private async startInstance(
    client: SageMakerClient,
    { NotebookInstanceName }: NotebookInstance,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new StartNotebookInstanceCommand({ NotebookInstanceName }), {
      abortSignal: signal,
    });
  }

  /** UpdateNotebookInstance with every in-place setting the definition writes, then waits for Stopped. */
  private async sendUpdate(
    client: SageMakerClient,
    { NotebookInstanceName }: NotebookInstance,
    desired: SagemakerNotebookInstanceDefinition,
    context: RunContext,
  ): Promise<void> {
    await client.send(
      new UpdateNotebookInstanceCommand({
        NotebookInstanceName,
        ...Object.fromEntries(UPDATED_FIELDS.map((field) => [field, desired[field]])),
      }),
      { abortSignal: context.signal },
    );
    await this.waitUntil(context, "finish its update", (now) => this.isSettled(now, "Stopped"));
  }

  /**
   * True when `now` shows `status`; false while it is on its way.
   * @throws PcfError `TRANSITION_FAILED` when the instance vanished or failed meanwhile.
   */
  private isSettled(now: NotebookInstance | undefined, status: string): boolean {
    const seen = now?.NotebookInstanceStatus;
    if (now === undefined || seen === "Failed")
      throw new PcfError(
        "TRANSITION_FAILED",
        `${this.resourceLabel()} ${now === undefined ? "vanished" : `failed (${now.FailureReason ?? "no reason given"})`} while waiting for ${status}`,
        { particle: this.id },
      );
    return seen === status;
  }
}

/** The instances ListNotebookInstances gives for `input` (a part of their names, or none), page by page. */
async function listNotebookInstances(
  client: SageMakerClient,
  input: { readonly NameContains?: string },
  signal: AbortSignal,
): Promise<NotebookInstanceSummary[]> {
  const instances: NotebookInstanceSummary[] = [];
  for await (const page of paginateListNotebookInstances({ client }, input, {
    abortSignal: signal,
  }))
    instances.push(...(page.NotebookInstances ?? []));
  return instances;
}
