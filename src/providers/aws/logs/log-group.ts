import {
  AssociateKmsKeyCommand,
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteRetentionPolicyCommand,
  DisassociateKmsKeyCommand,
  ListTagsForResourceCommand,
  LogGroupClass,
  PutRetentionPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  paginateDescribeLogGroups,
  type LogGroup,
} from "@aws-sdk/client-cloudwatch-logs";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { commonPrefix } from "../../kit/common-prefix.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { normalizeTags, tagMapSchema, withOwnershipTag } from "../tags.js";

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

/** The codes of the log group calls, by class. */
const LOG_GROUP_ERRORS: OperationErrors = {
  CreateLogGroup: {
    alreadyExists: ["ResourceAlreadyExistsException"],
    invalid: ["InvalidParameterException", "LimitExceededException"],
  },
  DeleteLogGroup: {
    notFound: ["ResourceNotFoundException"],
    inUse: ["OperationAbortedException"],
  },
  ListTagsForResource: { notFound: ["ResourceNotFoundException"] },
  PutRetentionPolicy: { notFound: ["ResourceNotFoundException"] },
  TagResource: { notFound: ["ResourceNotFoundException"] },
  UntagResource: { notFound: ["ResourceNotFoundException"] },
};

/**
 * A CloudWatch Logs log group, found by its name. A log group has no stopped form: stopping
 * deletes it, with its events. Retention, the KMS key and tags change in place; the log class is
 * fixed at creation. The ownership tag goes in CreateLogGroup itself.
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
export class CloudwatchLogs extends AWSResource<
  CloudwatchLogsDefinition,
  LogGroup,
  CloudWatchLogsClient
> {
  static override readonly flavor: string = "cloudwatch_logs";
  static override readonly service: string = "logs";
  static override readonly Client = CloudWatchLogsClient;
  static override readonly definitionSchema = cloudwatchLogsSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.logGroupName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = ["logGroupClass"];
  static override readonly inPlaceFields: readonly string[] = [
    "retentionInDays",
    "kmsKeyId",
    "tags",
  ];
  static override readonly readShape = "list-by-prefix";
  static override readonly tagging = {
    field: "tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateLogGroup";
  static override readonly operationErrors = LOG_GROUP_ERRORS;
  // DeleteLogGroup answers nothing: an empty 200 that never reached the service looks the same.
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: ["logs:DescribeLogGroups", "logs:ListTagsForResource"],
    start: ["logs:CreateLogGroup", "logs:TagResource", "logs:PutRetentionPolicy"],
    update: [
      "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy",
      "logs:AssociateKmsKey",
      "logs:DisassociateKmsKey",
      "logs:TagResource",
      "logs:UntagResource",
    ],
    terminate: ["logs:DeleteLogGroup"],
  };

  protected override readonly updaters: FieldUpdaters<
    CloudwatchLogsDefinition,
    LogGroup,
    CloudWatchLogsClient
  > = {
    retentionInDays: (client, { logGroupName }, { retentionInDays }, { signal }) =>
      typeof retentionInDays === "number"
        ? client.send(new PutRetentionPolicyCommand({ logGroupName, retentionInDays }), {
            abortSignal: signal,
          })
        : client.send(new DeleteRetentionPolicyCommand({ logGroupName }), { abortSignal: signal }),
    kmsKeyId: (client, { logGroupName }, { kmsKeyId }, { signal }) =>
      typeof kmsKeyId === "string" && kmsKeyId !== ""
        ? client.send(new AssociateKmsKeyCommand({ logGroupName, kmsKeyId }), {
            abortSignal: signal,
          })
        : client.send(new DisassociateKmsKeyCommand({ logGroupName }), { abortSignal: signal }),
  };

  /** The groups of `names` that exist: DescribeLogGroups over their common prefix, page by page. */
  protected override async list(
    client: CloudWatchLogsClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, LogGroup>> {
    const wanted = new Set(names);
    const found = new Map<string, LogGroup>();
    const prefix = commonPrefix(names);
    const input = prefix === "" ? {} : { logGroupNamePrefix: prefix };
    for await (const page of paginateDescribeLogGroups({ client }, input, { abortSignal: signal }))
      for (const group of page.logGroups ?? [])
        if (group.logGroupName !== undefined && wanted.has(group.logGroupName))
          found.set(group.logGroupName, group);
    return found;
  }

  /** Every group in the region: DescribeLogGroups page by page. */
  protected override async listAll(
    client: CloudWatchLogsClient,
    { signal }: RunContext,
  ): Promise<readonly LogGroup[]> {
    const groups: LogGroup[] = [];
    for await (const page of paginateDescribeLogGroups({ client }, {}, { abortSignal: signal }))
      groups.push(...(page.logGroups ?? []));
    return groups;
  }

  /** A listed group is running; `""` and `null` both mean "no key" and "kept for ever". */
  protected override observe(group: LogGroup, context: RunContext): Observation {
    return {
      state: "running",
      definition: {
        logGroupName: group.logGroupName,
        arn: group.arn,
        logGroupArn: arnOf(group),
        kmsKeyId: group.kmsKeyId ?? null,
        retentionInDays: group.retentionInDays ?? null,
        logGroupClass: group.logGroupClass ?? LogGroupClass.STANDARD,
        region_name: this.region(context),
      },
    };
  }

  /** CreateLogGroup with the key, the class and the tags plus the ownership tag; its answer carries nothing. */
  protected override async create(
    client: CloudWatchLogsClient,
    { logGroupName, kmsKeyId, logGroupClass, tags }: CloudwatchLogsDefinition,
    { signal }: RunContext,
  ): Promise<undefined> {
    await client.send(
      new CreateLogGroupCommand({
        logGroupName,
        ...(typeof kmsKeyId === "string" && kmsKeyId !== "" ? { kmsKeyId } : {}),
        ...(logGroupClass === undefined ? {} : { logGroupClass }),
        tags: withOwnershipTag(normalizeTags(tags ?? {}), this.provenanceTags),
      }),
      { abortSignal: signal },
    );
    return undefined;
  }

  /** DeleteLogGroup, with its events. */
  protected override async remove(
    client: CloudWatchLogsClient,
    { logGroupName }: LogGroup,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteLogGroupCommand({ logGroupName }), { abortSignal: signal });
  }

  protected override async readTags(
    client: CloudWatchLogsClient,
    group: LogGroup,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const { tags = {} } = await client.send(
      new ListTagsForResourceCommand({ resourceArn: arnOf(group) }),
      { abortSignal: signal },
    );
    return tags;
  }

  protected override async writeTags(
    client: CloudWatchLogsClient,
    group: LogGroup,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const resourceArn = arnOf(group);
    if (remove.length > 0)
      await client.send(new UntagResourceCommand({ resourceArn, tagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new TagResourceCommand({ resourceArn, tags: set }), {
        abortSignal: signal,
      });
  }

  /** The name, and the key, retention and tags when written; `""` and `null` both mean "no key". */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { logGroupName, kmsKeyId, retentionInDays, logGroupClass, tags } = definition;
    return {
      logGroupName,
      kmsKeyId: kmsKeyId === "" ? null : kmsKeyId,
      retentionInDays,
      logGroupClass,
      tags: this.comparableTagsOf(tags),
    };
  }
}

/** The ARN the tagging API takes: `logGroupArn`, or `arn` without its `:*` suffix. */
function arnOf(group: LogGroup): string | undefined {
  return group.logGroupArn ?? group.arn?.replace(/:\*$/, "");
}
