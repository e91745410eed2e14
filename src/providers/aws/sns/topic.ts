import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListTagsForResourceCommand,
  SetTopicAttributesCommand,
  SNSClient,
  TagResourceCommand,
  UntagResourceCommand,
  paginateListTopics,
} from "@aws-sdk/client-sns";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { writtenTags, type TagChanges, type TagMap } from "../../kit/tags.js";
import {
  attributeStrings,
  changedAttributes,
  comparableAttributes,
  settableAttributes,
  type AttributeRules,
} from "../attribute-map.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList, tagsToList } from "../tags.js";

/** The delivery-status logging attributes, per protocol (`SQSSuccessFeedbackRoleArn`, …). */
const FEEDBACK_ATTRIBUTES = ["Application", "Firehose", "HTTP", "Lambda", "SQS"].flatMap(
  (protocol) => [
    `${protocol}SuccessFeedbackRoleArn`,
    `${protocol}SuccessFeedbackSampleRate`,
    `${protocol}FailureFeedbackRoleArn`,
  ],
);

/** The topic attributes CreateTopic and SetTopicAttributes take. */
const TOPIC_ATTRIBUTES = [
  "DisplayName",
  "Policy",
  "DeliveryPolicy",
  "KmsMasterKeyId",
  "SignatureVersion",
  "TracingConfig",
  "FifoTopic",
  "ContentBasedDeduplication",
  "ArchivePolicy",
  "FifoThroughputScope",
  ...FEEDBACK_ATTRIBUTES,
] as const;

/** The names of {@link TOPIC_ATTRIBUTES}, to tell them from those SNS only reports. */
const SETTABLE_ATTRIBUTES: ReadonlySet<string> = new Set(TOPIC_ATTRIBUTES);

/**
 * SNS's attribute rules: which values are JSON documents (compared as documents, writable as
 * objects); those outside {@link TOPIC_ATTRIBUTES} (`Owner`, `SubscriptionsConfirmed`, …) SNS
 * only reports.
 */
const ATTRIBUTES: AttributeRules = {
  jsonNames: new Set(["Policy", "DeliveryPolicy", "ArchivePolicy"]),
  isReadOnly: (name) => !SETTABLE_ATTRIBUTES.has(name),
};

/** The attribute SNS takes only at creation; it follows from the name (`.fifo`). */
const FIFO_TOPIC = "FifoTopic";

/** One attribute value as a file may write it. */
const attributeValueSchema = z.union([z.string(), z.number(), z.boolean(), z.looseObject({})]);

/** Standard topic names: 1 to 256 letters, digits, `-` and `_`; FIFO ones end in `.fifo`. */
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$|^[A-Za-z0-9_-]{1,251}\.fifo$/;

/** The `aws_resource` block of an `sns_topic` particle: CreateTopic's parameters. */
export const snsTopicSchema = z
  .strictObject({
    /**
     * The topic's name (up to 256 letters, digits, `-` and `_`; a FIFO topic's ends in `.fifo`).
     * Required: it is the unique key.
     */
    Name: z
      .string()
      .regex(TOPIC_NAME, "expected up to 256 letters, digits, - and _, with .fifo for FIFO"),
    /**
     * Topic attributes by SNS name (`DisplayName`, `Policy`, `DeliveryPolicy`, `KmsMasterKeyId`,
     * …). Values may be strings, numbers or booleans, and the JSON ones (`Policy`,
     * `DeliveryPolicy`, `ArchivePolicy`) objects; all are sent as strings. Only the attributes
     * listed are compared and changed in place (SetTopicAttributes, one per attribute). Default:
     * SNS's defaults. `FifoTopic` follows from the name: true for a name ending in `.fifo` (the
     * default), false otherwise; a topic never changes it.
     */
    Attributes: z.partialRecord(z.enum(TOPIC_ATTRIBUTES), attributeValueSchema).optional(),
    /**
     * The topic's whole tag set, as `[{ Key, Value }]` (CreateTopic's form) or a map. Tags not
     * listed are removed on update; the ownership tag is always kept. Default: not compared.
     */
    Tags: tagInputSchema.optional(),
    /** The topic's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
    region_name: regionNameSchema,
    /** `adopt`: see {@link awsCustomConfigSchema}. */
    custom_config: awsCustomConfigSchema.optional(),
  })
  .superRefine(({ Name, Attributes }, issues) => {
    const fifo = Attributes?.[FIFO_TOPIC];
    const isFifo = Name.endsWith(".fifo");
    if (fifo !== undefined && fifo !== isFifo && fifo !== String(isFifo))
      issues.addIssue({
        code: "custom",
        path: ["Attributes", FIFO_TOPIC],
        message: "FifoTopic follows from the name: true exactly when it ends in .fifo",
      });
  });

/** What a user writes in the `aws_resource` block of an `sns_topic` particle. */
export type SnsTopicDefinition = z.infer<typeof snsTopicSchema>;

/** A live topic: its ARN, and its attributes once read. */
interface LiveTopic {
  readonly TopicArn: string;
  readonly Attributes?: Readonly<Record<string, string>> | undefined;
}

const TOPIC_GONE = ["NotFoundException"];
const TAGS_GONE = ["ResourceNotFoundException"];
const TAG_INVALID = ["TagLimitExceededException", "TagPolicyException", "StaleTagException"];

/** The codes of the topic calls, by class. */
const TOPIC_ERRORS: OperationErrors = {
  CreateTopic: {
    inUse: ["ConcurrentAccessException"],
    invalid: [
      "InvalidParameterException",
      "InvalidParameterValueException",
      "InvalidSecurityException",
      "TopicLimitExceededException",
      ...TAG_INVALID,
    ],
  },
  DeleteTopic: {
    notFound: TOPIC_GONE,
    inUse: ["ConcurrentAccessException"],
    wrongState: ["InvalidStateException"],
    invalid: ["InvalidParameterException", ...TAG_INVALID],
  },
  GetTopicAttributes: { notFound: TOPIC_GONE, invalid: ["InvalidParameterException"] },
  SetTopicAttributes: {
    notFound: TOPIC_GONE,
    invalid: ["InvalidParameterException", "InvalidSecurityException"],
  },
  ListTagsForResource: {
    notFound: TAGS_GONE,
    inUse: ["ConcurrentAccessException"],
    invalid: ["InvalidParameterException", "TagPolicyException"],
  },
  TagResource: {
    notFound: TAGS_GONE,
    inUse: ["ConcurrentAccessException"],
    invalid: ["InvalidParameterException", ...TAG_INVALID],
  },
  UntagResource: {
    notFound: TAGS_GONE,
    inUse: ["ConcurrentAccessException"],
    invalid: ["InvalidParameterException", ...TAG_INVALID],
  },
};

/**
 * An SNS topic, found by its name (not a PCF flavor). A topic has no stopped form: stopping
 * deletes it, with its subscriptions. Attributes (`DisplayName`, `Policy`, …) and tags change
 * in place; `FifoTopic` follows from the name, so a FIFO topic is another topic. The ownership
 * tag goes in CreateTopic itself.
 *
 * Reads are batched: one paged ListTopics per region (topics are listed by ARN, with no filter),
 * then GetTopicAttributes per existing topic (none going down), and ListTagsForResource when the
 * definition lists tags or the topic is going down.
 *
 * @example
 * ```ts
 * const alerts = new SnsTopic({
 *   pcf_name: "alerts",
 *   flavor: "sns_topic",
 *   aws_resource: { Name: "alerts", Attributes: { DisplayName: "Alerts" }, Tags: { team: "ops" } },
 * });
 * await alerts.apply();
 * ```
 */
export class SnsTopic extends AWSResource<SnsTopicDefinition, LiveTopic, SNSClient> {
  static override readonly flavor: string = "sns_topic";
  static override readonly service: string = "sns";
  static override readonly Client = SNSClient;
  static override readonly definitionSchema = snsTopicSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.Name"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly inPlaceFields: readonly string[] = ["Attributes", "Tags"];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateTopic";
  static override readonly operationErrors = TOPIC_ERRORS;
  // DeleteTopic answers nothing (and succeeds on a topic already gone).
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: ["sns:ListTopics", "sns:GetTopicAttributes", "sns:ListTagsForResource"],
    start: ["sns:CreateTopic", "sns:TagResource", "sns:SetTopicAttributes"],
    update: ["sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource"],
    terminate: ["sns:DeleteTopic", "sns:ListTopics"],
  };

  protected override readonly updaters: FieldUpdaters<SnsTopicDefinition, LiveTopic, SNSClient> = {
    // Only the attributes that differ, one call each; FifoTopic is never sent again.
    Attributes: async (
      sns,
      { TopicArn, Attributes: live },
      { Attributes: desired = {} },
      context,
    ) => {
      const changed = changedAttributes(desired, live, ATTRIBUTES).filter(
        ([name]) => name !== FIFO_TOPIC,
      );
      for (const [AttributeName, AttributeValue] of changed)
        await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName, AttributeValue }), {
          abortSignal: context.signal,
        });
    },
  };

  /** The topics of `names` that exist: ListTopics, page by page, filtered by the ARN's name. */
  protected override async list(
    client: SNSClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, LiveTopic>> {
    const wanted = new Set(names);
    const found = new Map<string, LiveTopic>();
    for (const TopicArn of await topicArns(client, signal))
      if (wanted.has(nameOf(TopicArn))) found.set(nameOf(TopicArn), { TopicArn });
    return found;
  }

  /**
   * Every topic of the account in the region, with its attributes: ListTopics, then a
   * GetTopicAttributes each (a topic deleted meanwhile is left out).
   */
  protected override async listAll(
    client: SNSClient,
    { signal }: RunContext,
  ): Promise<readonly LiveTopic[]> {
    const topics = await Promise.all(
      (await topicArns(client, signal)).map((TopicArn) =>
        this.unlessGone(`read topic ${nameOf(TopicArn)}`, () =>
          readTopic(client, TopicArn, signal),
        ),
      ),
    );
    return topics.filter((topic) => topic !== undefined);
  }

  /** A listed topic's attributes, read unless it is going down (only its tags matter then). */
  protected override async complete(
    client: SNSClient,
    topic: LiveTopic,
    { signal }: RunContext,
  ): Promise<LiveTopic> {
    if (topic.Attributes !== undefined || this.isGoingDown) return topic;
    return readTopic(client, topic.TopicArn, signal);
  }

  /** A topic is running; SNS lists FifoTopic only for FIFO topics, so a standard one reads false. */
  protected override observe(
    { TopicArn, Attributes }: LiveTopic,
    context: RunContext,
  ): Observation {
    const attributes = Attributes && { [FIFO_TOPIC]: "false", ...Attributes };
    return {
      state: "running",
      definition: {
        Name: nameOf(TopicArn),
        TopicArn,
        Attributes: attributes,
        region_name: this.region(context),
      },
    };
  }

  /** CreateTopic with the attributes (FifoTopic for a `.fifo` name), the tags and the ownership tag. */
  protected override async create(
    client: SNSClient,
    { Name, Attributes, Tags }: SnsTopicDefinition,
    { signal }: RunContext,
  ): Promise<LiveTopic> {
    // FifoTopic is sent for a FIFO topic only: it follows from the name.
    const { [FIFO_TOPIC]: _fifo, ...written } = attributeStrings(Attributes ?? {}, ATTRIBUTES);
    const attributes = Name.endsWith(".fifo") ? { ...written, [FIFO_TOPIC]: "true" } : written;
    const command = new CreateTopicCommand({
      Name,
      Attributes: attributes,
      Tags: ownedTagList(writtenTags(Tags) ?? {}, this.provenanceTags),
    });
    const { TopicArn } = await client.send(command, { abortSignal: signal });
    return { TopicArn: required(TopicArn, "topic ARN"), Attributes: attributes };
  }

  /** DeleteTopic, with its subscriptions. */
  protected override async remove(
    client: SNSClient,
    { TopicArn }: LiveTopic,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteTopicCommand({ TopicArn }), { abortSignal: signal });
  }

  protected override async readTags(
    client: SNSClient,
    { TopicArn: ResourceArn }: LiveTopic,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const command = new ListTagsForResourceCommand({ ResourceArn });
    return tagsFromList((await client.send(command, { abortSignal: signal })).Tags);
  }

  protected override async writeTags(
    client: SNSClient,
    { TopicArn: ResourceArn }: LiveTopic,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const untag = new UntagResourceCommand({ ResourceArn, TagKeys: remove });
    if (remove.length > 0) await client.send(untag, { abortSignal: signal });
    const tag = new TagResourceCommand({ ResourceArn, Tags: tagsToList(set) });
    if (Object.keys(set).length > 0) await client.send(tag, { abortSignal: signal });
  }

  /** The generic block, with only the attributes a file can set (not `Owner`, `TopicArn`, …). */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const Attributes = settableAttributes(observation.definition["Attributes"], ATTRIBUTES);
    const definition = { ...observation.definition, Attributes };
    return super.discoveredResource({ ...observation, definition }, ownTags);
  }

  /** The name, the listed attributes (as SNS reports them) and, when given, the tags. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { Name, Attributes, Tags } = definition;
    return {
      Name,
      Attributes: comparableAttributes(Attributes, ATTRIBUTES),
      Tags: this.comparableTagsOf(Tags),
    };
  }
}

/** The ARNs of the region's topics: ListTopics, page by page (it has no filter). */
async function topicArns(client: SNSClient, signal: AbortSignal): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListTopics({ client }, {}, { abortSignal: signal }))
    for (const { TopicArn } of page.Topics ?? []) if (TopicArn !== undefined) arns.push(TopicArn);
  return arns;
}

/** A topic with its attributes: GetTopicAttributes. */
async function readTopic(
  client: SNSClient,
  TopicArn: string,
  signal: AbortSignal,
): Promise<LiveTopic> {
  const command = new GetTopicAttributesCommand({ TopicArn });
  const { Attributes = {} } = await client.send(command, { abortSignal: signal });
  return { TopicArn, Attributes };
}

/** The topic name an ARN ends in (`arn:aws:sns:us-east-1:123456789012:alerts` → `alerts`). */
function nameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf(":") + 1);
}
