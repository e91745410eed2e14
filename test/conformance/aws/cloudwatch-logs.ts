import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CloudwatchLogs } from "../../../src/providers/aws/logs/log-group.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const logs = verificationClient(CloudWatchLogsClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function group(
  label: string,
  retentionInDays: number,
  logGroupClass?: string,
): ReturnType<typeof definitionOf> {
  return definitionOf("cloudwatch_logs", label, {
    logGroupName: name(label),
    retentionInDays,
    ...(logGroupClass === undefined ? {} : { logGroupClass }),
  });
}

/** cloudwatch_logs: retention updates in place; the log class is fixed; a log group has no stopped form. */
export const cloudwatchLogsSpec: ConformanceSpec = {
  flavor: CloudwatchLogs,
  testFileUrl: import.meta.url,
  definition: (label) => group(label, 30),
  verify: async (label) => {
    const { logGroups = [] } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: name(label) }),
    );
    const found = logGroups.find((candidate) => candidate.logGroupName === name(label));
    return found === undefined
      ? undefined
      : { retentionInDays: found.retentionInDays, logGroupClass: found.logGroupClass };
  },
  drift: {
    apply: async (label) => {
      await logs.send(
        new PutRetentionPolicyCommand({ logGroupName: name(label), retentionInDays: 1 }),
      );
    },
    field: "retentionInDays",
  },
  update: { definition: (label) => group(label, 14), expected: { retentionInDays: 14 } },
  replace: {
    definition: (label) => group(label, 14, "INFREQUENT_ACCESS"),
    expected: { logGroupClass: "INFREQUENT_ACCESS" },
    field: "logGroupClass",
  },
  stop: "none",
  createForeign: async (label) => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: name(label) }));
    await logs.send(
      new PutRetentionPolicyCommand({ logGroupName: name(label), retentionInDays: 30 }),
    );
  },
  createOperation: "CreateLogGroup",
  knownGaps: [
    {
      step: "replace",
      reason: "moto 5.2.1 ignores logGroupClass and lists every group as STANDARD",
      failure: /logGroupClass/,
    },
  ],
};
