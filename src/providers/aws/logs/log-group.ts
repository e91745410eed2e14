import {
  AssociateKmsKeyCommand,
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DisassociateKmsKeyCommand,
  ListTagsForResourceCommand,
  LogGroupClass,
  PutRetentionPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  paginateDescribeLogGroups,
  type CreateLogGroupCommandInput,
  type LogGroup,
} from "@aws-sdk/client-cloudwatch-logs";
import * as z from "zod";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { isPlainObject } from "../../../core/values.js";
import { commonPrefix } from "../common-prefix.js";
import { isConflict, wrapAwsError } from "../errors.js";
import { required } from "../../kit/create-once.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import {
  comparableTags,
  hasOwnershipTag,
  normalizeTags,
  sendTagChanges,
  tagMapSchema,
  withOwnershipTag,
} from "../tags.js";

/** The retention periods CloudWatch Logs accepts, in days. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** The `aws_resource` block of a `cloudwatch_logs` particle: CreateLogGroup's parameters, plus retention. */
export const cloudwatchLogsSchema = z.strictObject({
  /** The log group's name (up to 512 of `a-z A-Z 0-9 . - _ / #`). Required: it is the unique key. */
  logGroupName: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[.\-_/#A-Za-z0-9]+$/, "expected letters, digits and . - _ / #"),
  /**
   * The ARN of the KMS key that encrypts the group's data. `""` or `null` means none (the key is
   * disassociated on update). Default: not compared; created without a key.
   */
  kmsKeyId: z
    .union([z.string().regex(/^arn:/, "expected the KMS key's ARN"), z.literal(""), z.null()])
    .optional(),
  /** Days to keep events (1, 3, 5, 7, 14, 30, …, 3653), or `null` for ever. Default: not compared; kept for ever. */
  retentionInDays: z
    .union([z.literal(RETENTION_DAYS, `expected one of ${RETENTION_DAYS.join(", ")}`), z.null()])
    .optional(),
  /**
   * The group's whole tag set, as a map. Tags not listed are removed on update; the
   * `pcf:managed-by` ownership tag is always kept. Default: not compared.
   */
  tags: tagMapSchema.optional(),
  /** The log class at creation. Default `STANDARD`. Not compared afterwards (fixed by AWS). */
  logGroupClass: z.enum(LogGroupClass).optional(),
  /** The group's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of a `cloudwatch_logs` particle. */
export type CloudwatchLogsDefinition = z.infer<typeof cloudwatchLogsSchema>;

/** DeleteLogGroup calls sent at most while the group is still listed after one. */
const DELETE_ATTEMPTS = 3;

/**
 * A CloudWatch Logs log group, found by its name. A log group has no stopped form: stopping
 * deletes it, with its events. Retention, the KMS key and tags change in place; the log class is
 * fixed at creation.
 *
 * Reads are batched: one DescribeLogGroups per region (paged) over the longest prefix common to
 * the names, plus ListTagsForResource per group only when its definition lists tags (or before
 * changing a group, to check ownership).
 *
 * @example
 * ```ts
 * const audit = new CloudwatchLogs({
 *   pcf_name: "audit",
 *   flavor: "cloudwatch_logs",
 *   aws_resource: { logGroupName: "/app/audit", retentionInDays: 30, tags: { team: "sec" } },
 * });
 * await audit.apply();
 * ```
 */
export class CloudwatchLogs extends AWSResource<CloudwatchLogsDefinition> {
  static override readonly flavor: string = "cloudwatch_logs";
  static override readonly service: string = "logs";
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.logGroupName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = cloudwatchLogsSchema;

  /** The group's ARN without the `:*` suffix, as the tagging API wants it; set while the group exists. */
  private arn: string | undefined = undefined;
  /** The live tags, when read. */
  private currentTags: Record<string, string> | undefined = undefined;

  /** Reads every log group of `particles` with one paged DescribeLogGroups per region. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const groups = particles.filter(
      (particle): particle is CloudwatchLogs => particle instanceof CloudwatchLogs,
    );
    await CloudwatchLogs.readByRegion(
      groups,
      context,
      CloudWatchLogsClient,
      async (members, client) => {
        const names = members.map((member) => member.groupName);
        const prefix = commonPrefix(names);
        const listed = await CloudwatchLogs.listFor(
          members,
          `list log groups named ${prefix}*`,
          () => listLogGroups(client, { names, prefix }, context.signal),
        );
        await readEach(members, (group) =>
          group.readGroup(client, listed.get(group.groupName), context),
        );
      },
    );
  }

  /** Reads this log group: `running` when it exists, else `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof CloudwatchLogs).syncAll([this], context);
  }

  /**
   * Creates the group with its key, its tags and the ownership tag, then sets its retention, and
   * records what those calls set.
   */
  protected override async _start(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const client = await this.client(CloudWatchLogsClient, context);
    const input = toCreateInput(desired);
    const abortSignal = context.signal;
    const findCreated = async (): Promise<true | undefined> => {
      const { logGroups = [] } = await client.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: input.logGroupName }),
        { abortSignal },
      );
      const group = logGroups.find((listed) => listed.logGroupName === input.logGroupName);
      if (group === undefined) return undefined;
      const { tags = {} } = await client.send(
        new ListTagsForResourceCommand({ resourceArn: arnOf(group) }),
        { abortSignal },
      );
      return hasOwnershipTag(tags) ? true : undefined;
    };
    // A resent CreateLogGroup after a lost answer fails on the group it made: look for it first.
    await this.createResource(`create log group ${this.groupName}`, CloudWatchLogsClient, context, {
      send: async (once) => {
        await once.send(new CreateLogGroupCommand(input), { abortSignal });
        // Its answer carries nothing, and an empty 200 that never reached the service looks the
        // same: the group is looked for before it is recorded, and sent again when absent.
        return required(await findCreated(), "log group, looked for after CreateLogGroup");
      },
      findCreated,
      alreadyExistsCodes: ["ResourceAlreadyExistsException"],
      hint: (error) => (isConflict(error) ? " (a log group of that name exists)" : ""),
    });
    try {
      if (typeof desired.retentionInDays === "number")
        await client.send(
          new PutRetentionPolicyCommand({
            logGroupName: desired.logGroupName,
            retentionInDays: desired.retentionInDays,
          }),
          { abortSignal: context.signal },
        );
    } catch (error) {
      throw wrapAwsError(error, this.id, `set the retention of log group ${this.groupName}`);
    }
    // The group is ours and as asked (made by this call and seen since, or found with the
    // ownership tag after a lost answer): recording it saves the engine's confirming read. A
    // child that inherits the ARN, which only a read gives, makes the engine read the group then.
    this.isOwned = true;
    this.currentTags = input.tags;
    const created: LogGroup = {
      logGroupName: desired.logGroupName,
      kmsKeyId: input.kmsKeyId,
      logGroupClass: input.logGroupClass,
      ...(typeof desired.retentionInDays === "number"
        ? { retentionInDays: desired.retentionInDays }
        : {}),
    };
    this.recordState("running", this.liveDefinition(created, input.tags, context), context);
  }

  /** Deletes the group and its events; a group already gone is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    const client = await this.client(CloudWatchLogsClient, context);
    // DeleteLogGroup's answer carries nothing: an empty 200 that never reached the service looks
    // the same. So the group is looked for after it, and the delete sent again while it is
    // listed. If it still is, nothing is recorded and the engine's read decides.
    for (let attempt = 1; attempt <= DELETE_ATTEMPTS; attempt += 1) {
      await this.deleteUnlessGone(`delete log group ${this.groupName}`, () =>
        client.send(new DeleteLogGroupCommand({ logGroupName: this.groupName }), {
          abortSignal: context.signal,
        }),
      );
      const { logGroups = [] } = await client
        .send(new DescribeLogGroupsCommand({ logGroupNamePrefix: this.groupName }), {
          abortSignal: context.signal,
        })
        .catch((error: unknown) => {
          throw wrapAwsError(error, this.id, `look for log group ${this.groupName}`);
        });
      if (!logGroups.some((group) => group.logGroupName === this.groupName)) {
        this.arn = undefined;
        this.recordState("terminated", {}, context);
        return;
      }
    }
  }

  /** Sets or removes the retention policy and the KMS key where they differ, then brings the tags to the definition's set. */
  protected override async _update(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const current = this.currentStateDefinition;
    const logGroupName = desired.logGroupName;
    const client = await this.client(CloudWatchLogsClient, context);
    const abortSignal = context.signal;
    try {
      const retention = desired.retentionInDays;
      if (retention === null && current["retentionInDays"] !== null)
        await client.send(new DeleteRetentionPolicyCommand({ logGroupName }), { abortSignal });
      else if (typeof retention === "number" && retention !== current["retentionInDays"])
        await client.send(
          new PutRetentionPolicyCommand({ logGroupName, retentionInDays: retention }),
          { abortSignal },
        );
      const key = desired.kmsKeyId === "" ? null : desired.kmsKeyId;
      if (key === null && current["kmsKeyId"] !== null)
        await client.send(new DisassociateKmsKeyCommand({ logGroupName }), { abortSignal });
      else if (typeof key === "string" && key !== current["kmsKeyId"])
        await client.send(new AssociateKmsKeyCommand({ logGroupName, kmsKeyId: key }), {
          abortSignal,
        });
      if (desired.tags !== undefined && this.arn !== undefined) {
        const resourceArn = this.arn;
        await sendTagChanges(this.currentTags ?? {}, normalizeTags(desired.tags), {
          untag: (tagKeys) =>
            client.send(new UntagResourceCommand({ resourceArn, tagKeys }), { abortSignal }),
          tag: (tags) =>
            client.send(new TagResourceCommand({ resourceArn, tags }), { abortSignal }),
        });
      }
    } catch (error) {
      throw wrapAwsError(error, this.id, `update log group ${logGroupName}`);
    }
  }

  /** Reads the tags, when `syncState` did not, to tell whether the group is ours. */
  protected override readOwnership(context: RunContext): Promise<boolean> {
    return this.ownershipFromTags(async () =>
      this.readTags(await this.client(CloudWatchLogsClient, context), context),
    );
  }

  /** The name, and the key, retention and tags when written; `""` and `null` both mean "no key". */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { logGroupName, kmsKeyId, retentionInDays, tags } = definition;
    return {
      logGroupName,
      kmsKeyId: kmsKeyId === "" ? null : kmsKeyId,
      retentionInDays,
      tags: isPlainObject(tags) ? comparableTags(tagMapSchema.parse(tags)) : undefined,
    };
  }

  private get groupName(): string {
    return String(this.desiredStateDefinition["logGroupName"]);
  }

  private get wantsTags(): boolean {
    return this.desiredStateDefinition["tags"] !== undefined;
  }

  /** Sets the state from the listed group, and its tags when the definition lists some. */
  private async readGroup(
    client: CloudWatchLogsClient,
    listed: LogGroup | undefined,
    context: RunContext,
  ): Promise<void> {
    this.isOwned = undefined;
    this.currentTags = undefined;
    this.arn = listed === undefined ? undefined : arnOf(listed);
    const readsTags = this.wantsTags || this.isGoingDown;
    const tags =
      this.arn !== undefined && readsTags ? await this.readTags(client, context) : undefined;
    if (listed === undefined || (readsTags && tags === undefined)) {
      this.arn = undefined;
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    this.state = "running";
    this.currentStateDefinition = this.liveDefinition(listed, tags, context);
  }

  /**
   * The live group as `currentStateDefinition` holds it, whether listed or just created (then
   * without the ARNs, which only a read gives).
   */
  private liveDefinition(
    group: LogGroup,
    tags: Record<string, string> | undefined,
    context: RunContext,
  ): Record<string, unknown> {
    return {
      logGroupName: group.logGroupName,
      arn: group.arn,
      logGroupArn: this.arn,
      kmsKeyId: group.kmsKeyId ?? null,
      retentionInDays: group.retentionInDays ?? null,
      ...(group.logGroupClass === undefined ? {} : { logGroupClass: group.logGroupClass }),
      region_name: this.region(context),
      ...(tags === undefined || !this.wantsTags ? {} : { tags }),
    };
  }

  /** The group's tags, or `undefined` when it is gone. Sets `isOwned`. */
  private async readTags(
    client: CloudWatchLogsClient,
    context: RunContext,
  ): Promise<Record<string, string> | undefined> {
    const resourceArn = this.arn;
    if (resourceArn === undefined) return undefined;
    const what = `read the tags of log group ${this.groupName}`;
    const tags = await this.readUnlessGone(what, async () => {
      const { tags = {} } = await client.send(new ListTagsForResourceCommand({ resourceArn }), {
        abortSignal: context.signal,
      });
      return tags;
    });
    if (tags === undefined) return undefined;
    this.isOwned = hasOwnershipTag(tags);
    this.currentTags = tags;
    return tags;
  }
}

/** The log groups of `names` that exist, by name: DescribeLogGroups over `prefix` (common to the names), page by page. */
async function listLogGroups(
  client: CloudWatchLogsClient,
  { names, prefix }: { readonly names: readonly string[]; readonly prefix: string },
  abortSignal: AbortSignal,
): Promise<Map<string, LogGroup>> {
  const wanted = new Set(names);
  const found = new Map<string, LogGroup>();
  const input = prefix === "" ? {} : { logGroupNamePrefix: prefix };
  for await (const page of paginateDescribeLogGroups({ client }, input, { abortSignal }))
    for (const group of page.logGroups ?? [])
      if (group.logGroupName !== undefined && wanted.has(group.logGroupName))
        found.set(group.logGroupName, group);
  return found;
}

/** CreateLogGroup's input: name, key when set, class, tags plus the ownership tag. */
function toCreateInput(definition: CloudwatchLogsDefinition): CreateLogGroupCommandInput {
  const { logGroupName, kmsKeyId, logGroupClass, tags } = definition;
  return {
    logGroupName,
    ...(typeof kmsKeyId === "string" && kmsKeyId !== "" ? { kmsKeyId } : {}),
    ...(logGroupClass === undefined ? {} : { logGroupClass }),
    tags: withOwnershipTag(normalizeTags(tags ?? {})),
  };
}

/** The ARN the tagging API takes: `logGroupArn`, or `arn` without its `:*` suffix. */
function arnOf(group: LogGroup): string | undefined {
  return group.logGroupArn ?? group.arn?.replace(/:\*$/, "");
}
