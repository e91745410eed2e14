import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { SqsQueue } from "../../../src/providers/aws/sqs/queue.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const sqs = verificationClient(SQSClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

async function urlOf(label: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name(label) }))).QueueUrl;
  } catch {
    return undefined;
  }
}

/**
 * sqs_queue: attributes update in place; a queue has no stopped form and no fixed field (FifoQueue
 * follows from the name, its unique key).
 */
export const sqsQueueSpec: ConformanceSpec = {
  flavor: SqsQueue,
  testFileUrl: import.meta.url,
  definition: (label) =>
    definitionOf("sqs_queue", label, {
      QueueName: name(label),
      Attributes: { VisibilityTimeout: "30" },
    }),
  verify: async (label) => {
    const url = await urlOf(label);
    if (url === undefined) return undefined;
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
    );
    return Attributes;
  },
  drift: {
    apply: async (label) => {
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: await urlOf(label),
          Attributes: { VisibilityTimeout: "5" },
        }),
      );
    },
    field: "VisibilityTimeout",
  },
  update: {
    definition: (label) =>
      definitionOf("sqs_queue", label, {
        QueueName: name(label),
        Attributes: { VisibilityTimeout: "90" },
      }),
    expected: { VisibilityTimeout: "90" },
  },
  replace: "none",
  stop: "none",
  createForeign: async (label) => {
    await sqs.send(
      new CreateQueueCommand({ QueueName: name(label), Attributes: { VisibilityTimeout: "30" } }),
    );
  },
  createOperation: "CreateQueue",
};
