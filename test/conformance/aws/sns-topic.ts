import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListTopicsCommand,
  SetTopicAttributesCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import { SnsTopic } from "../../../src/providers/aws/sns/topic.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const sns = verificationClient(SNSClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function topic(label: string, displayName: string): ReturnType<typeof definitionOf> {
  return definitionOf("sns_topic", label, {
    Name: name(label),
    Attributes: { DisplayName: displayName },
  });
}

/** The ARN of `label`'s topic, from one ListTopics page (the spec's account holds few). */
async function arnOf(label: string): Promise<string | undefined> {
  const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
  return Topics.map(({ TopicArn }) => TopicArn).find((arn) => arn?.endsWith(`:${name(label)}`));
}

/**
 * sns_topic: attributes update in place; a topic has no stopped form and no fixed field
 * (FifoTopic follows from the name, its unique key).
 */
export const snsTopicSpec: ConformanceSpec = {
  flavor: SnsTopic,
  testFileUrl: import.meta.url,
  definition: (label) => topic(label, "first"),
  verify: async (label) => {
    const TopicArn = await arnOf(label);
    if (TopicArn === undefined) return undefined;
    const { Attributes = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    return Attributes;
  },
  drift: {
    apply: async (label) => {
      await sns.send(
        new SetTopicAttributesCommand({
          TopicArn: await arnOf(label),
          AttributeName: "DisplayName",
          AttributeValue: "drifted",
        }),
      );
    },
    field: "DisplayName",
  },
  update: {
    definition: (label) => topic(label, "second"),
    expected: { DisplayName: "second" },
  },
  replace: "none",
  stop: "none",
  createForeign: async (label) => {
    await sns.send(
      new CreateTopicCommand({ Name: name(label), Attributes: { DisplayName: "first" } }),
    );
  },
  createOperation: "CreateTopic",
};
