import {
  DeleteRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  RemoveTargetsCommand,
  RuleState,
  TagResourceCommand,
  UntagResourceCommand,
  type Rule,
} from "@aws-sdk/client-eventbridge";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { writtenTags, type TagChanges, type TagMap } from "../../kit/tags.js";
import { commonPrefix } from "../../kit/common-prefix.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList, tagsToList } from "../tags.js";

/** The bus of rules that name none. */
const DEFAULT_BUS = "default";

/** The `aws_resource` block of a `cloudwatch_events` particle: PutRule's parameters. */
export const cloudwatchEventsSchema = z
  .strictObject({
    /** The rule's name (up to 64 of `a-z A-Z 0-9 . - _`). Required: it is the unique key. */
    Name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[.\-_A-Za-z0-9]+$/, "expected letters, digits and . - _"),
    /** `cron(…)` or `rate(…)`. Default: none (then `EventPattern` is required). Changes in place. */
    ScheduleExpression: z.string().min(1).max(256).optional(),
    /**
     * The event pattern, as a JSON string (PCF's form) or an object; compared as JSON. Default:
     * none (then `ScheduleExpression` is required). Changes in place.
     */
    EventPattern: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    /** `ENABLED`, `DISABLED` or `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`. Default `ENABLED`. Changes in place. */
    State: z.enum(RuleState).optional(),
    /** The rule's description. Default: none. Changes in place. */
    Description: z.string().max(512).optional(),
    /** The ARN of the role the rule's targets are invoked with. Default: none. Changes in place. */
    RoleArn: z.string().regex(/^arn:/, "expected the role's ARN").optional(),
    /**
     * The name of the bus the rule is on. Default `default`. Part of the rule's identity with
     * `Name`: a rule on another bus is another rule.
     */
    EventBusName: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[/.\-_A-Za-z0-9]+$/, "expected the bus's name")
      .optional(),
    /**
     * The rule's whole tag set, as `[{ Key, Value }]` or a map. Tags not listed are removed on
     * update; the ownership tag is always kept. Default: not compared.
     */
    Tags: tagInputSchema.optional(),
    /** The rule's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
    region_name: regionNameSchema,
    /** `adopt`: see {@link awsCustomConfigSchema}. */
    custom_config: awsCustomConfigSchema.optional(),
  })
  .refine((block) => block.ScheduleExpression !== undefined || block.EventPattern !== undefined, {
    message: "expected a ScheduleExpression or an EventPattern",
    path: ["EventPattern"],
  });

/** What a user writes in the `aws_resource` block of a `cloudwatch_events` particle. */
export type CloudwatchEventsDefinition = z.infer<typeof cloudwatchEventsSchema>;

const NOT_FOUND = ["ResourceNotFoundException"];

/** The codes of the rule calls, by class. */
const RULE_ERRORS: OperationErrors = {
  PutRule: {
    invalid: [
      "InvalidEventPatternException",
      "LimitExceededException",
      "ManagedRuleException",
      "ResourceNotFoundException",
      "ValidationException",
    ],
    inUse: ["ConcurrentModificationException"],
  },
  DeleteRule: {
    notFound: NOT_FOUND,
    inUse: ["ConcurrentModificationException"],
    invalid: ["ManagedRuleException", "ValidationException"],
  },
  ListTargetsByRule: { notFound: NOT_FOUND },
  RemoveTargets: { notFound: NOT_FOUND, invalid: ["ManagedRuleException"] },
  ListTagsForResource: { notFound: NOT_FOUND },
  TagResource: { notFound: NOT_FOUND, invalid: ["ManagedRuleException"] },
  UntagResource: { notFound: NOT_FOUND, invalid: ["ManagedRuleException"] },
};

/** The fields PutRule sets, all changed by one PutRule. */
const RULE_FIELDS = [
  "ScheduleExpression",
  "EventPattern",
  "State",
  "Description",
  "RoleArn",
] as const;

/**
 * An EventBridge (CloudWatch Events) rule, found by its name on its bus. A rule has no stopped
 * form in PCF (its ENABLED / DISABLED `State` is a field that changes in place): stopping deletes
 * it. The schedule, pattern, state, description and role change in place with one PutRule (an
 * upsert, sent with the live values of the fields the definition leaves out); the tags with
 * TagResource / UntagResource. Nothing is fixed at creation; the ownership tag goes in PutRule itself.
 *
 * Deleting removes the rule's targets first (DeleteRule refuses while any remain; PCF failed
 * there), then DeleteRule.
 *
 * Reads are batched: one paged ListRules per region and bus over the longest prefix common to the
 * names, plus ListTagsForResource per rule only when its definition lists tags (or before
 * changing a rule, to check ownership).
 *
 * @example
 * ```ts
 * const nightly = new CloudwatchEvents({
 *   pcf_name: "nightly",
 *   flavor: "cloudwatch_events",
 *   aws_resource: { Name: "nightly", ScheduleExpression: "cron(0 3 * * ? *)" },
 * });
 * await nightly.apply();
 * ```
 */
export class CloudwatchEvents extends AWSResource<
  CloudwatchEventsDefinition,
  Rule,
  EventBridgeClient
> {
  static override readonly flavor: string = "cloudwatch_events";
  static override readonly service: string = "events";
  static override readonly Client = EventBridgeClient;
  static override readonly definitionSchema = cloudwatchEventsSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.Name"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly inPlaceFields: readonly string[] = [...RULE_FIELDS, "Tags"];
  static override readonly readShape = "list-by-prefix";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "PutRule";
  static override readonly operationErrors = RULE_ERRORS;
  // DeleteRule answers nothing: an empty 200 that never reached the service looks the same.
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: ["events:ListRules", "events:ListTagsForResource"],
    start: ["events:PutRule", "events:TagResource"],
    update: ["events:PutRule", "events:TagResource", "events:UntagResource"],
    terminate: [
      "events:ListTargetsByRule",
      "events:RemoveTargets",
      "events:DeleteRule",
      "events:ListRules",
    ],
  };

  /** One PutRule with the desired fields, and the live ones where the definition has none. */
  private readonly putRule: FieldUpdater<CloudwatchEventsDefinition, Rule, EventBridgeClient> = (
    client,
    live,
    desired,
    { signal },
  ) =>
    client.send(
      new PutRuleCommand({
        Name: desired.Name,
        EventBusName: live.EventBusName,
        ...Object.fromEntries(
          RULE_FIELDS.map((field) => [field, patternText(desired[field]) ?? live[field]]),
        ),
      }),
      { abortSignal: signal },
    );

  protected override readonly updaters: FieldUpdaters<
    CloudwatchEventsDefinition,
    Rule,
    EventBridgeClient
  > = Object.fromEntries(RULE_FIELDS.map((field) => [field, this.putRule]));

  /**
   * The rules of `keys` (`bus/name`, see `key`) that exist: ListRules per bus over the names'
   * common prefix, page by page.
   */
  protected override async list(
    client: EventBridgeClient,
    keys: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Rule>> {
    const wanted = new Set(keys);
    const byBus = new Map<string, string[]>();
    for (const key of keys) {
      const bus = key.slice(0, key.lastIndexOf("/"));
      byBus.set(bus, [...(byBus.get(bus) ?? []), key.slice(key.lastIndexOf("/") + 1)]);
    }
    const found = new Map<string, Rule>();
    await Promise.all(
      [...byBus].map(async ([bus, names]) => {
        for (const rule of await rulesOn(client, bus, commonPrefix(names), signal)) {
          const key = `${bus}/${rule.Name ?? ""}`;
          if (wanted.has(key)) found.set(key, rule);
        }
      }),
    );
    return found;
  }

  /**
   * Every rule of the region, on every bus: ListEventBuses, then ListRules per bus, page by page.
   * Rules an AWS service manages (`ManagedBy`) are left out: they refuse PutRule and DeleteRule.
   */
  protected override async listAll(
    client: EventBridgeClient,
    { signal }: RunContext,
  ): Promise<readonly Rule[]> {
    const buses = await eventBusNames(client, signal);
    const rules = await Promise.all(buses.map((bus) => rulesOn(client, bus, "", signal)));
    return rules.flat().filter((rule) => rule.ManagedBy === undefined);
  }

  /** A listed rule is running, whether ENABLED or DISABLED (its `State` is a field, as in PCF). */
  protected override observe(rule: Rule, context: RunContext): Observation {
    return {
      state: "running",
      definition: {
        Name: rule.Name,
        Arn: rule.Arn,
        ScheduleExpression: rule.ScheduleExpression,
        EventPattern: rule.EventPattern,
        State: rule.State,
        Description: rule.Description,
        RoleArn: rule.RoleArn,
        EventBusName: rule.EventBusName ?? DEFAULT_BUS,
        ManagedBy: rule.ManagedBy,
        region_name: this.region(context),
      },
    };
  }

  /** PutRule with the fields and the tags plus the ownership tag; its answer carries only the ARN. */
  protected override async create(
    client: EventBridgeClient,
    desired: CloudwatchEventsDefinition,
    { signal }: RunContext,
  ): Promise<undefined> {
    await client.send(
      new PutRuleCommand({
        Name: desired.Name,
        ...(desired.EventBusName === undefined ? {} : { EventBusName: desired.EventBusName }),
        ...Object.fromEntries(
          RULE_FIELDS.flatMap((field) => {
            const value = patternText(desired[field]);
            return value === undefined ? [] : [[field, value]];
          }),
        ),
        Tags: ownedTagList(writtenTags(desired.Tags) ?? {}, this.provenanceTags),
      }),
      { abortSignal: signal },
    );
    return undefined;
  }

  /** Removes the rule's targets (DeleteRule refuses while any remain), then DeleteRule. */
  protected override async remove(
    client: EventBridgeClient,
    { Name, EventBusName }: Rule,
    { signal }: RunContext,
  ): Promise<void> {
    let NextToken: string | undefined;
    do {
      const page = await client.send(
        new ListTargetsByRuleCommand({
          Rule: Name,
          EventBusName,
          ...(NextToken === undefined ? {} : { NextToken }),
        }),
        { abortSignal: signal },
      );
      const Ids = (page.Targets ?? []).flatMap(({ Id }) => (Id === undefined ? [] : [Id]));
      if (Ids.length > 0)
        await client.send(new RemoveTargetsCommand({ Rule: Name, EventBusName, Ids }), {
          abortSignal: signal,
        });
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    await client.send(new DeleteRuleCommand({ Name, EventBusName }), { abortSignal: signal });
  }

  protected override async readTags(
    client: EventBridgeClient,
    { Arn }: Rule,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const { Tags = [] } = await client.send(new ListTagsForResourceCommand({ ResourceARN: Arn }), {
      abortSignal: signal,
    });
    return tagsFromList(Tags);
  }

  protected override async writeTags(
    client: EventBridgeClient,
    { Arn: ResourceARN }: Rule,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    if (remove.length > 0)
      await client.send(new UntagResourceCommand({ ResourceARN, TagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new TagResourceCommand({ ResourceARN, Tags: tagsToList(set) }), {
        abortSignal: signal,
      });
  }

  /** By bus and name: `default/nightly`. */
  protected override get key(): string {
    return keyOf(this.desiredStateDefinition);
  }

  /** By bus and name, as {@link CloudwatchEvents.key}: namesakes on two buses are two rules. */
  protected override discoveredKey(resource: Record<string, unknown>): string {
    return keyOf(resource);
  }

  /** The name, the PutRule fields (the pattern as parsed JSON), the bus and the tags when written. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    return {
      Name: definition["Name"],
      ...Object.fromEntries(RULE_FIELDS.map((field) => [field, definition[field]])),
      EventPattern: parsedPattern(definition["EventPattern"]),
      EventBusName: definition["EventBusName"],
      Tags: this.comparableTagsOf(definition["Tags"]),
    };
  }
}

/** The key of a rule's block: its bus (default `default`) and its name, `default/nightly`. */
function keyOf(block: Readonly<Record<string, unknown>>): string {
  const bus = block["EventBusName"];
  return `${typeof bus === "string" ? bus : DEFAULT_BUS}/${String(block["Name"])}`;
}

/** The names of the region's event buses, the default one included: ListEventBuses, page by page. */
async function eventBusNames(client: EventBridgeClient, signal: AbortSignal): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListEventBusesCommand({ NextToken }), {
      abortSignal: signal,
    });
    for (const { Name } of page.EventBuses ?? []) if (Name !== undefined) names.push(Name);
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return names;
}

/**
 * The rules on `EventBusName` named from `prefix` (every rule for `""`): ListRules, page by page,
 * each with its bus.
 */
async function rulesOn(
  client: EventBridgeClient,
  EventBusName: string,
  prefix: string,
  signal: AbortSignal,
): Promise<Rule[]> {
  const rules: Rule[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new ListRulesCommand({
        EventBusName,
        ...(prefix === "" ? {} : { NamePrefix: prefix }),
        ...(NextToken === undefined ? {} : { NextToken }),
      }),
      { abortSignal: signal },
    );
    for (const rule of page.Rules ?? []) rules.push({ ...rule, EventBusName });
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return rules;
}

/** An event pattern as PutRule takes it: a JSON string; other values as they are. */
function patternText<T>(value: T): T | string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : value;
}

/** An event pattern as compared: parsed JSON, or as written when it is not JSON. */
function parsedPattern(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
