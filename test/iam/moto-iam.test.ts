import { ListDistributionsCommand, ListTagsForResourceCommand } from "@aws-sdk/client-cloudfront";
import { BatchClient, DescribeJobQueuesCommand } from "@aws-sdk/client-batch";
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from "@aws-sdk/client-resource-groups-tagging-api";
import {
  CreateBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsClient } from "../../src/providers/aws/options.js";
import { cloudfrontSpec } from "../conformance/aws/cloudfront.js";
import { lambdaFunctionSpec } from "../conformance/aws/lambda-function.js";
import { snsTopicSpec } from "../conformance/aws/sns-topic.js";
import { sqsQueueSpec } from "../conformance/aws/sqs-queue.js";
import type { ConformanceSpec } from "../conformance/spec.js";
import {
  TEST_CREDENTIALS,
  TEST_REGION,
  motoAccountId,
  motoCredentials,
  motoEndpoint,
  uniqueName,
  useMotoAccount,
  verificationClient,
  type AccessKeyPair,
  type VerificationClientConfig,
} from "../support/aws.js";
import {
  createDeployer,
  iamPolicyOf,
  useProfiles,
  withoutAction,
  type Deployer,
  type PolicyStatement,
} from "./deployer.js";
import { runAsDeployer, settle } from "./least-privilege.js";
import { RefusalLog, describeRefusal } from "./refusals.js";

// What moto's IAM enforcement checks and what it does not, each claim an experiment; and the
// negative control: a flavor's policy without one action it needs fails the suite's run.

const ACCOUNT = motoAccountId(import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

/** A client signing with `key`, in `account` (default the run's), whose refusals `refusals` records. */
function clientAs<C extends AwsClient>(
  ServiceClient: new (config: VerificationClientConfig) => C,
  key: AccessKeyPair,
  refusals = new RefusalLog(),
  account = ACCOUNT,
): C {
  const client = new ServiceClient({
    region: TEST_REGION,
    endpoint: motoEndpoint(),
    credentials: key,
    maxAttempts: 1,
    forcePathStyle: true,
  });
  useMotoAccount(client, account);
  refusals.attach(client);
  return client;
}

/** A user whose one policy holds `statements`, and its key. */
async function userWith(label: string, statements: readonly PolicyStatement[]): Promise<Deployer> {
  return createDeployer(name(label), { Version: "2012-10-17", Statement: statements });
}

function allow(action: string, resource: string = "*"): PolicyStatement {
  return { Effect: "Allow", Action: action, Resource: resource };
}

/** The error `promise` rejects with, which must be one. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await settle(promise);
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

/** The deployers of the library runs below; their profiles are written before the first run. */
const runners = new Map<string, Deployer>();

/** The flavor's printed policy without `action`, held by a deployer named after `label`. */
async function deployerWithout(
  spec: ConformanceSpec,
  label: string,
  action: string,
): Promise<void> {
  const printed = await iamPolicyOf([spec.definition(label)]);
  runners.set(
    label,
    await createDeployer(name(`without-${label}`), withoutAction(printed, action)),
  );
}

function runner(label: string): Deployer {
  const found = runners.get(label);
  if (found === undefined) throw new Error(`no deployer for ${label}`);
  return found;
}

let cleanUp: (() => Promise<void>) | undefined;

beforeAll(async () => {
  await lambdaFunctionSpec.beforeAll?.();
  await deployerWithout(sqsQueueSpec, "no-create", "sqs:CreateQueue");
  await deployerWithout(snsTopicSpec, "no-delete", "sns:DeleteTopic");
  await deployerWithout(lambdaFunctionSpec, "no-pass-role", "iam:PassRole");
  await deployerWithout(cloudfrontSpec, "no-with-tags", "cloudfront:CreateDistributionWithTags");
  await deployerWithout(cloudfrontSpec, "no-create-distribution", "cloudfront:CreateDistribution");
  cleanUp = await useProfiles([...runners.values()]);
}, 60_000);

afterAll(() => cleanUp?.());

describe("the suite's negative control", () => {
  it("fails a flavor's create whose policy lacks the create's action, naming it", async () => {
    const definition = sqsQueueSpec.definition("no-create");
    const run = runAsDeployer(sqsQueueSpec, runner("no-create"), definition, "running");
    const error = await rejectionOf(run);
    // The action every time: SQS cannot parse moto's denial, so the create is looked for and resent.
    expect(error).toMatchObject({
      message: expect.stringMatching(/^calls moto refused/) as unknown,
      actual: expect.arrayContaining(["sqs:CreateQueue"]) as unknown,
    });
    expect(new Set((error as Error & { actual: string[] }).actual)).toEqual(
      new Set(["sqs:CreateQueue"]),
    );
    expect(await sqsQueueSpec.verify("no-create")).toBeUndefined();
  });

  it("fails a later step the same way: a terminate without sns:DeleteTopic", async () => {
    const deployer = runner("no-delete");
    const definition = snsTopicSpec.definition("no-delete");
    const created = await runAsDeployer(snsTopicSpec, deployer, definition, "running");
    expect(created).toMatchObject({ outcome: "converged", state: "running" });
    const error = await rejectionOf(
      runAsDeployer(snsTopicSpec, deployer, definition, "terminated"),
    );
    expect(error).toMatchObject({ actual: ["sns:DeleteTopic"] });
    expect(await snsTopicSpec.verify("no-delete")).toBeDefined();
  });
});

describe("moto's IAM enforcement", () => {
  it("refuses the test credentials once the admin is made: its unauthenticated requests are spent", async () => {
    const iam = new IAMClient({
      region: TEST_REGION,
      endpoint: motoEndpoint(),
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    expect(await rejectionOf(iam.send(new ListUsersCommand({})))).toHaveProperty(
      "name",
      "InvalidClientTokenId",
    );
  });

  it("finds a key only in its user's account: under another account's header the admin is unknown", async () => {
    const iam = clientAs(IAMClient, motoCredentials(), new RefusalLog(), "111111111111");
    expect(await rejectionOf(iam.send(new ListUsersCommand({})))).toHaveProperty(
      "name",
      "InvalidClientTokenId",
    );
  });

  it("denies an action no statement allows, naming it", async () => {
    const user = await userWith("only-subscriptions", [allow("sns:ListSubscriptions")]);
    const sns = clientAs(SNSClient, user.key);
    await sns.send(new ListSubscriptionsCommand({}));
    const error = await rejectionOf(sns.send(new ListTopicsCommand({})));
    expect(error).toHaveProperty("name", "AccessDenied");
    expect(error.message).toContain("is not authorized to perform: sns:ListTopics");
  });

  it("matches wildcards in action names", async () => {
    const user = await userWith("list-anything", [allow("sns:List*")]);
    const sns = clientAs(SNSClient, user.key);
    await sns.send(new ListTopicsCommand({}));
    const arn = `arn:aws:sns:${TEST_REGION}:${ACCOUNT}:${name("none")}`;
    expect(
      await rejectionOf(sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))),
    ).toHaveProperty("name", "AccessDenied");
  });

  it("lets a Deny win over an Allow", async () => {
    const user = await userWith("denied-topics", [
      allow("sns:*"),
      { Effect: "Deny", Action: "sns:ListTopics", Resource: "*" },
    ]);
    const sns = clientAs(SNSClient, user.key);
    await sns.send(new ListSubscriptionsCommand({}));
    expect(await rejectionOf(sns.send(new ListTopicsCommand({})))).toHaveProperty(
      "name",
      "AccessDenied",
    );
  });

  it("denies S3 calls without naming the action", async () => {
    const user = await userWith("no-s3", [allow("sns:ListTopics")]);
    const refusals = new RefusalLog();
    const s3 = clientAs(S3Client, user.key, refusals);
    const error = await rejectionOf(s3.send(new ListBucketsCommand({})));
    expect(error).toHaveProperty("name", "AccessDenied");
    expect(error.message).toBe("Access Denied");
    expect(refusals.take()).toEqual([
      { operation: "ListBuckets", code: "AccessDenied", action: undefined },
    ]);
  });

  it("answers a JSON API's denial in XML, which its SDK cannot parse: only the body names the action", async () => {
    const user = await userWith("no-sqs", [allow("sns:ListTopics")]);
    const refusals = new RefusalLog();
    const sqs = clientAs(SQSClient, user.key, refusals);
    const error = await rejectionOf(sqs.send(new CreateQueueCommand({ QueueName: name("never") })));
    expect(error.message).not.toContain("sqs:CreateQueue");
    expect(refusals.take().map(describeRefusal)).toEqual(["sqs:CreateQueue"]);
  });
});

describe("what moto does not check as AWS does", () => {
  it("checks one action per call, never what AWS checks besides: a Lambda function is made without iam:PassRole", async () => {
    const report = await runAsDeployer(
      lambdaFunctionSpec,
      runner("no-pass-role"),
      lambdaFunctionSpec.definition("no-pass-role"),
      "running",
    );
    expect(report).toMatchObject({ outcome: "converged", state: "running" });
  });

  it("checks the operation's name, not IAM's actions: CloudFront's create needs cloudfront:CreateDistributionWithTags", async () => {
    const error = await rejectionOf(
      runAsDeployer(
        cloudfrontSpec,
        runner("no-with-tags"),
        cloudfrontSpec.definition("no-with-tags"),
        "running",
      ),
    );
    expect(error).toMatchObject({ actual: ["cloudfront:CreateDistributionWithTags"] });
  });

  it("and not cloudfront:CreateDistribution, which AWS checks for it", async () => {
    const report = await runAsDeployer(
      cloudfrontSpec,
      runner("no-create-distribution"),
      cloudfrontSpec.definition("no-create-distribution"),
      "running",
    );
    expect(report).toMatchObject({ outcome: "converged", state: "running" });
  });

  it("compares action names case-sensitively, where IAM ignores case", async () => {
    const user = await userWith("lower-case", [allow("sns:listtopics")]);
    const sns = clientAs(SNSClient, user.key);
    expect(await rejectionOf(sns.send(new ListTopicsCommand({})))).toHaveProperty(
      "name",
      "AccessDenied",
    );
  });

  it("checks the tagging API as tagging:*, where IAM's actions are tag:*", async () => {
    // Buckets only, as s3_bucket asks: unfiltered, moto answers an HTML error page once the
    // other files have made their resources.
    const BUCKETS = { ResourceTypeFilters: ["s3:bucket"] };
    const refusals = new RefusalLog();
    const iamNamed = await userWith("tag-get", [allow("tag:GetResources")]);
    const motoNamed = await userWith("tagging-get", [allow("tagging:GetResources")]);
    const asIam = clientAs(ResourceGroupsTaggingAPIClient, iamNamed.key, refusals);
    await rejectionOf(asIam.send(new GetResourcesCommand(BUCKETS)));
    expect(refusals.take().map(describeRefusal)).toEqual(["tagging:GetResources"]);
    const asMoto = clientAs(ResourceGroupsTaggingAPIClient, motoNamed.key, refusals);
    await asMoto.send(new GetResourcesCommand(BUCKETS));
  });

  it("checks Batch's actions by the URL path's lower-case names", async () => {
    const refusals = new RefusalLog();
    const iamNamed = await userWith("batch-iam", [allow("batch:DescribeJobQueues")]);
    const motoNamed = await userWith("batch-moto", [allow("batch:describejobqueues")]);
    await rejectionOf(
      clientAs(BatchClient, iamNamed.key, refusals).send(new DescribeJobQueuesCommand({})),
    );
    expect(refusals.take().map(describeRefusal)).toEqual(["batch:describejobqueues"]);
    await clientAs(BatchClient, motoNamed.key).send(new DescribeJobQueuesCommand({}));
  });

  it("matches a statement's Resource against `*` alone for most services: an SNS topic's own ARN denies it", async () => {
    const admin = verificationClient(SNSClient, import.meta.url);
    const { TopicArn: arn } = await admin.send(new CreateTopicCommand({ Name: name("scoped") }));
    const scoped = await userWith("topic-scoped", [allow("sns:GetTopicAttributes", arn)]);
    const open = await userWith("topic-open", [allow("sns:GetTopicAttributes")]);
    const input = { TopicArn: arn };
    await rejectionOf(clientAs(SNSClient, scoped.key).send(new GetTopicAttributesCommand(input)));
    await clientAs(SNSClient, open.key).send(new GetTopicAttributesCommand(input));
  });

  it("but resolves an SQS queue's ARN: a statement naming the queue allows it, one naming another denies it", async () => {
    const admin = verificationClient(SQSClient, import.meta.url);
    const { QueueUrl: url } = await admin.send(
      new CreateQueueCommand({ QueueName: name("scoped") }),
    );
    const arnOf = (queue: string): string => `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:${queue}`;
    const own = await userWith("queue-own", [
      allow("sqs:GetQueueAttributes", arnOf(name("scoped"))),
    ]);
    const other = await userWith("queue-other", [
      allow("sqs:GetQueueAttributes", arnOf(name("other"))),
    ]);
    const input = { QueueUrl: url, AttributeNames: ["All" as const] };
    await clientAs(SQSClient, own.key).send(new GetQueueAttributesCommand(input));
    const refusals = new RefusalLog();
    await rejectionOf(
      clientAs(SQSClient, other.key, refusals).send(new GetQueueAttributesCommand(input)),
    );
    expect(refusals.take().map(describeRefusal)).toEqual(["sqs:GetQueueAttributes"]);
  });

  it("applies a statement's Condition unconditionally: an Allow whose condition fails allows, such a Deny denies", async () => {
    const elsewhere = { StringEquals: { "aws:RequestedRegion": "eu-west-1" } };
    const allowed = await userWith("condition-allow", [
      { ...allow("sns:ListTopics"), Condition: elsewhere },
    ]);
    const denied = await userWith("condition-deny", [
      allow("sns:*"),
      { Effect: "Deny", Action: "sns:ListTopics", Resource: "*", Condition: elsewhere },
    ]);
    await clientAs(SNSClient, allowed.key).send(new ListTopicsCommand({}));
    await rejectionOf(clientAs(SNSClient, denied.key).send(new ListTopicsCommand({})));
  });

  it("ignores an S3 bucket policy for IAM users: one denying everything leaves the admin allowed", async () => {
    const s3 = verificationClient(S3Client, import.meta.url);
    const bucket = name("deny-all");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const everything = [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
    const denyAll = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: everything };
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({ Version: "2012-10-17", Statement: [denyAll] }),
      }),
    );
    await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  });

  it("evaluates a KMS key policy, though: one denying everything refuses the admin", async () => {
    const kms = verificationClient(KMSClient, import.meta.url);
    const denyAll = { Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" };
    const { KeyMetadata: key } = await kms.send(
      new CreateKeyCommand({
        Policy: JSON.stringify({ Version: "2012-10-17", Statement: [denyAll] }),
      }),
    );
    const error = await rejectionOf(kms.send(new DescribeKeyCommand({ KeyId: key?.KeyId })));
    expect(error).toHaveProperty("name", "AccessDeniedException");
  });

  it("fails the signature of any query holding an ARN, the admin's too: CloudFront's ListTagsForResource", async () => {
    const refusals = new RefusalLog();
    const cloudfront = clientAs(CloudFrontClient, motoCredentials(), refusals);
    await cloudfront.send(new ListDistributionsCommand({}));
    const resource = `arn:aws:cloudfront::${ACCOUNT}:distribution/E000000000000`;
    await rejectionOf(cloudfront.send(new ListTagsForResourceCommand({ Resource: resource })));
    expect(refusals.take().map(describeRefusal)).toEqual([
      "ListTagsForResource: SignatureDoesNotMatch",
    ]);
  });
});
