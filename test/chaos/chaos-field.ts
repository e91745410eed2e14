import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { ChildProcess } from "node:child_process";
import { verificationClient } from "../support/aws.js";
import { spawnPcf, type RunResult } from "../cli/pcf.js";

/**
 * What the chaos tests share: a field of AWS particles of every flavor moto serves faithfully
 * (not EC2 instances: moto ignores RunInstances' ClientToken) and a count of what moto holds, made with clients
 * that go to moto directly, not through the fault proxy.
 */

/** How many particles of each kind {@link chaosField} defines. */
export interface FieldShape {
  readonly queues: number;
  readonly logGroups: number;
  readonly buckets: number;
  readonly subnets: number;
  readonly securityGroups: number;
  readonly roles: number;
}

/** What moto holds of a field: the same keys as {@link FieldShape}, plus the VPC. */
export type FieldCount = { readonly [K in keyof FieldShape | "vpcs"]: number };

/** The particles of a field: `shape` plus one VPC, named after `prefix`. */
export function chaosField(prefix: string, shape: FieldShape): string {
  const items: string[] = [
    particle("vpc_instance", "net", {
      CidrBlock: "10.50.0.0/16",
      custom_config: { vpc_name: `${prefix}-net` },
    }),
  ];
  for (let i = 0; i < shape.subnets; i += 1)
    items.push(
      particle("subnet", `sub-${i}`, {
        CidrBlock: `10.50.${i}.0/24`,
        VpcId: "$inherit$vpc_instance:net$VpcId",
        custom_config: { subnet_name: `${prefix}-sub-${i}` },
      }),
    );
  for (let i = 0; i < shape.securityGroups; i += 1)
    items.push(
      particle("security_group", `sg-${i}`, {
        GroupName: `${prefix}-sg-${i}`,
        Description: "chaos",
        VpcId: "$inherit$vpc_instance:net$VpcId",
      }),
    );
  for (let i = 0; i < shape.queues; i += 1)
    items.push(particle("sqs_queue", `q-${i}`, { QueueName: `${prefix}-q-${i}` }));
  for (let i = 0; i < shape.logGroups; i += 1)
    items.push(particle("cloudwatch_logs", `logs-${i}`, { logGroupName: `${prefix}-logs-${i}` }));
  for (let i = 0; i < shape.buckets; i += 1)
    items.push(particle("s3_bucket", `bucket-${i}`, { Bucket: `${prefix}-bucket-${i}` }));
  for (let i = 0; i < shape.roles; i += 1)
    items.push(
      particle("iam_role", `role-${i}`, {
        RoleName: `${prefix}-role-${i}`,
        AssumeRolePolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "ec2.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        },
      }),
    );
  return items.join("");
}

function particle(flavor: string, name: string, resource: Record<string, unknown>): string {
  return `- flavor: ${flavor}\n  pcf_name: ${name}\n  aws_resource: ${JSON.stringify(resource)}\n`;
}

/** Counts what moto holds of the field `prefix`, asking moto directly. */
export async function countField(testFileUrl: string, prefix: string): Promise<FieldCount> {
  const ec2 = verificationClient(EC2Client, testFileUrl);
  const sqs = verificationClient(SQSClient, testFileUrl);
  const logs = verificationClient(CloudWatchLogsClient, testFileUrl);
  const s3 = verificationClient(S3Client, testFileUrl);
  const iam = verificationClient(IAMClient, testFileUrl);
  try {
    const named = (values: string[]) => [{ Name: "tag:PCFName", Values: values }];
    const [vpcs, subnets, groups, queues, logGroups, buckets, roles] = await Promise.all([
      ec2.send(new DescribeVpcsCommand({ Filters: named([`${prefix}-net`]) })),
      ec2.send(new DescribeSubnetsCommand({ Filters: named([`${prefix}-sub-*`]) })),
      ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [{ Name: "group-name", Values: [`${prefix}-sg-*`] }],
        }),
      ),
      sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-q-` })),
      logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `${prefix}-logs-` })),
      s3.send(new ListBucketsCommand({})),
      iam.send(new ListRolesCommand({})),
    ]);
    return {
      vpcs: vpcs.Vpcs?.length ?? 0,
      subnets: subnets.Subnets?.length ?? 0,
      securityGroups: groups.SecurityGroups?.length ?? 0,
      queues: queues.QueueUrls?.length ?? 0,
      logGroups: logGroups.logGroups?.length ?? 0,
      buckets: (buckets.Buckets ?? []).filter((b) => b.Name?.startsWith(`${prefix}-bucket-`))
        .length,
      roles: (roles.Roles ?? []).filter((r) => r.RoleName?.startsWith(`${prefix}-role-`)).length,
    };
  } finally {
    for (const client of [ec2, sqs, logs, s3, iam]) client.destroy();
  }
}

/** The count of a field that converged: one of everything `shape` defines. */
export function convergedCount(shape: FieldShape): FieldCount {
  return { vpcs: 1, ...shape };
}

/** The count of a field that is gone. */
export const NOTHING: FieldCount = {
  vpcs: 0,
  queues: 0,
  logGroups: 0,
  buckets: 0,
  subnets: 0,
  securityGroups: 0,
  roles: 0,
};

/**
 * Starts `pcf …args` in `cwd` against `endpoint`; `done` resolves with what it printed once it
 * exits. The only watchdog is the test's timeout: a chaos run may take longer than a CLI test's.
 */
export function runAgainst(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; endpoint: string },
): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawnPcf([...args, "--endpoint", options.endpoint], options);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin?.end();
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}
