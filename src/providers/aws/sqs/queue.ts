import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  QueueAttributeName,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
  paginateListQueues,
  type CreateQueueCommandInput,
} from "@aws-sdk/client-sqs";
import * as z from "zod";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { isPlainObject } from "../../../core/values.js";
import { commonPrefix } from "../common-prefix.js";
import { isConflict, wrapAwsError } from "../errors.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { LegacyAWSResource } from "../legacy-resource.js";
import {
  comparableTags,
  hasOwnershipTag,
  normalizeTags,
  sendTagChanges,
  tagMapSchema,
  withOwnershipTag,
} from "../tags.js";
import {
  attributeValueSchema,
  changedAttributes,
  comparableAttributes,
  writableAttributes,
} from "./queue-attributes.js";

/** The `aws_resource` block of an `sqs_queue` particle: CreateQueue's parameters, as PCF writes them. */
export const sqsQueueSchema = z.looseObject({
  /** The queue's name (up to 80 characters; FIFO queues end in `.fifo`). Required: it is the unique key. */
  QueueName: z.string().min(1).max(80),
  /**
   * Queue attributes by SQS name (`VisibilityTimeout`, `RedrivePolicy`, …). Values may be
   * strings, numbers or booleans, and the JSON ones (`Policy`, `RedrivePolicy`,
   * `RedriveAllowPolicy`) objects; all are sent as strings. Only the attributes listed are
   * compared and updated; read-only ones (`QueueArn`, `ApproximateNumberOf…`, timestamps) are
   * ignored. Default: SQS's defaults. `FifoQueue` defaults to true for a name ending in `.fifo`.
   */
  Attributes: z.partialRecord(z.enum(QueueAttributeName), attributeValueSchema).optional(),
  /**
   * The queue's whole tag set, as a map. Tags not listed are removed on update; the
   * `pcf:managed-by` ownership tag is always kept. Default: tags are neither read nor compared.
   */
  Tags: tagMapSchema.optional(),
  /** The account owning the queue, when it is not the caller's (read only; created queues are the caller's). */
  OwnerAwsId: z
    .string()
    .regex(/^\d{12}$/, "expected a 12-digit account id")
    .optional(),
  /** The queue's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `sqs_queue` particle. */
export type SqsQueueDefinition = z.infer<typeof sqsQueueSchema>;

/** DeleteQueue calls sent at most while the queue still answers after one. */
const DELETE_ATTEMPTS = 3;

/**
 * An SQS queue, found by its name. A queue has no stopped form: stopping deletes it.
 * Attributes and tags are updated in place.
 *
 * Reads are batched: one ListQueues per region (by the names' common prefix) finds the queues
 * whose URL is not yet known, then each existing queue costs one GetQueueAttributes (plus
 * ListQueueTags when its definition lists tags). A queue this particle created or found before
 * is read by its URL, which SQS answers at once even while ListQueues does not show it yet.
 *
 * @example
 * ```ts
 * const jobs = new SqsQueue({
 *   pcf_name: "jobs",
 *   flavor: "sqs_queue",
 *   aws_resource: { QueueName: "jobs", Attributes: { VisibilityTimeout: 60 }, Tags: { team: "data" } },
 * });
 * await jobs.apply();
 * ```
 */
export class SqsQueue extends LegacyAWSResource<SqsQueueDefinition> {
  static override readonly flavor: string = "sqs_queue";
  static override readonly service: string = "sqs";
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.QueueName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = sqsQueueSchema;

  /** The queue's URL once found or created; a cache only, checked by every read. */
  private queueUrl: string | undefined = undefined;
  /** The live tags, when read. */
  private currentTags: Record<string, string> | undefined = undefined;

  /** Reads every queue of `particles`: one ListQueues per region for those without a known URL. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const queues = particles.filter(
      (particle): particle is SqsQueue => particle instanceof SqsQueue,
    );
    await SqsQueue.readByRegion(queues, context, SQSClient, async (group, client) => {
      const unknown = group.filter(
        (queue) => queue.queueUrl === undefined && queue.ownerAccount === undefined,
      );
      const names = unknown.map((queue) => queue.queueName);
      const prefix = commonPrefix(names);
      const listed =
        unknown.length === 0
          ? new Map<string, string>()
          : await SqsQueue.listFor(unknown, `list queues named ${prefix}*`, () =>
              listQueueUrls(client, { names, prefix }, context.signal),
            );
      await readEach(group, async (queue) => {
        if (unknown.includes(queue)) queue.queueUrl = listed.get(queue.queueName);
        else if (queue.queueUrl === undefined)
          queue.queueUrl = await queue.findOwnedElsewhere(client, context);
        await queue.readQueue(client, context);
      });
    });
  }

  /** Reads this queue: `running` when it exists, else `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof SqsQueue).syncAll([this], context);
  }

  /**
   * Creates the queue with its attributes, its tags and the ownership tag in one call, and
   * records what that call set: no GetQueueAttributes confirms it. A child that inherits a value
   * only a read gives (`Attributes.QueueArn`) makes the engine read the queue then.
   */
  protected override async _start(context: RunContext): Promise<void> {
    const client = await this.client(SQSClient, context);
    const input = toCreateInput(this.desiredDefinition());
    try {
      const { QueueUrl } = await client.send(new CreateQueueCommand(input), {
        abortSignal: context.signal,
      });
      this.queueUrl = QueueUrl;
    } catch (error) {
      const hint = isConflict(error)
        ? " (a queue of that name exists with other attributes, or was deleted less than 60 s ago)"
        : "";
      throw wrapAwsError(error, this.id, `create queue ${this.queueName}${hint}`);
    }
    this.isOwned = true;
    this.currentTags = input.tags;
    this.recordState(
      "running",
      this.liveDefinition(input.Attributes ?? {}, input.tags, context),
      context,
    );
  }

  /** Deletes the queue, and reads its URL to see it gone; a queue already gone is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    const QueueUrl = this.queueUrl;
    if (QueueUrl === undefined) return;
    const client = await this.client(SQSClient, context);
    // DeleteQueue's answer carries nothing: an empty 200 that never reached SQS looks the same.
    // So the queue's URL is read after it (ListQueueTags, not ListQueues, which may list a
    // deleted queue for up to 60 s), and the delete sent again while the queue answers. If it
    // still does, nothing is recorded and the engine's read decides.
    for (let attempt = 1; attempt <= DELETE_ATTEMPTS; attempt += 1) {
      await this.deleteUnlessGone(`delete queue ${this.queueName}`, () =>
        client.send(new DeleteQueueCommand({ QueueUrl }), { abortSignal: context.signal }),
      );
      if ((await this.readTags(client, context)) === undefined) {
        this.queueUrl = undefined;
        this.recordState("terminated", {}, context);
        return;
      }
    }
  }

  /** Sets the attributes that differ, then brings the tags to the definition's set. */
  protected override async _update(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const client = await this.client(SQSClient, context);
    const queueUrl = this.queueUrl;
    if (queueUrl === undefined) return;
    const abortSignal = context.signal;
    const changed = changedAttributes(
      desired.Attributes ?? {},
      this.currentStateDefinition["Attributes"],
    );
    try {
      if (Object.keys(changed).length > 0)
        await client.send(
          new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: changed }),
          { abortSignal },
        );
      if (desired.Tags !== undefined)
        await sendTagChanges(this.currentTags ?? {}, normalizeTags(desired.Tags), {
          untag: (TagKeys) =>
            client.send(new UntagQueueCommand({ QueueUrl: queueUrl, TagKeys }), { abortSignal }),
          tag: (Tags) =>
            client.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags }), { abortSignal }),
        });
    } catch (error) {
      throw wrapAwsError(error, this.id, `update queue ${this.queueName}`);
    }
  }

  /** Reads the tags, when `syncState` did not, to tell whether the queue is ours. */
  protected override readOwnership(context: RunContext): Promise<boolean> {
    return this.ownershipFromTags(async () =>
      this.readTags(await this.client(SQSClient, context), context),
    );
  }

  /** The queue name, the listed attributes (as SQS reports them) and, when given, the tags. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { QueueName, Attributes, Tags } = definition;
    return {
      QueueName,
      ...(isPlainObject(Attributes) ? { Attributes: comparableAttributes(Attributes) } : {}),
      ...(isPlainObject(Tags) ? { Tags: comparableTags(tagMapSchema.parse(Tags)) } : {}),
    };
  }

  private get queueName(): string {
    return String(this.desiredStateDefinition["QueueName"]);
  }

  private get ownerAccount(): string | undefined {
    const owner = this.desiredStateDefinition["OwnerAwsId"];
    return typeof owner === "string" ? owner : undefined;
  }

  private get wantsTags(): boolean {
    return this.desiredStateDefinition["Tags"] !== undefined;
  }

  /**
   * Sets the state from the queue at `queueUrl`: its attributes, and its tags when the definition
   * lists some, read at once. A queue going down needs only its tags, for the ownership guard;
   * they also tell whether it still exists.
   */
  private async readQueue(client: SQSClient, context: RunContext): Promise<void> {
    this.isOwned = undefined;
    this.currentTags = undefined;
    const readsAttributes = !this.isGoingDown;
    const readsTags = this.wantsTags || this.isGoingDown;
    const [attributes, tags] =
      this.queueUrl === undefined
        ? [undefined, undefined]
        : await Promise.all([
            readsAttributes ? this.readAttributes(client, context) : undefined,
            readsTags ? this.readTags(client, context) : undefined,
          ]);
    if (
      this.queueUrl === undefined ||
      (readsAttributes && attributes === undefined) ||
      (readsTags && tags === undefined)
    ) {
      this.queueUrl = undefined;
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    this.state = "running";
    this.currentStateDefinition = this.liveDefinition(attributes, tags, context);
  }

  /** The live queue as `currentStateDefinition` holds it, whether read or just created. */
  private liveDefinition(
    attributes: Record<string, string> | undefined,
    tags: Record<string, string> | undefined,
    context: RunContext,
  ): Record<string, unknown> {
    return {
      QueueName: this.queueName,
      QueueUrl: this.queueUrl,
      // SQS lists FifoQueue only for FIFO queues; a standard queue is FifoQueue=false.
      ...(attributes === undefined
        ? {}
        : { Attributes: { [QueueAttributeName.FifoQueue]: "false", ...attributes } }),
      region_name: this.region(context),
      ...(tags === undefined || !this.wantsTags ? {} : { Tags: tags }),
    };
  }

  private async readAttributes(
    client: SQSClient,
    context: RunContext,
  ): Promise<Record<string, string> | undefined> {
    return this.readUnlessGone(`read queue ${this.queueName}`, async () => {
      const { Attributes = {} } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ["All"] }),
        { abortSignal: context.signal },
      );
      return Attributes;
    });
  }

  /** The queue's tags, or `undefined` when it is gone. Sets `isOwned`. */
  private async readTags(
    client: SQSClient,
    context: RunContext,
  ): Promise<Record<string, string> | undefined> {
    const QueueUrl = this.queueUrl;
    if (QueueUrl === undefined) return undefined;
    const tags = await this.readUnlessGone(`read the tags of queue ${this.queueName}`, async () => {
      const { Tags = {} } = await client.send(new ListQueueTagsCommand({ QueueUrl }), {
        abortSignal: context.signal,
      });
      return Tags;
    });
    if (tags === undefined) return undefined;
    this.isOwned = hasOwnershipTag(tags);
    this.currentTags = tags;
    return tags;
  }

  /** The URL of a queue in another account (`OwnerAwsId`), which ListQueues cannot see. */
  private async findOwnedElsewhere(
    client: SQSClient,
    context: RunContext,
  ): Promise<string | undefined> {
    return this.readUnlessGone(`find queue ${this.queueName}`, async () => {
      const { QueueUrl } = await client.send(
        new GetQueueUrlCommand({
          QueueName: this.queueName,
          QueueOwnerAWSAccountId: this.ownerAccount,
        }),
        { abortSignal: context.signal },
      );
      return QueueUrl;
    });
  }
}

/** The URLs of the queues of `names` that exist, by name: ListQueues over `prefix` (common to the names), page by page. */
async function listQueueUrls(
  client: SQSClient,
  { names, prefix }: { readonly names: readonly string[]; readonly prefix: string },
  abortSignal: AbortSignal,
): Promise<Map<string, string>> {
  const wanted = new Set(names);
  const urls = new Map<string, string>();
  const input = { ...(prefix === "" ? {} : { QueueNamePrefix: prefix }), MaxResults: 1000 };
  for await (const page of paginateListQueues({ client }, input, { abortSignal }))
    for (const url of page.QueueUrls ?? []) {
      const name = url.slice(url.lastIndexOf("/") + 1);
      if (wanted.has(name)) urls.set(name, url);
    }
  return urls;
}

/** CreateQueue's input: name, writable attributes as strings, tags plus the ownership tag. */
function toCreateInput(definition: SqsQueueDefinition): CreateQueueCommandInput {
  const attributes = writableAttributes(definition.Attributes ?? {});
  if (
    definition.QueueName.endsWith(".fifo") &&
    attributes[QueueAttributeName.FifoQueue] === undefined
  ) {
    attributes[QueueAttributeName.FifoQueue] = "true";
  }
  return {
    QueueName: definition.QueueName,
    ...(Object.keys(attributes).length === 0 ? {} : { Attributes: attributes }),
    tags: withOwnershipTag(normalizeTags(definition.Tags ?? {})),
  };
}
