import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  UntagResourceCommand,
  type LogGroup,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import {
  ApplyError,
  DefinitionError,
  Field,
  applyField,
  loadField,
  type ParticleDefinition,
} from "../../../src/index.js";
import { createRunContext } from "../../../src/core/run-context.js";
import {
  CloudwatchLogs,
  type CloudwatchLogsDefinition,
} from "../../../src/providers/aws/logs/log-group.js";
import { OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE } from "../../../src/providers/aws/tags.js";
import {
  RequestCounter,
  awsTestOptions,
  motoAccountId,
  uniqueName,
  verificationClient,
} from "../../support/aws.js";

const logs = verificationClient(CloudWatchLogsClient, import.meta.url);
const kms = verificationClient(KMSClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);
const OWNERSHIP = { [OWNERSHIP_TAG_KEY]: OWNERSHIP_TAG_VALUE };

function groupDefinition(
  label: string,
  block: Partial<CloudwatchLogsDefinition> = {},
): ParticleDefinition {
  return {
    pcf_name: label,
    flavor: "cloudwatch_logs",
    aws_resource: { logGroupName: uniqueName(import.meta.url, label), ...block },
  };
}

function group(label: string, block: Partial<CloudwatchLogsDefinition> = {}): CloudwatchLogs {
  return new CloudwatchLogs(groupDefinition(label, block));
}

async function describeGroup(label: string): Promise<LogGroup | undefined> {
  const name = uniqueName(import.meta.url, label);
  const { logGroups = [] } = await logs.send(
    new DescribeLogGroupsCommand({ logGroupNamePrefix: name }),
  );
  return logGroups.find((found) => found.logGroupName === name);
}

function arnOf(label: string): string {
  const name = uniqueName(import.meta.url, label);
  return `arn:aws:logs:us-east-1:${motoAccountId(import.meta.url)}:log-group:${name}`;
}

async function tagsOf(label: string): Promise<Record<string, string>> {
  const { tags = {} } = await logs.send(
    new ListTagsForResourceCommand({ resourceArn: arnOf(label) }),
  );
  return tags;
}

async function failureOf(promise: Promise<unknown>): Promise<ApplyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApplyError);
  return error as ApplyError;
}

describe("cloudwatch_logs", () => {
  it("creates the group with its key, retention, tags and the ownership tag", async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const result = await group("create", {
      kmsKeyId: KeyMetadata?.Arn,
      retentionInDays: 14,
      tags: { team: "data", version: 2 },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    expect(await describeGroup("create")).toMatchObject({
      kmsKeyId: KeyMetadata?.Arn,
      retentionInDays: 14,
    });
    expect(await tagsOf("create")).toEqual({ team: "data", version: "2", ...OWNERSHIP });
  });

  it("reports a second apply as unchanged", async () => {
    await group("noop", { retentionInDays: 7, tags: { version: 2 }, kmsKeyId: "" }).apply({
      providerOptions,
    });
    const again = await group("noop", {
      retentionInDays: 7,
      tags: { version: "2" },
      kmsKeyId: null,
    }).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("updates retention and tags in place, and removes the retention for null", async () => {
    await group("update", { retentionInDays: 30, tags: { team: "data", old: "x" } }).apply({
      providerOptions,
    });
    const result = await group("update", {
      retentionInDays: 90,
      tags: { team: "ml", added: "y" },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect((await describeGroup("update"))?.retentionInDays).toBe(90);
    expect(await tagsOf("update")).toEqual({ team: "ml", added: "y", ...OWNERSHIP });

    await group("update", { retentionInDays: null }).apply({ providerOptions });
    expect((await describeGroup("update"))?.retentionInDays).toBeUndefined();
  });

  it("corrects retention and tags changed behind its back", async () => {
    const particle = group("drift", { retentionInDays: 30, tags: { team: "data" } });
    await particle.apply({ providerOptions });
    const logGroupName = uniqueName(import.meta.url, "drift");
    await logs.send(new PutRetentionPolicyCommand({ logGroupName, retentionInDays: 1 }));
    await logs.send(new UntagResourceCommand({ resourceArn: arnOf("drift"), tagKeys: ["team"] }));
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect((await describeGroup("drift"))?.retentionInDays).toBe(30);
    expect(await tagsOf("drift")).toEqual({ team: "data", ...OWNERSHIP });
  });

  it("terminates the group", async () => {
    const particle = group("terminate");
    await particle.apply({ providerOptions });
    const result = await particle.apply({ providerOptions, desiredState: "terminated" });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
    expect(await describeGroup("terminate")).toBeUndefined();
  });

  it("deletes the group when asked to stop, and then counts it as stopped", async () => {
    await group("stop").apply({ providerOptions });
    await group("stop").apply({ providerOptions, desiredState: "stopped" });
    expect(await describeGroup("stop")).toBeUndefined();
    const again = await group("stop").apply({ providerOptions, desiredState: "stopped" });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", state: "terminated" });
  });

  it("terminates a group that is already gone", async () => {
    const never = await group("never").apply({ providerOptions, desiredState: "terminated" });
    expect(never.particles[0]).toMatchObject({ outcome: "unchanged", state: "terminated" });

    const particle = group("vanished");
    await particle.apply({ providerOptions });
    const context = createRunContext({ providerOptions });
    expect(await particle.getState(context)).toBe("running");
    await logs.send(
      new DeleteLogGroupCommand({ logGroupName: uniqueName(import.meta.url, "vanished") }),
    );
    particle.setDesiredState("terminated");
    await expect(particle.runTransition("terminate", context)).resolves.toBeUndefined();
  });

  it("refuses to terminate or update a group it did not create, until told to adopt it", async () => {
    const logGroupName = uniqueName(import.meta.url, "foreign");
    await logs.send(new CreateLogGroupCommand({ logGroupName, tags: { owner: "someone-else" } }));
    const terminate = await failureOf(
      group("foreign").apply({ providerOptions, desiredState: "terminated" }),
    );
    expect(terminate.message).toMatch(
      /refusing to terminate: .* exists but was not created by particle-cloud.*custom_config\.adopt: true/,
    );
    const update = await failureOf(
      group("foreign", { retentionInDays: 5 }).apply({ providerOptions }),
    );
    expect(update.message).toMatch(/refusing to update/);
    expect((await describeGroup("foreign"))?.retentionInDays).toBeUndefined();

    await group("foreign", { custom_config: { adopt: true } }).apply({
      providerOptions,
      desiredState: "terminated",
    });
    expect(await describeGroup("foreign")).toBeUndefined();
  });

  it("reads a field of groups with one DescribeLogGroups call, and tags only when asked", async () => {
    const labels = ["batch/a", "batch/b", "batch/c"];
    await applyField(new Field(labels.map((label) => group(label))).link(), { providerOptions });

    const counter = new RequestCounter();
    const counted = awsTestOptions(import.meta.url, { configureClient: counter.attach });
    const result = await applyField(new Field(labels.map((label) => group(label))).link(), {
      providerOptions: counted,
    });
    expect(result.particles.map((report) => report.outcome)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    expect(counter.all()).toEqual({ DescribeLogGroupsCommand: 1 });

    counter.reset();
    const tagged = (label: string): CloudwatchLogs => group(label, { tags: {} });
    await applyField(new Field(labels.map(tagged)).link(), { providerOptions: counted });
    expect(counter.all()).toEqual({ DescribeLogGroupsCommand: 1, ListTagsForResourceCommand: 3 });
  });

  it("pages through DescribeLogGroups when the prefix matches more than a page", async () => {
    const fillers = Array.from({ length: 55 }, (_, index) => `paged/filler-${index}`);
    for (const label of fillers)
      await logs.send(
        new CreateLogGroupCommand({ logGroupName: uniqueName(import.meta.url, label) }),
      );
    await group("paged/zz-last").apply({ providerOptions });

    const counter = new RequestCounter();
    const counted = awsTestOptions(import.meta.url, { configureClient: counter.attach });
    const field = new Field([group("paged/zz-last"), group("paged/missing")]).link();
    await CloudwatchLogs.syncAll(field.particles, createRunContext({ providerOptions: counted }));
    expect(field.particles.map((particle) => particle.state)).toEqual(["running", "terminated"]);
    expect(counter.count("DescribeLogGroupsCommand")).toBe(2);
  });

  it("encrypts with the ARN of a kms_key parent, through $inherit$", async () => {
    const definitions = [
      {
        pcf_name: "logs-key",
        flavor: "kms_key",
        aws_resource: { custom_config: { key_name: uniqueName(import.meta.url, "logs-key") } },
      },
      {
        pcf_name: "encrypted",
        flavor: "cloudwatch_logs",
        aws_resource: {
          logGroupName: uniqueName(import.meta.url, "encrypted"),
          kmsKeyId: "$inherit$kms_key:logs-key$Arn",
        },
      },
    ];
    const result = await applyField((await loadField(definitions)).field, { providerOptions });
    expect(result.particles.map((report) => report.transitions)).toEqual([["start"], ["start"]]);
    const alias = `alias/${uniqueName(import.meta.url, "logs-key")}`;
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: alias }));
    expect((await describeGroup("encrypted"))?.kmsKeyId).toBe(KeyMetadata?.Arn);

    const again = await applyField((await loadField(definitions)).field, { providerOptions });
    expect(again.particles.map((report) => report.outcome)).toEqual(["unchanged", "unchanged"]);
    await applyField((await loadField(definitions)).field, {
      providerOptions,
      desiredState: "terminated",
    });
    expect(await describeGroup("encrypted")).toBeUndefined();
  });

  it("loads and applies PCF's own example definition, then its update", async () => {
    // From capitalone/Particle-Cloud-Framework
    // examples/particle/aws/cloudwatch/use_cloudwatch_log/example_cloudwatch_log.py, with the
    // flavor PCF renamed it to (logs → cloudwatch_logs).
    const example = {
      pcf_name: "pcf_cloudwatch_log",
      flavor: "cloudwatch_logs",
      aws_resource: {
        logGroupName: "Cloud_Watch_Log_A",
        tags: { removed: "tag to be removed", tagA: "string" },
      },
    };
    const { field } = await loadField([example]);
    expect(field.get("cloudwatch_logs:pcf_cloudwatch_log")).toBeInstanceOf(CloudwatchLogs);

    const logGroupName = uniqueName(import.meta.url, "example");
    const created = { ...example, aws_resource: { ...example.aws_resource, logGroupName } };
    await applyField((await loadField([created])).field, { providerOptions });
    const updated = {
      ...created,
      aws_resource: { logGroupName, tags: { tagA: "new string", tagB: "new tag" } },
    };
    const result = await applyField((await loadField([updated])).field, { providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(await tagsOf("example")).toEqual({
      tagA: "new string",
      tagB: "new tag",
      ...OWNERSHIP,
    });
  });

  it("rejects a definition without its logGroupName when constructed", () => {
    expect(
      () =>
        new CloudwatchLogs({
          pcf_name: "nameless",
          flavor: "cloudwatch_logs",
          aws_resource: { retentionInDays: 7 },
        }),
    ).toThrow(/unique key aws_resource\.logGroupName is required/);
  });

  it("rejects wrong types, bad values and unknown fields, listing every problem", async () => {
    const error = await loadField([
      {
        pcf_name: "typed",
        flavor: "cloudwatch_logs",
        aws_resource: {
          logGroupName: "Cloud Watch Log A",
          kmsKeyId: "keyA",
          retentionInDays: 13,
          tags: "team=data",
          retention: 7,
        },
      },
    ]).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(DefinitionError);
    const issues = (error as DefinitionError).issues;
    expect(issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining([
        "aws_resource.logGroupName",
        "aws_resource.kmsKeyId",
        "aws_resource.retentionInDays",
        "aws_resource.tags",
      ]),
    );
    expect(issues.map((issue) => issue.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/unknown field retention/)]),
    );
  });
});
