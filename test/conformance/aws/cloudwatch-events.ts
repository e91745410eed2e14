import {
  DisableRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTagsForResourceCommand,
  PutRuleCommand,
} from "@aws-sdk/client-eventbridge";
import { CloudwatchEvents } from "../../../src/providers/aws/events/rule.js";
import { OWNERSHIP_TAG_KEY, tagsFromList } from "../../../src/providers/aws/tags.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const events = verificationClient(EventBridgeClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function rule(label: string, block: Record<string, unknown> = {}): ReturnType<typeof definitionOf> {
  return definitionOf(
    "cloudwatch_events",
    label,
    {
      Name: name(label),
      EventPattern: JSON.stringify({ source: ["pcf.conformance"] }),
      State: "ENABLED",
      Description: "conformance",
      Tags: [{ Key: "team", Value: "web" }],
    },
    block,
  );
}

/** cloudwatch_events: state and description update in place; nothing is fixed; no stopped form. */
export const cloudwatchEventsSpec: ConformanceSpec = {
  flavor: CloudwatchEvents,
  testFileUrl: import.meta.url,
  definition: (label) => rule(label),
  verify: async (label) => {
    const { Rules = [] } = await events.send(new ListRulesCommand({ NamePrefix: name(label) }));
    const found = Rules.find((candidate) => candidate.Name === name(label));
    if (found === undefined) return undefined;
    const { Tags } = await events.send(new ListTagsForResourceCommand({ ResourceARN: found.Arn }));
    return {
      State: found.State,
      Description: found.Description,
      owned: OWNERSHIP_TAG_KEY in tagsFromList(Tags),
    };
  },
  drift: {
    apply: async (label) => {
      await events.send(new DisableRuleCommand({ Name: name(label) }));
    },
    field: "State",
  },
  update: {
    definition: (label) => rule(label, { Description: "changed" }),
    expected: { Description: "changed", State: "ENABLED" },
  },
  replace: "none",
  stop: "none",
  createForeign: async (label) => {
    await events.send(
      new PutRuleCommand({
        Name: name(label),
        EventPattern: JSON.stringify({ source: ["pcf.conformance"] }),
        State: "ENABLED",
        Description: "conformance",
      }),
    );
  },
  createOperation: "PutRule",
};
