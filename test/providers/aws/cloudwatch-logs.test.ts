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
import { applyField, loadField } from "../../../src/index.js";
import {
  CloudwatchLogs,
  type CloudwatchLogsDefinition,
} from "../../../src/providers/aws/logs/log-group.js";
import {
  awsTestOptions,
  motoAccountId,
  uniqueName,
  verificationClient,
} from "../../support/aws.js";
import {
  OWNERSHIP,
  countReapply,
  countApply,
  countSyncAll,
  definitionErrorOf,
  definitionOf,
  expectAdoptionRequired,
  expectStopDeletes,
  expectTerminates,
  expectTerminatesWhenGone,
} from "../../support/aws-fixtures.js";

const logs = verificationClient(CloudWatchLogsClient, import.meta.url);
const kms = verificationClient(KMSClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

function group(label: string, block: Partial<CloudwatchLogsDefinition> = {}): CloudwatchLogs {
  const base = { logGroupName: uniqueName(import.meta.url, label) };
  return new CloudwatchLogs(definitionOf("cloudwatch_logs", label, base, block));
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
    await expectTerminates(import.meta.url, group, async (label) => {
      expect(await describeGroup(label)).toBeUndefined();
    });
  });

  it("deletes the group when asked to stop, and then counts it as stopped", async () => {
    const { again } = await expectStopDeletes(import.meta.url, group, async (label) => {
      expect(await describeGroup(label)).toBeUndefined();
    });
    expect(again).toMatchObject({ outcome: "unchanged", state: "terminated" });
  });

  it("terminates a group that is already gone", async () => {
    await expectTerminatesWhenGone(import.meta.url, group, (label) =>
      logs.send(new DeleteLogGroupCommand({ logGroupName: uniqueName(import.meta.url, label) })),
    );
  });

  it("refuses to terminate or update a group it did not create, until told to adopt it", async () => {
    const logGroupName = uniqueName(import.meta.url, "foreign");
    await logs.send(new CreateLogGroupCommand({ logGroupName, tags: { owner: "someone-else" } }));
    await expectAdoptionRequired(import.meta.url, {
      particle: (block) => group("foreign", block),
      changed: () => group("foreign", { retentionInDays: 5 }),
      expectUntouched: async () => {
        expect((await describeGroup("foreign"))?.retentionInDays).toBeUndefined();
      },
      expectGone: async () => {
        expect(await describeGroup("foreign")).toBeUndefined();
      },
    });
  });

  it("reads a field of groups with one DescribeLogGroups call, and tags only when asked", async () => {
    const labels = ["batch/a", "batch/b", "batch/c"];
    const { outcomes, counts } = await countReapply(import.meta.url, () =>
      labels.map((label) => group(label)),
    );
    expect(outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(counts).toEqual({ DescribeLogGroupsCommand: 1 });

    const tagged = await countApply(
      import.meta.url,
      labels.map((label) => group(label, { tags: {} })),
    );
    expect(tagged.counts).toEqual({ DescribeLogGroupsCommand: 1, ListTagsForResourceCommand: 3 });
  });

  it("looks for each group it created or deleted, as neither call's answer carries anything", async () => {
    const labels = ["certain-a", "certain-b"];
    const made = (): CloudwatchLogs[] =>
      labels.map((label) => group(label, { retentionInDays: 7, tags: { team: "ops" } }));

    const created = await countApply(import.meta.url, made());
    expect(created.outcomes).toEqual(["converged", "converged"]);
    expect(created.counts).toEqual({
      DescribeLogGroupsCommand: 3,
      ListTagsForResourceCommand: 2,
      CreateLogGroupCommand: 2,
      PutRetentionPolicyCommand: 2,
    });
    const again = await countReapply(import.meta.url, made);
    expect(again.outcomes).toEqual(["unchanged", "unchanged"]);

    const doomed = made();
    for (const particle of doomed) particle.desiredState = "terminated";
    const terminated = await countApply(import.meta.url, doomed);
    expect(terminated.counts).toEqual({
      DescribeLogGroupsCommand: 3,
      ListTagsForResourceCommand: 2,
      DeleteLogGroupCommand: 2,
    });
    for (const label of labels) expect(await describeGroup(label)).toBeUndefined();
  });

  it("pages through DescribeLogGroups when the prefix matches more than a page", async () => {
    const fillers = Array.from({ length: 55 }, (_, index) => `paged/filler-${index}`);
    for (const label of fillers)
      await logs.send(
        new CreateLogGroupCommand({ logGroupName: uniqueName(import.meta.url, label) }),
      );
    await group("paged/zz-last").apply({ providerOptions });

    const { states, counts } = await countSyncAll(import.meta.url, CloudwatchLogs, [
      group("paged/zz-last"),
      group("paged/missing"),
    ]);
    expect(states).toEqual(["running", "terminated"]);
    expect(counts["DescribeLogGroupsCommand"]).toBe(2);
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
    const { issues } = await definitionErrorOf([
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
    ]);
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
