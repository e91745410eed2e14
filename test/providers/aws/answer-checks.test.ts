import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetRoleCommand, IAMClient, CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineEvent } from "../../../src/index.js";
import { createRunContext, type RunContext } from "../../../src/core/run-context.js";
import { awsClient } from "../../../src/providers/aws/clients.js";
import { AwsCallError } from "../../../src/providers/aws/errors.js";
import type { AwsClient } from "../../../src/providers/aws/options.js";
import { IncompleteAnswerError } from "../../../src/providers/kit/create-once.js";
import { TEST_REGION, awsTestOptions, uniqueName } from "../../support/aws.js";
import { startFaultProxy, type Fault, type FaultProxy } from "../../support/fault-proxy.js";

/**
 * What the provider's clients do with answers that are not the operation's answer, for each
 * protocol the flavors use: EC2 and IAM (query XML), S3 (REST XML), SQS (JSON 1.0), Logs
 * (JSON 1.1). The SDK alone takes an empty 200 as success everywhere, an HTML 200 as success for
 * the XML protocols, and fails a truncated body with a parse error it does not retry.
 */

let proxy: FaultProxy;
const events: EngineEvent[] = [];
let context: RunContext;
const ROLE_NAME = uniqueName(import.meta.url, "role");

beforeAll(async () => {
  const base = awsTestOptions(import.meta.url).aws;
  proxy = await startFaultProxy({ target: base.endpoint ?? "" });
  context = createRunContext({
    providerOptions: { aws: { ...base, endpoint: proxy.endpoint, maxAttempts: 3 } },
    onEvent: (event) => events.push(event),
  });
  await (
    await awsClient(SQSClient, context, TEST_REGION)
  ).send(new CreateQueueCommand({ QueueName: uniqueName(import.meta.url, "q") }));
  await (
    await awsClient(IAMClient, context, TEST_REGION)
  ).send(new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: "{}" }));
  await (
    await awsClient(CloudWatchLogsClient, context, TEST_REGION)
  ).send(new CreateLogGroupCommand({ logGroupName: uniqueName(import.meta.url, "logs") }));
});

afterAll(async () => {
  await proxy.stop();
});

function client<C extends AwsClient>(
  ServiceClient: Parameters<typeof awsClient<C>>[0],
  options: { isSingleAttempt?: boolean } = {},
): Promise<C> {
  return awsClient(ServiceClient, context, TEST_REGION, options);
}

/** Faults the next answer to `operation` once, and returns how many requests it then took. */
async function requestsOf(operation: string, fault: Fault, call: () => Promise<unknown>) {
  proxy.setRules([{ operation, fault, times: 1 }]);
  const before = proxy.requests(operation);
  await call();
  return proxy.requests(operation) - before;
}

const BAD_ANSWERS: readonly Fault[] = [
  { kind: "empty", when: "after" },
  { kind: "truncate", when: "after" },
  { kind: "html", when: "after" },
];

describe.each(BAD_ANSWERS)("an answer that is $kind", (fault) => {
  it("to DescribeVpcs (query XML) is retried, and the read gets the VPCs", async () => {
    const ec2 = await client(EC2Client);
    let vpcs: unknown;
    const requests = await requestsOf("DescribeVpcs", fault, async () => {
      ({ Vpcs: vpcs } = await ec2.send(new DescribeVpcsCommand({})));
    });
    expect(requests).toBe(2);
    expect(vpcs).toEqual(expect.arrayContaining([expect.objectContaining({ IsDefault: true })]));
  });

  it("to GetRole (IAM query XML) is retried, and the read gets the role", async () => {
    const iam = await client(IAMClient);
    let role: unknown;
    const requests = await requestsOf("GetRole", fault, async () => {
      ({ Role: role } = await iam.send(new GetRoleCommand({ RoleName: ROLE_NAME })));
    });
    expect(requests).toBe(2);
    expect(role).toMatchObject({ RoleName: ROLE_NAME });
  });

  it("to ListBuckets (REST XML) is retried, and the read gets the owner", async () => {
    const s3 = await client(S3Client);
    let owner: unknown;
    const requests = await requestsOf("ListBuckets", fault, async () => {
      ({ Owner: owner } = await s3.send(new ListBucketsCommand({})));
    });
    expect(requests).toBe(2);
    expect(owner).toBeDefined();
  });

  it("to GetQueueUrl (JSON 1.0) is retried, and the read gets the URL", async () => {
    const sqs = await client(SQSClient);
    let url: unknown;
    const requests = await requestsOf("GetQueueUrl", fault, async () => {
      ({ QueueUrl: url } = await sqs.send(
        new GetQueueUrlCommand({ QueueName: uniqueName(import.meta.url, "q") }),
      ));
    });
    expect(requests).toBe(2);
    expect(url).toContain(uniqueName(import.meta.url, "q"));
  });

  it("to DescribeLogGroups (JSON 1.1) is retried, and the read gets the group", async () => {
    const logs = await client(CloudWatchLogsClient);
    let groups: unknown;
    const requests = await requestsOf("DescribeLogGroups", fault, async () => {
      ({ logGroups: groups } = await logs.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: uniqueName(import.meta.url, "logs") }),
      ));
    });
    expect(requests).toBe(2);
    expect(groups).toHaveLength(1);
  });

  it("to a single-attempt CreateVpc is an incomplete answer, not a success", async () => {
    const ec2 = await client(EC2Client, { isSingleAttempt: true });
    proxy.setRules([{ operation: "CreateVpc", fault, times: 1 }]);
    const failure = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.77.0.0/16" })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(IncompleteAnswerError);
  });
});

describe("answers that are fine as they are", () => {
  it("accepts the empty 200 of CreateLogGroup, whose output has no fields", async () => {
    const logs = await client(CloudWatchLogsClient);
    const requests = await requestsOf("CreateLogGroup", { kind: "empty", when: "after" }, () =>
      logs.send(new CreateLogGroupCommand({ logGroupName: uniqueName(import.meta.url, "empty") })),
    );
    expect(requests).toBe(1);
  });

  it("accepts the answer of CreateBucket, whose output is in headers and body is empty", async () => {
    const s3 = await client(S3Client);
    proxy.setRules([]);
    const before = proxy.requests("CreateBucket");
    const { Location } = await s3.send(
      new CreateBucketCommand({ Bucket: uniqueName(import.meta.url, "bucket") }),
    );
    expect(Location).toBeDefined();
    expect(proxy.requests("CreateBucket") - before).toBe(1);
  });
});

describe("an answer without the headers its output is in", () => {
  it("to CreateBucket (REST XML) is retried: no Location, no bucket made", async () => {
    const s3 = await client(S3Client);
    const bucket = uniqueName(import.meta.url, "headless");
    let location: unknown;
    const requests = await requestsOf(
      "CreateBucket",
      { kind: "empty", when: "before" },
      async () => {
        ({ Location: location } = await s3.send(new CreateBucketCommand({ Bucket: bucket })));
      },
    );
    expect(requests).toBe(2);
    expect(location).toContain(bucket);
  });
});

describe("the retry budget", () => {
  it("retries throttling that outlasts the SDK's attempts, and reports each retry", async () => {
    const sqs = await client(SQSClient);
    events.length = 0;
    // The SDK sends 3 attempts; the 4th throttled answer is the budget's first retry.
    proxy.setRules([
      { operation: "GetQueueUrl", fault: { kind: "throttle", when: "before" }, times: 4 },
    ]);
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: uniqueName(import.meta.url, "q") }),
    );
    expect(QueueUrl).toBeDefined();
    const retries = events.filter((event) => event.type === "call.retry");
    expect(retries).toEqual([
      expect.objectContaining({
        particle: `aws:sqs:${TEST_REGION}`,
        call: "GetQueueUrl",
        attempt: 1,
        reason: "throttled",
      }),
    ]);
  });

  it("does not retry a refusal: the call fails with the service's code and message", async () => {
    const ec2 = await client(EC2Client);
    const before = proxy.requests("DescribeVpcs");
    proxy.setRules([]);
    const failure = await ec2.send(new DescribeVpcsCommand({ VpcIds: ["vpc-0000000a"] })).then(
      () => undefined,
      (error: unknown) => new AwsCallError(error, "vpc_instance:net", "read VPC"),
    );
    expect(proxy.requests("DescribeVpcs") - before).toBe(1);
    expect(failure?.message).toMatch(/^read VPC failed: InvalidVpcID\.NotFound: /);
    expect(failure?.isRetryable).toBe(false);
  });
});
