import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { GetBucketTaggingCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsProviderOptions } from "../../../src/providers/aws/options.js";
import { CloudwatchLogs } from "../../../src/providers/aws/logs/log-group.js";
import { S3Bucket } from "../../../src/providers/aws/s3/bucket.js";
import { SecurityGroup } from "../../../src/providers/aws/vpc/security-group.js";
import { Subnet } from "../../../src/providers/aws/vpc/subnet.js";
import { VpcInstance } from "../../../src/providers/aws/vpc/vpc.js";
import { awsTestOptions, motoEndpoint, uniqueName, verificationClient } from "../../support/aws.js";
import { createVpc, definitionOf, pcfNameFilter } from "../../support/aws-fixtures.js";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";

/**
 * A create whose answer is lost: moto ran the call, then the proxy closed the connection. The
 * SDK sees a dropped connection, which is retryable; the framework must neither make a second
 * resource nor fail on "already exists", and the next run must find nothing to do.
 */

const ec2 = verificationClient(EC2Client, import.meta.url);
const logs = verificationClient(CloudWatchLogsClient, import.meta.url);
const s3 = verificationClient(S3Client, import.meta.url);
let proxy: FaultProxy;
let providerOptions: { aws: AwsProviderOptions };
let vpcId = "";

beforeAll(async () => {
  proxy = await startFaultProxy({ target: motoEndpoint() });
  const base = awsTestOptions(import.meta.url).aws;
  // The SDK's own retries stay on, as for a user: they are what turns a lost answer into a duplicate.
  providerOptions = { aws: { ...base, endpoint: proxy.endpoint, maxAttempts: 3 } };
  vpcId = await createVpc(ec2, "10.0.0.0/16");
});

afterAll(async () => {
  await proxy.stop();
});

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function losingTheAnswerOf(operation: string): void {
  proxy.setRules([{ operation, fault: { kind: "drop", when: "after" }, times: 1 }]);
}

describe("a create whose answer is lost", () => {
  it("makes one VPC, not two, and the next run has nothing to do", async () => {
    const vpc = (): VpcInstance =>
      new VpcInstance(
        definitionOf("vpc_instance", "vpc", {
          CidrBlock: "10.1.0.0/16",
          custom_config: { vpc_name: name("vpc") },
        }),
      );
    losingTheAnswerOf("CreateVpc");
    const result = await vpc().apply({ providerOptions });
    expect(proxy.injected.get("CreateVpc")).toBe(1);
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const { Vpcs = [] } = await ec2.send(
      new DescribeVpcsCommand({ Filters: pcfNameFilter(name("vpc")) }),
    );
    expect(Vpcs).toHaveLength(1);
    const again = await vpc().apply({ providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
  });

  it("finds the subnet it made instead of failing on a conflicting range", async () => {
    const subnet = new Subnet(
      definitionOf("subnet", "subnet", {
        CidrBlock: "10.0.1.0/24",
        VpcId: vpcId,
        custom_config: { subnet_name: name("subnet") },
      }),
    );
    losingTheAnswerOf("CreateSubnet");
    const result = await subnet.apply({ providerOptions });
    expect(proxy.injected.get("CreateSubnet")).toBe(1);
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const { Subnets = [] } = await ec2.send(
      new DescribeSubnetsCommand({ Filters: pcfNameFilter(name("subnet")) }),
    );
    expect(Subnets).toHaveLength(1);
  });

  it("finds the security group it made instead of failing on a duplicate name", async () => {
    const group = new SecurityGroup(
      definitionOf("security_group", "group", {
        GroupName: name("group"),
        Description: "lost answer",
        VpcId: vpcId,
      }),
    );
    losingTheAnswerOf("CreateSecurityGroup");
    const result = await group.apply({ providerOptions });
    expect(proxy.injected.get("CreateSecurityGroup")).toBe(1);
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const { SecurityGroups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "group-name", Values: [name("group")] }],
      }),
    );
    expect(SecurityGroups).toHaveLength(1);
  });

  it("finds the log group it made instead of failing on already exists", async () => {
    const group = new CloudwatchLogs(
      definitionOf("cloudwatch_logs", "logs", { logGroupName: name("logs") }),
    );
    losingTheAnswerOf("CreateLogGroup");
    const result = await group.apply({ providerOptions });
    expect(proxy.injected.get("CreateLogGroup")).toBe(1);
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const { logGroups = [] } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: name("logs") }),
    );
    expect(logGroups).toHaveLength(1);
  });

  it("finds the bucket it made, tags it as its own, and makes no second one", async () => {
    const bucket = (): S3Bucket =>
      new S3Bucket(definitionOf("s3_bucket", "bucket", { Bucket: name("bucket") }));
    losingTheAnswerOf("CreateBucket");
    const result = await bucket().apply({ providerOptions });
    expect(proxy.injected.get("CreateBucket")).toBe(1);
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets.filter((listed) => listed.Name === name("bucket"))).toHaveLength(1);
    const { TagSet = [] } = await s3.send(new GetBucketTaggingCommand({ Bucket: name("bucket") }));
    expect(TagSet).toContainEqual({ Key: "pcf:managed-by", Value: "particle-cloud" });
    expect((await bucket().apply({ providerOptions })).particles[0]?.outcome).toBe("unchanged");
  });
});
