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
  type CreateQueueResult,
  type GetQueueAttributesResult,
} from "@aws-sdk/client-sqs";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { commonPrefix } from "../../kit/common-prefix.js";
import {
  attributeStrings,
  changedAttributes,
  comparableAttributes,
  settableAttributes,
  type AttributeRules,
} from "../attribute-map.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { normalizeTags, tagMapSchema, withOwnershipTag } from "../tags.js";

/** Attributes SQS reports but never accepts: accepted in files (PCF's examples list them), never sent or compared. */
const READ_ONLY_ATTRIBUTES =
  /^(All|Approximate\w+|CreatedTimestamp|LastModifiedTimestamp|QueueArn)$/;

/** SQS's attribute rules: the JSON documents (compared as documents, writable as objects), the read-only ones. */
const ATTRIBUTES: AttributeRules = {
  jsonNames: new Set(["Policy", "RedrivePolicy", "RedriveAllowPolicy"]),
  isReadOnly: (name) => READ_ONLY_ATTRIBUTES.test(name),
};

/** One attribute value as a file may write it. */
const attributeValueSchema = z.union([z.string(), z.number(), z.boolean(), z.looseObject({})]);

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

/** A live queue: its URL, and its attributes once read. */
type LiveQueue = Required<Pick<CreateQueueResult, "QueueUrl">> &
  Pick<GetQueueAttributesResult, "Attributes">;

const QUEUE_GONE = { notFound: ["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"] };

/** The codes of the queue calls, by class. */
const QUEUE_ERRORS: OperationErrors = {
  CreateQueue: {
    alreadyExists: ["QueueAlreadyExists", "QueueNameExists"],
    wrongState: ["QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently"],
    invalid: ["InvalidAttributeName", "InvalidAttributeValue"],
  },
  DeleteQueue: QUEUE_GONE,
  GetQueueAttributes: QUEUE_GONE,
  GetQueueUrl: QUEUE_GONE,
  ListQueueTags: QUEUE_GONE,
  SetQueueAttributes: QUEUE_GONE,
  TagQueue: QUEUE_GONE,
  UntagQueue: QUEUE_GONE,
};

/**
 * An SQS queue, found by its name. A queue has no stopped form: stopping deletes it. Attributes
 * and tags are updated in place.
 *
 * Reads are batched: one ListQueues per region over the names' common prefix finds the queues
 * not known yet, then each costs a GetQueueAttributes (none going down), and a ListQueueTags when
 * the definition lists tags or it is going down. A known queue is read by its URL, at once.
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
export class SqsQueue extends AWSResource<SqsQueueDefinition, LiveQueue, SQSClient> {
  static override readonly flavor: string = "sqs_queue";
  static override readonly service: string = "sqs";
  static override readonly Client = SQSClient;
  static override readonly definitionSchema = sqsQueueSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.QueueName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly inPlaceFields: readonly string[] = ["Attributes", "Tags"];
  static override readonly readShape = "list-by-prefix";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateQueue";
  static override readonly operationErrors = QUEUE_ERRORS;
  // DeleteQueue answers nothing: an empty 200 that never reached SQS looks the same.
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: ["sqs:ListQueues", "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListQueueTags"],
    start: ["sqs:CreateQueue", "sqs:TagQueue"],
    update: ["sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"],
    terminate: ["sqs:DeleteQueue", "sqs:GetQueueAttributes"],
  };

  protected override readonly updaters: FieldUpdaters<SqsQueueDefinition, LiveQueue, SQSClient> = {
    // Only the attributes that differ: some (FifoQueue) cannot be set again, even to their value.
    Attributes: (sqs, { QueueUrl, Attributes: live }, { Attributes: desired = {} }, { signal }) => {
      const changed = changedAttributes(desired, live, ATTRIBUTES);
      const command = new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: Object.fromEntries(changed),
      });
      return sqs.send(command, { abortSignal: signal });
    },
  };

  /** The queues of `keys`: by URL where known, by GetQueueUrl when another account's, else listed. */
  protected override async list(
    client: SQSClient,
    keys: readonly string[],
    { signal }: RunContext,
    known: ReadonlyMap<string, LiveQueue>,
  ): Promise<ReadonlyMap<string, LiveQueue>> {
    const found = new Map<string, LiveQueue>();
    const names = keys.filter((key) => !known.has(key) && !key.includes("/"));
    if (names.length > 0)
      for (const QueueUrl of await queueUrls(client, commonPrefix(names), signal))
        if (names.includes(nameOf(QueueUrl))) found.set(nameOf(QueueUrl), { QueueUrl });
    const readDirectly = async (key: string): Promise<LiveQueue> => {
      // Not known: the key is another account's queue, `owner/name`.
      const [QueueOwnerAWSAccountId, QueueName] = key.split("/");
      const command = new GetQueueUrlCommand({ QueueName, QueueOwnerAWSAccountId });
      const url =
        known.get(key)?.QueueUrl ?? (await client.send(command, { abortSignal: signal })).QueueUrl;
      return this.readQueue(client, required(url, "queue URL"), signal);
    };
    const read = async (key: string): Promise<void> => {
      const queue = await this.unlessGone(`read queue ${key}`, () => readDirectly(key));
      if (queue !== undefined) found.set(key, queue);
    };
    await Promise.all(keys.filter((key) => !names.includes(key)).map(read));
    return found;
  }

  /**
   * Every queue of the account in the region, with its attributes: ListQueues, then a
   * GetQueueAttributes each (a queue deleted meanwhile is left out). Other accounts' queues are
   * not listed: a definition names them by `OwnerAwsId`, which no listing tells.
   */
  protected override async listAll(
    client: SQSClient,
    { signal }: RunContext,
  ): Promise<readonly LiveQueue[]> {
    const urls = await queueUrls(client, "", signal);
    const queues = await Promise.all(
      urls.map((url) =>
        this.unlessGone(`read queue ${nameOf(url)}`, () => this.readQueue(client, url, signal)),
      ),
    );
    return queues.filter((queue) => queue !== undefined);
  }

  /** A listed queue's attributes, read unless it is going down (only its tags matter then). */
  protected override async complete(
    client: SQSClient,
    queue: LiveQueue,
    { signal }: RunContext,
  ): Promise<LiveQueue> {
    if (queue.Attributes !== undefined || this.isGoingDown) return queue;
    return this.readQueue(client, queue.QueueUrl, signal);
  }

  /** A queue is running; SQS lists FifoQueue only for FIFO queues, so a standard one reads false. */
  protected override observe(queue: LiveQueue, context: RunContext): Observation {
    const { QueueUrl, Attributes } = queue;
    const attributes = Attributes && { [QueueAttributeName.FifoQueue]: "false", ...Attributes };
    const region_name = this.region(context);
    return {
      state: "running",
      definition: { QueueName: nameOf(QueueUrl), QueueUrl, Attributes: attributes, region_name },
    };
  }

  /** CreateQueue with the attributes (FifoQueue for a `.fifo` name), the tags and the ownership tag. */
  protected override async create(
    client: SQSClient,
    { QueueName, Attributes, Tags }: SqsQueueDefinition,
    { signal }: RunContext,
  ): Promise<LiveQueue> {
    const fifo = QueueName.endsWith(".fifo") ? { [QueueAttributeName.FifoQueue]: "true" } : {};
    const attributes = { ...fifo, ...attributeStrings(Attributes ?? {}, ATTRIBUTES) };
    const tags = withOwnershipTag(normalizeTags(Tags ?? {}), this.provenanceTags);
    const command = new CreateQueueCommand({ QueueName, Attributes: attributes, tags });
    const { QueueUrl } = await client.send(command, { abortSignal: signal });
    return { QueueUrl: required(QueueUrl, "queue URL"), Attributes: attributes };
  }

  protected override async remove(
    client: SQSClient,
    { QueueUrl }: LiveQueue,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteQueueCommand({ QueueUrl }), { abortSignal: signal });
  }

  protected override async readTags(
    client: SQSClient,
    { QueueUrl }: LiveQueue,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const command = new ListQueueTagsCommand({ QueueUrl });
    return (await client.send(command, { abortSignal: signal })).Tags ?? {};
  }

  protected override async writeTags(
    client: SQSClient,
    { QueueUrl }: LiveQueue,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const untag = new UntagQueueCommand({ QueueUrl, TagKeys: remove });
    if (remove.length > 0) await client.send(untag, { abortSignal: signal });
    const tag = new TagQueueCommand({ QueueUrl, Tags: set });
    if (Object.keys(set).length > 0) await client.send(tag, { abortSignal: signal });
  }

  /**
   * The generic block, without the attributes SQS reports but never takes (`QueueArn`, counts,
   * timestamps) and without the `FifoQueue: "false"` that `observe` fills in: a create sends
   * what the block lists, and SQS refuses `FifoQueue` on a standard queue.
   */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const { FifoQueue, ...settable } =
      settableAttributes(observation.definition["Attributes"], ATTRIBUTES) ?? {};
    const Attributes = FifoQueue === "true" ? { ...settable, FifoQueue } : settable;
    const definition = { ...observation.definition, Attributes };
    return super.discoveredResource({ ...observation, definition }, ownTags);
  }

  /** The name, after the owner's account (`123456789012/jobs`) when `OwnerAwsId` is set. */
  protected override get key(): string {
    const owner = this.desiredStateDefinition["OwnerAwsId"];
    return typeof owner === "string" ? `${owner}/${super.key}` : super.key;
  }

  /** The queue name, the listed attributes (as SQS reports them) and, when given, the tags. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { QueueName, Attributes, Tags } = definition;
    const attributes = comparableAttributes(Attributes, ATTRIBUTES);
    return { QueueName, Attributes: attributes, Tags: this.comparableTagsOf(Tags) };
  }

  private async readQueue(
    sqs: SQSClient,
    QueueUrl: string,
    signal: AbortSignal,
  ): Promise<LiveQueue> {
    const command = new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] });
    const { Attributes = {} } = await sqs.send(command, { abortSignal: signal });
    return { QueueUrl, Attributes };
  }
}

/** The URLs of the region's queues named from `prefix` (every queue for `""`): ListQueues, page by page. */
async function queueUrls(
  client: SQSClient,
  prefix: string,
  signal: AbortSignal,
): Promise<string[]> {
  const urls: string[] = [];
  const input = { QueueNamePrefix: prefix || undefined, MaxResults: 1000 };
  for await (const page of paginateListQueues({ client }, input, { abortSignal: signal }))
    urls.push(...(page.QueueUrls ?? []));
  return urls;
}

/** The queue name a URL ends in. */
function nameOf(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}
