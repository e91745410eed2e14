import {
  Capability,
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  GetTemplateCommand,
  OnFailure,
  StackStatus,
  TemplateStage,
  UpdateStackCommand,
  paginateDescribeStacks,
  paginateListStacks,
  type Parameter,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import * as z from "zod";
import { PcfError, messageOf } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { isPlainObject, readPath } from "../../../core/values.js";
import { STOPPED_IS_TERMINATED, type State } from "../../../core/state.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { idempotencyToken } from "../../kit/idempotency-token.js";
import { writtenTags, type TagChanges } from "../../kit/tags.js";
import { renderTemplate, userDataTemplatePathSchema } from "../ec2/instance-user-data.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList, tagsToList } from "../tags.js";

/** `custom_config` of a `cloudformation` particle: PCF's `template_parameters`, plus the file and `adopt`. */
export const cloudformationConfigSchema = z.strictObject({
  ...awsCustomConfigSchema.shape,
  /**
   * A file holding the template, relative to the working directory (as PCF read its other
   * template files, `userdata_template_file`) and never outside it. Read at each run; replaces
   * `TemplateBody`, which must then be absent. Default: none.
   */
  template_file: userDataTemplatePathSchema.optional(),
  /**
   * Values the template (`TemplateBody` or `template_file`) is rendered with as a Jinja2 template
   * (`{{ name }}`, `{% if %}`, `{% for %}`) when not empty, as PCF did. Default: none, the
   * template is sent as written.
   */
  template_parameters: z.record(z.string(), z.unknown()).optional(),
});

/** One stack parameter, as CreateStack and UpdateStack take it. */
const parameterSchema = z.strictObject({
  /** The template parameter's name. */
  ParameterKey: z.string().min(1),
  /** Its value. Default: the template's default. */
  ParameterValue: z.string().optional(),
  /** Keep the live value (updates only). Default false. Such a parameter is not compared. */
  UsePreviousValue: z.boolean().optional(),
});

/** The `aws_resource` block of a `cloudformation` particle: CreateStack's parameters. */
export const cloudformationStackSchema = z
  .strictObject({
    /** The stack's name. Required: it is the unique key. */
    StackName: z
      .string()
      .max(128)
      .regex(/^[A-Za-z][A-Za-z0-9-]*$/, "expected a letter, then letters, digits and -"),
    /** The template, YAML or JSON. Default: none (give it, `TemplateURL` or `custom_config.template_file`). Changes in place. */
    TemplateBody: z.string().min(1).optional(),
    /** An S3 URL of the template. Default: none. Sent to CreateStack and UpdateStack; not compared (DescribeStacks does not return it). */
    TemplateURL: z.string().url().optional(),
    /** The template's parameters. Default: the template's defaults; only the listed keys are compared. Changes in place. */
    Parameters: z.array(parameterSchema).optional(),
    /** `CAPABILITY_IAM`, `CAPABILITY_NAMED_IAM`, `CAPABILITY_AUTO_EXPAND`. Default: none. Changes in place. */
    Capabilities: z.array(z.enum(Capability)).optional(),
    /**
     * The stack's whole tag set (CloudFormation gives it to the resources it makes), as
     * `[{ Key, Value }]` (PCF's form) or a map. Tags not listed are removed on update; the
     * ownership tag is always kept. Default: not compared. Changes in place.
     */
    Tags: tagInputSchema.optional(),
    /** Keep the resources of a failed create. Default false. Create only, not compared. */
    DisableRollback: z.boolean().optional(),
    /** What a failed create does: `ROLLBACK`, `DELETE`, `DO_NOTHING`. Default `ROLLBACK`. Create only, not compared. */
    OnFailure: z.enum(OnFailure).optional(),
    /** Alarms that roll the create back. Default: none. Create only, not compared. */
    RollbackConfiguration: z
      .strictObject({
        RollbackTriggers: z
          .array(z.strictObject({ Arn: z.string().min(1), Type: z.string().min(1) }))
          .optional(),
        MonitoringTimeInMinutes: z.number().int().min(0).optional(),
      })
      .optional(),
    /** Minutes before a create in progress fails. Default: no limit. Create only, not compared. */
    TimeoutInMinutes: z.number().int().min(1).optional(),
    /** SNS topics told of the stack's events. Default: none. Create only, not compared. */
    NotificationARNs: z.array(z.string().min(1)).optional(),
    /** The resource types the template may make (`AWS::SQS::*`). Default: any. Create only, not compared. */
    ResourceTypes: z.array(z.string().min(1)).optional(),
    /** The role CloudFormation acts as. Default: the caller's credentials. Create only, not compared. */
    RoleARN: z.string().min(1).optional(),
    /** The stack policy, as JSON. Default: none. Create only, not compared. */
    StackPolicyBody: z.string().min(1).optional(),
    /** An S3 URL of the stack policy. Default: none. Create only, not compared. */
    StackPolicyURL: z.string().url().optional(),
    /** Refuse DeleteStack. Default false. Create only, not compared. */
    EnableTerminationProtection: z.boolean().optional(),
    /** The create's idempotency token. Default: derived from the particle and the create's input. */
    ClientRequestToken: z
      .string()
      .max(128)
      .regex(/^[a-zA-Z0-9][-a-zA-Z0-9]*$/)
      .optional(),
    /** The stack's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
    region_name: regionNameSchema,
    /** `adopt`, `replace_on_change`, `template_file`, `template_parameters`: see {@link cloudformationConfigSchema}. */
    custom_config: cloudformationConfigSchema.optional(),
  })
  .refine(
    (block) =>
      [block.TemplateBody, block.TemplateURL, block.custom_config?.template_file].filter(
        (source) => source !== undefined,
      ).length <= 1,
    "give one of TemplateBody, TemplateURL and custom_config.template_file",
  );

/** What a user writes in the `aws_resource` block of a `cloudformation` particle. */
export type CloudformationStackDefinition = z.infer<typeof cloudformationStackSchema>;

/** A stack as DescribeStacks lists it, with its template when the definition has one to compare. */
export type LiveStack = Stack & { readonly TemplateBody?: string };

/** The codes of the stack calls, by class. */
const STACK_ERRORS: OperationErrors = {
  CreateStack: {
    alreadyExists: ["AlreadyExistsException"],
    invalid: [
      "InsufficientCapabilitiesException",
      "LimitExceededException",
      "TokenAlreadyExistsException",
      "ValidationError",
    ],
  },
  // A stack named by its id that no longer exists.
  GetTemplate: { notFound: ["ValidationError"] },
  UpdateStack: {
    invalid: [
      "InsufficientCapabilitiesException",
      "TokenAlreadyExistsException",
      "ValidationError",
    ],
  },
  DeleteStack: { invalid: ["TokenAlreadyExistsException"] },
};

/** A create that failed: the stack stays listed, holding nothing, until it is deleted. */
const FAILED_CREATES: ReadonlySet<string> = new Set([
  StackStatus.CREATE_FAILED,
  StackStatus.ROLLBACK_COMPLETE,
  StackStatus.ROLLBACK_FAILED,
]);

/** What UpdateStack answers a stack the update would not change (`ValidationError`). */
const NO_UPDATES = /No updates are to be performed/;

/**
 * The state of a stack status: `*_IN_PROGRESS` is pending; a failed create (`CREATE_FAILED`,
 * `ROLLBACK_COMPLETE`, `ROLLBACK_FAILED`) is terminated, since its stack holds nothing and can
 * only be deleted; anything else (`CREATE_COMPLETE`, `UPDATE_COMPLETE`, an update rolled back to
 * the previous template, `UPDATE_ROLLBACK_FAILED`, `DELETE_FAILED`) is running: the stack and
 * some of its resources are there.
 */
function stateOf(status: string | undefined): State {
  if (status?.endsWith("_IN_PROGRESS") === true) return "pending";
  return status !== undefined && FAILED_CREATES.has(status) ? "terminated" : "running";
}

/** Parameters in a comparable form: keyed values, sorted; those that keep the live value left out. */
function comparableParameters(parameters: unknown): [string, string | undefined][] | undefined {
  if (!Array.isArray(parameters)) return undefined;
  const pairs = (parameters as Parameter[])
    .filter(({ UsePreviousValue }) => UsePreviousValue !== true)
    .map(({ ParameterKey = "", ParameterValue }): [string, string | undefined] => [
      ParameterKey,
      ParameterValue,
    ])
    .sort(([a], [b]) => a.localeCompare(b));
  return pairs.length === 0 ? undefined : pairs;
}

/**
 * A CloudFormation stack (PCF's `cloudformation`), found by its name. Its template comes from
 * `TemplateBody`, `TemplateURL` or `custom_config.template_file` (relative to the working
 * directory), rendered with `custom_config.template_parameters` when given. It has no stopped
 * form: stopping deletes it.
 *
 * CreateStack takes the tags plus the ownership tag and a `ClientRequestToken` derived from the
 * particle, the create's input and the ids of the stacks of its name deleted before (ListStacks),
 * so that a re-create after a delete does not send a spent token. The create is followed until
 * it leaves `CREATE_IN_PROGRESS`, and one that failed (`ROLLBACK_COMPLETE`…) fails the start with
 * the stack's reason. Such a stack reads as terminated; the next start deletes it (if ours) and
 * creates it anew. The template, the parameters, the capabilities and the tags change in place
 * with UpdateStack, followed until it completes ("No updates are to be performed" is no error; a
 * rolled-back update fails with the reason). DeleteStack is followed until the stack is gone.
 *
 * Reads are batched: one paged DescribeStacks per region (the tags are in its answer), plus
 * GetTemplate per stack whose definition gives a template to compare.
 *
 * @example
 * ```ts
 * const queue = new CloudformationStack({
 *   pcf_name: "queue",
 *   flavor: "cloudformation",
 *   aws_resource: {
 *     StackName: "jobs",
 *     TemplateBody: "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n",
 *   },
 * });
 * await queue.apply();
 * ```
 */
export class CloudformationStack extends AWSResource<
  CloudformationStackDefinition,
  LiveStack,
  CloudFormationClient
> {
  static override readonly flavor: string = "cloudformation";
  static override readonly service: string = "cloudformation";
  static override readonly Client = CloudFormationClient;
  static override readonly definitionSchema = cloudformationStackSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.StackName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = [];
  static override readonly inPlaceFields: readonly string[] = [
    "TemplateBody",
    "Parameters",
    "Capabilities",
    "Tags",
  ];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "CreateStack";
  static override readonly operationErrors = STACK_ERRORS;
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: ["cloudformation:DescribeStacks", "cloudformation:GetTemplate"],
    start: [
      "cloudformation:CreateStack",
      "cloudformation:ListStacks",
      "cloudformation:DescribeStacks",
      "cloudformation:GetTemplate",
      "cloudformation:DeleteStack",
    ],
    update: [
      "cloudformation:UpdateStack",
      "cloudformation:DescribeStacks",
      "cloudformation:GetTemplate",
    ],
    terminate: [
      "cloudformation:DeleteStack",
      "cloudformation:DescribeStacks",
      "cloudformation:GetTemplate",
    ],
  };

  /** One UpdateStack sets the template, the parameters and the capabilities together. */
  private readonly updateTemplate = async (
    client: CloudFormationClient,
    { StackId }: LiveStack,
    desired: CloudformationStackDefinition,
    context: RunContext,
  ): Promise<void> => {
    const { TemplateBody, TemplateURL, Parameters, Capabilities } = desired;
    const tags = writtenTags(desired.Tags);
    await this.updateStack(
      client,
      {
        StackName: StackId,
        ...(TemplateBody === undefined && TemplateURL === undefined
          ? { UsePreviousTemplate: true }
          : { TemplateBody, TemplateURL }),
        Parameters,
        Capabilities,
        ...(tags === undefined ? {} : { Tags: ownedTagList(tags, this.provenanceTags) }),
      },
      context,
    );
  };

  protected override readonly updaters: FieldUpdaters<
    CloudformationStackDefinition,
    LiveStack,
    CloudFormationClient
  > = {
    TemplateBody: this.updateTemplate,
    Parameters: this.updateTemplate,
    Capabilities: this.updateTemplate,
  };

  /**
   * Renders the template: `custom_config.template_file` read (relative to the working directory)
   * into `TemplateBody`, rendered with `custom_config.template_parameters` when given. A stack
   * going down needs no template: it is left unread.
   * @throws PcfError `DEFINITION_INVALID` naming the field when the file cannot be read or rendered.
   */
  override async resolveDefinition(
    definition: Record<string, unknown>,
    context: RunContext,
  ): Promise<Record<string, unknown>> {
    const resolved = await super.resolveDefinition(definition, context);
    const config = resolved["custom_config"] as
      { template_file?: unknown; template_parameters?: unknown } | undefined;
    const { template_file: file, template_parameters: parameters, ...rest } = config ?? {};
    if (this.desiredState !== "running" || (file === undefined && parameters === undefined))
      return resolved;
    let template = resolved["TemplateBody"];
    if (typeof file === "string") template = await this.readTemplate(file);
    // As in PCF, an empty map renders nothing: the template is sent as written.
    const values = isPlainObject(parameters) ? parameters : {};
    if (typeof template === "string" && Object.keys(values).length > 0)
      try {
        template = renderTemplate(template, values);
      } catch (error) {
        throw new PcfError("DEFINITION_INVALID", `the stack template: ${messageOf(error)}`, {
          particle: this.id,
          field: "aws_resource.custom_config.template_parameters",
        });
      }
    return { ...resolved, TemplateBody: template, custom_config: rest };
  }

  /** The stacks of `names` that exist: DescribeStacks, page by page, filtered. */
  protected override async list(
    client: CloudFormationClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, LiveStack>> {
    const wanted = new Set(names);
    const found = new Map<string, LiveStack>();
    for (const stack of await describeStacks(client, signal))
      if (stack.StackName !== undefined && wanted.has(stack.StackName))
        found.set(stack.StackName, stack);
    return found;
  }

  /**
   * Every stack of the region, each with its template (GetTemplate): DescribeStacks, page by
   * page. Left out: deleted stacks and failed creates (which read terminated: they hold nothing),
   * and nested stacks, which their parent stack's template makes and deletes.
   */
  protected override async listAll(
    client: CloudFormationClient,
    { signal }: RunContext,
  ): Promise<readonly LiveStack[]> {
    const stacks = (await describeStacks(client, signal)).filter(
      (stack) => stateOf(stack.StackStatus) !== "terminated" && stack.ParentId === undefined,
    );
    const found: LiveStack[] = [];
    for (const stack of stacks) found.push(await withTemplate(client, stack, signal));
    return found;
  }

  /** Adds the template CloudFormation keeps (GetTemplate, Original) when the definition gives one. */
  protected override async complete(
    client: CloudFormationClient,
    stack: LiveStack,
    { signal }: RunContext,
  ): Promise<LiveStack | undefined> {
    // Before this run resolves the definition, a template file is not yet read into TemplateBody.
    const definition = this.desiredStateDefinition;
    const hasFile = readPath(definition, "custom_config.template_file") !== undefined;
    if (typeof definition["TemplateBody"] !== "string" && !hasFile) return stack;
    return withTemplate(client, stack, signal);
  }

  /** The stack's state (see {@link stateOf}), its settings and outputs, and its tags. */
  protected override observe(stack: LiveStack, context: RunContext): Observation {
    // Only the parameters the definition lists are compared (the others keep their defaults);
    // a definition that lists none (one being discovered) sees them all.
    const listed = this.desiredStateDefinition["Parameters"];
    const keys = Array.isArray(listed)
      ? new Set((listed as Parameter[]).map(({ ParameterKey }) => ParameterKey))
      : undefined;
    return {
      state: stateOf(stack.StackStatus),
      definition: {
        StackName: stack.StackName,
        StackId: stack.StackId,
        StackStatus: stack.StackStatus,
        ...(stack.TemplateBody === undefined ? {} : { TemplateBody: stack.TemplateBody }),
        Parameters: (stack.Parameters ?? [])
          .filter(({ ParameterKey }) => keys?.has(ParameterKey) ?? true)
          .map(({ ParameterKey, ParameterValue }) => ({ ParameterKey, ParameterValue })),
        Capabilities: stack.Capabilities ?? [],
        Outputs: (stack.Outputs ?? []).map(({ OutputKey, OutputValue }) => ({
          OutputKey,
          OutputValue,
        })),
        region_name: this.region(context),
      },
      tags: tagsFromList(stack.Tags ?? []),
    };
  }

  /**
   * CreateStack with the tags plus the ownership tag and a derived ClientRequestToken, followed
   * until the create is over.
   * @throws PcfError `TRANSITION_FAILED` with the stack's reason when the create failed.
   */
  protected override async create(
    client: CloudFormationClient,
    desired: CloudformationStackDefinition,
    context: RunContext,
  ): Promise<LiveStack | undefined> {
    const { custom_config: _config, region_name: _region, ClientRequestToken, ...input } = desired;
    // A token outlives its stack: the stacks of this name deleted since make the next token.
    const after = ClientRequestToken === undefined ? await this.deletedIds(client, context) : [];
    await client.send(
      new CreateStackCommand({
        ...input,
        Tags: ownedTagList(writtenTags(input.Tags) ?? {}, this.provenanceTags),
        ClientRequestToken:
          ClientRequestToken ?? idempotencyToken(this.id, input, { maxLength: 128, after }),
      }),
      { abortSignal: context.signal },
    );
    return this.settled(context, "be created");
  }

  /**
   * Starts the stack; one whose create failed (terminated, still listed) is deleted first, since
   * CloudFormation refuses a second stack of its name, and only when it is ours or adopted.
   * @throws PcfError `TRANSITION_FAILED` when that stack is not ours.
   */
  protected override async _start(context: RunContext): Promise<void> {
    const failed = this.live;
    if (this.state === "terminated" && failed !== undefined) {
      if (this.isOwned === false && !this.isAdopted)
        throw new PcfError(
          "TRANSITION_FAILED",
          `refusing to replace ${this.resourceLabel()} (${String(failed.StackStatus)}): it was not created by particle-cloud; delete it or adopt it`,
          { particle: this.id, field: "aws_resource.custom_config.adopt" },
        );
      const client = await this.clientIn(this.location(context), context, {
        isSingleAttempt: false,
      });
      await this.step(`delete the failed ${this.resourceLabel()}`, () =>
        this.remove(client, failed, context),
      );
      this.live = undefined;
    }
    await super._start(context);
  }

  /**
   * DeleteStack, followed until the stack is gone.
   * @throws PcfError `TRANSITION_FAILED` with the stack's reason when it ends `DELETE_FAILED`.
   */
  protected override async remove(
    client: CloudFormationClient,
    { StackId }: LiveStack,
    context: RunContext,
  ): Promise<void> {
    await client.send(new DeleteStackCommand({ StackName: StackId }), {
      abortSignal: context.signal,
    });
    const stack = await this.waitUntil(
      context,
      "be deleted",
      (live) => live === undefined || live.StackStatus === StackStatus.DELETE_FAILED,
    );
    if (stack !== undefined) throw this.stackFailure(stack, "delete");
  }

  /**
   * UpdateStack keeping the template and the parameters, with the whole tag set. The stack is
   * read first: an update just made (a new template) may have changed its parameters.
   */
  protected override async writeTags(
    client: CloudFormationClient,
    listed: LiveStack,
    { set, remove }: TagChanges,
    context: RunContext,
  ): Promise<void> {
    const stack = (await this.waitUntil(context, "be read", () => true)) ?? listed;
    const tags = { ...tagsFromList(stack.Tags ?? []), ...set };
    for (const key of remove) delete tags[key];
    await this.updateStack(
      client,
      {
        StackName: stack.StackId,
        UsePreviousTemplate: true,
        Parameters: (stack.Parameters ?? []).map(({ ParameterKey }) => ({
          ParameterKey,
          UsePreviousValue: true,
        })),
        Capabilities: stack.Capabilities,
        Tags: tagsToList(tags),
      },
      context,
    );
  }

  /** The name, the template, the parameters listed, the capabilities and the tags as sorted sets. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const capabilities = definition["Capabilities"];
    return {
      StackName: definition["StackName"],
      TemplateBody: definition["TemplateBody"],
      Parameters: comparableParameters(definition["Parameters"]),
      Capabilities:
        Array.isArray(capabilities) && capabilities.length > 0
          ? [...(capabilities as string[])].sort()
          : undefined,
      Tags: this.comparableTagsOf(definition["Tags"]),
    };
  }

  /** The ids of the deleted stacks of this name (ListStacks keeps them 90 days), sorted. */
  private async deletedIds(
    client: CloudFormationClient,
    { signal }: RunContext,
  ): Promise<string[]> {
    const ids: string[] = [];
    const filter = { StackStatusFilter: [StackStatus.DELETE_COMPLETE] };
    for await (const page of paginateListStacks({ client }, filter, { abortSignal: signal }))
      for (const { StackName, StackId } of page.StackSummaries ?? [])
        if (StackName === this.key && StackId !== undefined) ids.push(StackId);
    return ids.sort();
  }

  /** Reads the template file, relative to the working directory. */
  private async readTemplate(file: string): Promise<string> {
    const path = resolve(file);
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      throw new PcfError(
        "DEFINITION_INVALID",
        `cannot read the stack template ${path}: ${messageOf(error)}`,
        { particle: this.id, field: "aws_resource.custom_config.template_file" },
        { cause: error },
      );
    }
  }

  /**
   * Sends UpdateStack and follows it until it is over; an unchanged stack is fine.
   * @throws PcfError `TRANSITION_FAILED` with the stack's reason when the update rolled back.
   */
  private async updateStack(
    client: CloudFormationClient,
    input: ConstructorParameters<typeof UpdateStackCommand>[0],
    context: RunContext,
  ): Promise<void> {
    try {
      await client.send(new UpdateStackCommand(input), { abortSignal: context.signal });
    } catch (error) {
      if (NO_UPDATES.test(messageOf(error))) return;
      throw error;
    }
    const stack = await this.settled(context, "be updated");
    if (stack.StackStatus !== StackStatus.UPDATE_COMPLETE) throw this.stackFailure(stack, "update");
  }

  /**
   * The stack once no operation is in progress on it.
   * @throws PcfError `TRANSITION_FAILED` when it vanished, or when a create ended in failure.
   */
  private async settled(context: RunContext, what: string): Promise<LiveStack> {
    const stack = await this.waitUntil(
      context,
      what,
      (live) => live === undefined || !String(live.StackStatus).endsWith("_IN_PROGRESS"),
    );
    if (stack === undefined)
      throw new PcfError("TRANSITION_FAILED", `${this.resourceLabel()} vanished`, {
        particle: this.id,
      });
    if (FAILED_CREATES.has(String(stack.StackStatus))) throw this.stackFailure(stack, "create");
    return stack;
  }

  /** The error of a stack operation that ended in `stack`'s failed status. */
  private stackFailure(stack: LiveStack, operation: string): PcfError {
    return new PcfError(
      "TRANSITION_FAILED",
      `${operation} of ${this.resourceLabel()} ended ${String(stack.StackStatus)}: ` +
        `${stack.StackStatusReason ?? "no reason given"} (see the stack's events)`,
      { particle: this.id },
    );
  }
}

/**
 * Every stack of the region but the deleted ones: DescribeStacks, page by page (naming a stack
 * would fail the whole call when it is missing).
 */
async function describeStacks(client: CloudFormationClient, signal: AbortSignal): Promise<Stack[]> {
  const stacks: Stack[] = [];
  for await (const page of paginateDescribeStacks({ client }, {}, { abortSignal: signal }))
    stacks.push(
      ...(page.Stacks ?? []).filter((stack) => stack.StackStatus !== StackStatus.DELETE_COMPLETE),
    );
  return stacks;
}

/** `stack` with the template CloudFormation keeps for it (GetTemplate, Original), when it gives one. */
async function withTemplate(
  client: CloudFormationClient,
  stack: LiveStack,
  signal: AbortSignal,
): Promise<LiveStack> {
  const { TemplateBody } = await client.send(
    new GetTemplateCommand({ StackName: stack.StackId, TemplateStage: TemplateStage.Original }),
    { abortSignal: signal },
  );
  return TemplateBody === undefined ? stack : { ...stack, TemplateBody };
}
