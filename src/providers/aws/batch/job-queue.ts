import {
  type BatchClient,
  CreateJobQueueCommand,
  DeleteJobQueueCommand,
  UpdateJobQueueCommand,
  paginateDescribeComputeEnvironments,
  paginateDescribeJobQueues,
  type ComputeEnvironmentOrder,
  type JobQueueDetail,
} from "@aws-sdk/client-batch";
import * as z from "zod";
import { PcfError, listNames } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { actionsOf, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { normalizeTags, tagMapSchema, withOwnershipTag } from "../tags.js";
import {
  BATCH_CLIENT_ERROR,
  BATCH_DESCRIBE_LIMIT,
  BatchResource,
  batchNameOf,
  batchStateOf,
  batchStateSchema,
  isDeleted,
} from "./batch-resource.js";

/** The `aws_resource` block of a `batch_job_queue` particle: CreateJobQueue's parameters. */
export const batchJobQueueSchema = z.strictObject({
  /** The queue's name: 1–128 letters, digits, `-` and `_`. Required: it is the unique key. */
  jobQueueName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, "expected up to 128 letters, digits, - and _"),
  /** See {@link batchStateSchema}: the particle's state decides. */
  state: batchStateSchema,
  /** Higher runs first among queues sharing an environment. Required. Changes in place. */
  priority: z.int().min(0).max(1000),
  /**
   * `[{ order, computeEnvironment }]`: the environments jobs go to, by name or ARN, lowest order
   * first. Required. Compared by name in order; changes in place.
   */
  computeEnvironmentOrder: z
    .array(z.strictObject({ order: z.int().min(0), computeEnvironment: z.string().min(1) }))
    .min(1)
    .max(3),
  /** The fair-share scheduling policy's ARN. Default: not compared; first in, first out. Changes in place. */
  schedulingPolicyArn: z.string().regex(/^arn:/, "expected the policy's ARN").optional(),
  /**
   * The queue's whole tag set, as a map. Tags not listed are removed on update; the ownership tag
   * is always kept. Default: not compared.
   */
  tags: tagMapSchema.optional(),
  /** The queue's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of a `batch_job_queue` particle. */
export type BatchJobQueueDefinition = z.infer<typeof batchJobQueueSchema>;

/** Batch reports every failure as ClientException; none can be told apart by its code. */
const QUEUE_ERRORS: OperationErrors = {
  CreateJobQueue: { invalid: BATCH_CLIENT_ERROR },
  DescribeJobQueues: { invalid: BATCH_CLIENT_ERROR },
  DescribeComputeEnvironments: { invalid: BATCH_CLIENT_ERROR },
  UpdateJobQueue: { invalid: BATCH_CLIENT_ERROR },
  DeleteJobQueue: { invalid: BATCH_CLIENT_ERROR },
  TagResource: { invalid: BATCH_CLIENT_ERROR },
  UntagResource: { invalid: BATCH_CLIENT_ERROR },
};

const ENVIRONMENT = "compute-environment";

/** The order as compared: by `order`, each environment by name (AWS answers ARNs). */
function comparableOrder(order: unknown): unknown {
  if (!Array.isArray(order)) return order;
  return [...(order as ComputeEnvironmentOrder[])]
    .sort((a, b) => Number(a.order) - Number(b.order))
    .map(({ order: position, computeEnvironment }) => ({
      order: position,
      computeEnvironment: batchNameOf(computeEnvironment, ENVIRONMENT),
    }));
}

/**
 * A Batch job queue, found by its name. ENABLED reads running and DISABLED stopped (its stopped
 * form: stop disables it, start enables it again); CREATING, UPDATING and DELETING read pending;
 * DELETED counts as gone. The priority, the compute environment order, the scheduling policy and
 * the tags change in place (UpdateJobQueue, TagResource); nothing is fixed. The ownership tag
 * goes in CreateJobQueue itself. Terminate disables the queue first (Batch deletes only disabled
 * queues), then deletes it and waits until it is gone.
 *
 * The environments are written by name or ARN and compared by name: AWS answers ARNs. Names are
 * resolved to ARNs (one DescribeComputeEnvironments) before CreateJobQueue and UpdateJobQueue.
 *
 * Reads are batched: one DescribeJobQueues per region naming up to 100 queues, whose answer
 * carries the tags.
 *
 * PCF: its `state` field is accepted and not compared (the particle's state decides); the
 * environment order compares by name, so a file naming environments converges.
 *
 * @example
 * ```ts
 * const queue = new BatchJobQueue({
 *   pcf_name: "jobs",
 *   flavor: "batch_job_queue",
 *   aws_resource: {
 *     jobQueueName: "jobs",
 *     priority: 1,
 *     computeEnvironmentOrder: [{ order: 1, computeEnvironment: "capacity" }],
 *   },
 * });
 * await queue.apply();
 * ```
 */
export class BatchJobQueue extends BatchResource<BatchJobQueueDefinition, JobQueueDetail> {
  static override readonly flavor: string = "batch_job_queue";
  static override readonly definitionSchema = batchJobQueueSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.jobQueueName"];
  static override readonly fixedFields: readonly string[] = [];
  static override readonly inPlaceFields: readonly string[] = [
    "priority",
    "computeEnvironmentOrder",
    "schedulingPolicyArn",
    "tags",
  ];
  static override readonly createOperation: string = "CreateJobQueue";
  static override readonly operationErrors = QUEUE_ERRORS;
  static override readonly actions = actionsOf("batch", {
    read: "DescribeJobQueues",
    start: "DescribeComputeEnvironments CreateJobQueue TagResource UpdateJobQueue",
    stop: "UpdateJobQueue",
    update: "DescribeComputeEnvironments UpdateJobQueue TagResource UntagResource",
    terminate: "UpdateJobQueue DeleteJobQueue DescribeJobQueues",
  });

  protected override readonly updaters: FieldUpdaters<
    BatchJobQueueDefinition,
    JobQueueDetail,
    BatchClient
  > = {
    priority: (client, { jobQueueArn }, { priority }, { signal }) =>
      client.send(new UpdateJobQueueCommand({ jobQueue: jobQueueArn, priority }), {
        abortSignal: signal,
      }),
    computeEnvironmentOrder: async (client, { jobQueueArn }, desired, context) =>
      client.send(
        new UpdateJobQueueCommand({
          jobQueue: jobQueueArn,
          computeEnvironmentOrder: await this.resolvedOrder(client, desired, context),
        }),
        { abortSignal: context.signal },
      ),
    schedulingPolicyArn: (client, { jobQueueArn }, { schedulingPolicyArn }, { signal }) =>
      client.send(new UpdateJobQueueCommand({ jobQueue: jobQueueArn, schedulingPolicyArn }), {
        abortSignal: signal,
      }),
  };

  /** The queues of `names` that exist: DescribeJobQueues, 100 names a call. */
  protected override async list(
    client: BatchClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, JobQueueDetail>> {
    const found = new Map<string, JobQueueDetail>();
    for (let start = 0; start < names.length; start += BATCH_DESCRIBE_LIMIT) {
      const input = { jobQueues: names.slice(start, start + BATCH_DESCRIBE_LIMIT) };
      for (const queue of await describeQueues(client, input, signal))
        found.set(String(queue.jobQueueName), queue);
    }
    return found;
  }

  /**
   * Every job queue of the region: DescribeJobQueues without names, page by page. DELETED ones,
   * which Batch lists for a while, are left out.
   */
  protected override listAll(
    client: BatchClient,
    { signal }: RunContext,
  ): Promise<readonly JobQueueDetail[]> {
    return describeQueues(client, {}, signal);
  }

  /** See {@link batchStateOf}. */
  protected override observe(queue: JobQueueDetail, context: RunContext): Observation {
    return {
      state: batchStateOf(queue),
      definition: {
        jobQueueName: queue.jobQueueName,
        jobQueueArn: queue.jobQueueArn,
        state: queue.state,
        status: queue.status,
        statusReason: queue.statusReason,
        priority: queue.priority,
        computeEnvironmentOrder: queue.computeEnvironmentOrder ?? [],
        ...(queue.schedulingPolicyArn === undefined
          ? {}
          : { schedulingPolicyArn: queue.schedulingPolicyArn }),
        region_name: this.region(context),
      },
      tags: queue.tags ?? {},
    };
  }

  /** CreateJobQueue, ENABLED, with the environments' ARNs and the tags plus the ownership tag. */
  protected override async create(
    client: BatchClient,
    desired: BatchJobQueueDefinition,
    context: RunContext,
  ): Promise<undefined> {
    const { jobQueueName, priority, schedulingPolicyArn, tags } = desired;
    await client.send(
      new CreateJobQueueCommand({
        jobQueueName,
        state: "ENABLED",
        priority,
        computeEnvironmentOrder: await this.resolvedOrder(client, desired, context),
        ...(schedulingPolicyArn === undefined ? {} : { schedulingPolicyArn }),
        tags: withOwnershipTag(normalizeTags(tags ?? {}), this.provenanceTags),
      }),
      { abortSignal: context.signal },
    );
    return undefined;
  }

  protected override arnOf(queue: JobQueueDetail): string | undefined {
    return queue.jobQueueArn;
  }

  /** UpdateJobQueue of the state. */
  protected override async setState(
    client: BatchClient,
    { jobQueueArn }: JobQueueDetail,
    state: "ENABLED" | "DISABLED",
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new UpdateJobQueueCommand({ jobQueue: jobQueueArn, state }), {
      abortSignal: signal,
    });
  }

  /** DeleteJobQueue. */
  protected override async sendDelete(
    client: BatchClient,
    { jobQueueArn }: JobQueueDetail,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteJobQueueCommand({ jobQueue: jobQueueArn }), {
      abortSignal: signal,
    });
  }

  /** The name, priority, order by environment name, policy and tags; `state` is not compared. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { jobQueueName, priority, computeEnvironmentOrder, schedulingPolicyArn, tags } =
      definition;
    return {
      jobQueueName,
      priority,
      computeEnvironmentOrder: comparableOrder(computeEnvironmentOrder),
      schedulingPolicyArn,
      tags: this.comparableTagsOf(tags),
    };
  }

  /**
   * The written order with each environment as its ARN: names are looked up with one
   * DescribeComputeEnvironments.
   * @throws PcfError `TRANSITION_FAILED` naming the environments that do not exist.
   */
  private async resolvedOrder(
    client: BatchClient,
    { computeEnvironmentOrder }: BatchJobQueueDefinition,
    { signal }: RunContext,
  ): Promise<ComputeEnvironmentOrder[]> {
    const names = computeEnvironmentOrder
      .map(({ computeEnvironment }) => computeEnvironment)
      .filter((environment) => !environment.startsWith("arn:"));
    const arns = new Map<string, string>();
    if (names.length > 0)
      for await (const page of paginateDescribeComputeEnvironments(
        { client },
        { computeEnvironments: names },
        { abortSignal: signal },
      ))
        for (const {
          computeEnvironmentName,
          computeEnvironmentArn,
          status,
        } of page.computeEnvironments ?? [])
          if (computeEnvironmentName !== undefined && computeEnvironmentArn !== undefined)
            if (status !== "DELETED") arns.set(computeEnvironmentName, computeEnvironmentArn);
    const missing = names.filter((name) => !arns.has(name));
    if (missing.length > 0)
      throw new PcfError(
        "TRANSITION_FAILED",
        `${this.resourceLabel()}: no compute environment ${listNames(missing)} in its region`,
        { particle: this.id, field: "aws_resource.computeEnvironmentOrder" },
      );
    return computeEnvironmentOrder.map(({ order, computeEnvironment }) => ({
      order,
      computeEnvironment: arns.get(computeEnvironment) ?? computeEnvironment,
    }));
  }
}

/** The named, not DELETED job queues DescribeJobQueues gives for `input`, page by page. */
async function describeQueues(
  client: BatchClient,
  input: { readonly jobQueues?: string[] },
  signal: AbortSignal,
): Promise<JobQueueDetail[]> {
  const queues: JobQueueDetail[] = [];
  for await (const page of paginateDescribeJobQueues({ client }, input, { abortSignal: signal }))
    for (const queue of page.jobQueues ?? [])
      if (queue.jobQueueName !== undefined && !isDeleted(queue)) queues.push(queue);
  return queues;
}
