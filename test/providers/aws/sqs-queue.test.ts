import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { Field, applyField, loadField } from "../../../src/index.js";
import { SqsQueue, type SqsQueueDefinition } from "../../../src/providers/aws/sqs/queue.js";
import {
  awsTestOptions,
  motoAccountId,
  uniqueName,
  verificationClient,
} from "../../support/aws.js";
import {
  OWNERSHIP,
  countApply,
  countReapply,
  definitionErrorOf,
  definitionOf,
  expectStopDeletes,
  expectTerminates,
  expectTerminatesWhenGone,
  failureOf,
} from "../../support/aws-fixtures.js";

const sqs = verificationClient(SQSClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

function queue(label: string, block: Partial<SqsQueueDefinition> = {}): SqsQueue {
  const base = { QueueName: uniqueName(import.meta.url, label) };
  return new SqsQueue(definitionOf("sqs_queue", label, base, block));
}

async function urlOf(name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch {
    return undefined;
  }
}

async function attributesOf(name: string): Promise<Record<string, string>> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: await urlOf(name), AttributeNames: ["All"] }),
  );
  return Attributes;
}

async function tagsOf(name: string): Promise<Record<string, string>> {
  const { Tags = {} } = await sqs.send(new ListQueueTagsCommand({ QueueUrl: await urlOf(name) }));
  return Tags;
}

describe("sqs_queue", () => {
  it("creates the queue with its attributes, its tags and the ownership tag", async () => {
    const name = uniqueName(import.meta.url, "create");
    const result = await queue("create", {
      Attributes: { VisibilityTimeout: "45", DelaySeconds: 2 },
      Tags: { team: "data" },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    expect(await attributesOf(name)).toMatchObject({
      VisibilityTimeout: "45",
      DelaySeconds: "2",
      QueueArn: expect.stringContaining(motoAccountId(import.meta.url)) as unknown,
    });
    expect(await tagsOf(name)).toEqual({ team: "data", ...OWNERSHIP });
  });

  it("creates a queue whose definition has no Attributes", async () => {
    const result = await queue("bare").apply({ providerOptions });
    expect(result.particles[0]?.outcome).toBe("converged");
    expect(await tagsOf(uniqueName(import.meta.url, "bare"))).toEqual(OWNERSHIP);
    const again = await queue("bare").apply({ providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
  });

  it("reports a second apply as unchanged, numbers and strings alike", async () => {
    await queue("noop", { Attributes: { VisibilityTimeout: 60 }, Tags: { version: 2 } }).apply({
      providerOptions,
    });
    const again = await queue("noop", {
      Attributes: { VisibilityTimeout: "60" },
      Tags: { version: "2" },
    }).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("updates attributes and tags in place", async () => {
    const name = uniqueName(import.meta.url, "update");
    await queue("update", {
      Attributes: { VisibilityTimeout: "30" },
      Tags: { team: "data", old: "x" },
    }).apply({ providerOptions });
    const result = await queue("update", {
      Attributes: { VisibilityTimeout: "90", MessageRetentionPeriod: "86400" },
      Tags: { team: "ml", added: "y" },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect(await attributesOf(name)).toMatchObject({
      VisibilityTimeout: "90",
      MessageRetentionPeriod: "86400",
    });
    expect(await tagsOf(name)).toEqual({ team: "ml", added: "y", ...OWNERSHIP });
  });

  it("corrects an attribute changed behind its back", async () => {
    const name = uniqueName(import.meta.url, "drift");
    const particle = queue("drift", { Attributes: { VisibilityTimeout: "30" } });
    await particle.apply({ providerOptions });
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: await urlOf(name),
        Attributes: { VisibilityTimeout: "5" },
      }),
    );
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect((await attributesOf(name))["VisibilityTimeout"]).toBe("30");
  });

  it("compares JSON attributes as documents and accepts them as objects", async () => {
    const name = uniqueName(import.meta.url, "policy");
    const arn = `arn:aws:sqs:us-east-1:${motoAccountId(import.meta.url)}:${name}`;
    const policy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: "*" }, Action: "sqs:SendMessage", Resource: arn },
      ],
    };
    await queue("policy", { Attributes: { Policy: policy } }).apply({ providerOptions });
    expect(JSON.parse((await attributesOf(name))["Policy"] ?? "{}")).toEqual(policy);
    const again = await queue("policy", {
      Attributes: { Policy: JSON.stringify(policy, null, 2) },
    }).apply({ providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
  });

  it("creates a FIFO queue for a name ending in .fifo", async () => {
    const name = `${uniqueName(import.meta.url, "ordered")}.fifo`;
    await new SqsQueue({
      pcf_name: "ordered",
      flavor: "sqs_queue",
      aws_resource: { QueueName: name },
    }).apply({ providerOptions });
    expect((await attributesOf(name))["FifoQueue"]).toBe("true");
  });

  it("terminates the queue", async () => {
    await expectTerminates(import.meta.url, queue, async (label) => {
      expect(await urlOf(uniqueName(import.meta.url, label))).toBeUndefined();
    });
  });

  it("deletes the queue when asked to stop, and then counts it as stopped", async () => {
    await expectStopDeletes(import.meta.url, queue, async (label) => {
      expect(await urlOf(uniqueName(import.meta.url, label))).toBeUndefined();
    });
  });

  it("terminates a queue that is already gone", async () => {
    await expectTerminatesWhenGone(import.meta.url, queue, async (label) =>
      sqs.send(
        new DeleteQueueCommand({ QueueUrl: await urlOf(uniqueName(import.meta.url, label)) }),
      ),
    );
  });

  it("refuses to terminate a queue it did not create, until told to adopt it", async () => {
    const name = uniqueName(import.meta.url, "foreign");
    await sqs.send(new CreateQueueCommand({ QueueName: name, tags: { owner: "someone-else" } }));
    const error = await failureOf(
      queue("foreign").apply({ providerOptions, desiredState: "terminated" }),
    );
    expect(error.message).toMatch(
      /refusing to terminate: .* exists but was not created by particle-cloud.*custom_config\.adopt: true/,
    );
    expect(await urlOf(name)).toBeDefined();

    await queue("foreign", { custom_config: { adopt: true } }).apply({
      providerOptions,
      desiredState: "terminated",
    });
    expect(await urlOf(name)).toBeUndefined();
  });

  it("refuses to update a queue it did not create", async () => {
    const name = uniqueName(import.meta.url, "foreign-update");
    await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "10" } }),
    );
    const error = await failureOf(
      queue("foreign-update", { Attributes: { VisibilityTimeout: "20" } }).apply({
        providerOptions,
      }),
    );
    expect(error.message).toMatch(/refusing to update/);
    expect((await attributesOf(name))["VisibilityTimeout"]).toBe("10");
  });

  it("reads a field of three queues with one ListQueues call", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    await queue("batch-other").apply({ providerOptions });
    const { outcomes, counts } = await countReapply(import.meta.url, () =>
      labels.map((label) => queue(label)),
    );
    expect(outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(counts).toEqual({ ListQueuesCommand: 1, GetQueueAttributesCommand: 3 });
  });

  it("trusts its create call, and reads a new queue only for the ARN a child inherits", async () => {
    const dlqName = uniqueName(import.meta.url, "dlq");
    const workName = uniqueName(import.meta.url, "work");
    const dlq = new SqsQueue({
      pcf_name: "dlq",
      flavor: "sqs_queue",
      aws_resource: { QueueName: dlqName, Attributes: { MessageRetentionPeriod: 1209600 } },
    });
    const work = new SqsQueue({
      pcf_name: "work",
      flavor: "sqs_queue",
      parents: ["sqs_queue:dlq"],
      aws_resource: {
        QueueName: workName,
        Attributes: {
          RedrivePolicy: {
            deadLetterTargetArn: "$inherit$sqs_queue:dlq$Attributes.QueueArn",
            maxReceiveCount: 3,
          },
        },
      },
    });

    const { outcomes, counts } = await countApply(import.meta.url, [dlq, work]);

    expect(outcomes).toEqual(["converged", "converged"]);
    // One ListQueues for both; the dead-letter queue read once, for the ARN; the other not at all.
    expect(counts).toEqual({
      ListQueuesCommand: 1,
      CreateQueueCommand: 2,
      GetQueueAttributesCommand: 1,
    });
    const redrive = JSON.parse((await attributesOf(workName))["RedrivePolicy"] ?? "{}") as Record<
      string,
      unknown
    >;
    expect(redrive["deadLetterTargetArn"]).toBe((await attributesOf(dlqName))["QueueArn"]);
  });

  it("reads only the tags of queues going down, and confirms each delete on the queue's URL", async () => {
    const labels = ["down-a", "down-b"];
    await applyField(new Field(labels.map((label) => queue(label))).link(), { providerOptions });
    const doomed = labels.map((label) => queue(label));
    for (const particle of doomed) particle.desiredState = "terminated";

    const { outcomes, counts } = await countApply(import.meta.url, doomed);

    expect(outcomes).toEqual(["converged", "converged"]);
    expect(counts).toEqual({
      ListQueuesCommand: 1,
      // The tags once, for the ownership check; no attributes, which a queue going down never needs.
      ListQueueTagsCommand: 2,
      DeleteQueueCommand: 2,
      // DeleteQueue's answer carries nothing: one read of the URL after it sees the queue gone.
      GetQueueAttributesCommand: 2,
    });
    for (const label of labels)
      expect(await urlOf(uniqueName(import.meta.url, label))).toBeUndefined();
  });

  it("loads and applies PCF's own example definition", async () => {
    // From capitalone/Particle-Cloud-Framework examples/particle/aws/sqs/use_SQS/example_SQS.py,
    // with the flavor PCF renamed it to (sqs → sqs_queue).
    const example = {
      pcf_name: "gg-pcf",
      flavor: "sqs_queue",
      aws_resource: {
        QueueName: "test_SQS_queue.fifo",
        Attributes: {
          DelaySeconds: "0",
          MaximumMessageSize: "262144",
          MessageRetentionPeriod: "345600",
          Policy: "AWS policy",
          ReceiveMessageWaitTimeSeconds: "20",
          VisibilityTimeout: "43200",
          KmsMasterKeyId: "enc/sqs",
          KmsDataKeyReusePeriodSeconds: "300",
          FifoQueue: "true",
          ContentBasedDeduplication: "true",
          QueueArn: "arn:aws:sqs:us-east-1:123456789012:test_SQS_queue.fifo",
        },
        Tags: { test_tag: "value", remove_tag: "bye" },
      },
    };
    const { field } = await loadField([example]);
    expect(field.get("sqs_queue:gg-pcf")).toBeInstanceOf(SqsQueue);

    // PCF's update example: change an attribute, add one, change a tag, add one, remove one.
    const name = uniqueName(import.meta.url, "example.fifo");
    const { Policy: _invalidPolicy, ...attributes } = example.aws_resource.Attributes;
    const created = {
      ...example,
      aws_resource: { ...example.aws_resource, QueueName: name, Attributes: attributes },
    };
    await applyField((await loadField([created])).field, { providerOptions });
    const updated = {
      ...created,
      aws_resource: {
        ...created.aws_resource,
        Attributes: {
          ...attributes,
          MaximumMessageSize: "262143",
          ContentBasedDeduplication: "false",
        },
        Tags: { test_tag: "changed", new_tag: "new" },
      },
    };
    const result = await applyField((await loadField([updated])).field, { providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(await attributesOf(name)).toMatchObject({
      MaximumMessageSize: "262143",
      ContentBasedDeduplication: "false",
      FifoQueue: "true",
    });
    expect(await tagsOf(name)).toEqual({ test_tag: "changed", new_tag: "new", ...OWNERSHIP });
  });

  it("rejects a definition without its QueueName when constructed", () => {
    expect(
      () =>
        new SqsQueue({
          pcf_name: "nameless",
          flavor: "sqs_queue",
          aws_resource: { Attributes: { DelaySeconds: "1" } },
        }),
    ).toThrow(/unique key aws_resource\.QueueName is required/);
  });

  it("rejects unknown attributes and wrong types, listing every problem", async () => {
    const error = await definitionErrorOf([
      {
        pcf_name: "typed",
        flavor: "sqs_queue",
        aws_resource: {
          QueueName: ["q"],
          Attributes: { VisibilityTimout: "30" },
          Tags: "team=data",
        },
      },
    ]);
    const fields = error.issues.map((issue) => issue.field);
    expect(fields).toEqual(expect.arrayContaining(["aws_resource.QueueName", "aws_resource.Tags"]));
    expect(fields.some((field) => field?.startsWith("aws_resource.Attributes"))).toBe(true);
  });
});
