import {
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import { CloudwatchEvents } from "../../../src/providers/aws/events/rule.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";

const events = verificationClient(EventBridgeClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

function rule(label: string, block: Record<string, unknown> = {}): CloudwatchEvents {
  const base = { Name: uniqueName(import.meta.url, label), ScheduleExpression: "rate(5 minutes)" };
  return new CloudwatchEvents(definitionOf("cloudwatch_events", label, base, block));
}

async function listed(label: string): Promise<string[]> {
  const Name = uniqueName(import.meta.url, label);
  const { Rules = [] } = await events.send(new ListRulesCommand({ NamePrefix: Name }));
  return Rules.flatMap((found) => (found.Name === Name ? [found.State ?? ""] : []));
}

describe("cloudwatch_events", () => {
  it("creates PCF's definition, a DISABLED rule reading running, and leaves it unchanged", async () => {
    const pcf = { State: "DISABLED", Description: "nightly" };
    const result = await rule("pcf", pcf).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    expect(await listed("pcf")).toEqual(["DISABLED"]);
    const again = await rule("pcf", pcf).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("removes the targets added behind its back before deleting the rule", async () => {
    await rule("targets").apply({ providerOptions });
    const Rule = uniqueName(import.meta.url, "targets");
    await events.send(
      new PutTargetsCommand({
        Rule,
        Targets: [{ Id: "queue", Arn: "arn:aws:sqs:us-east-1:123456789012:elsewhere" }],
      }),
    );
    expect((await events.send(new ListTargetsByRuleCommand({ Rule }))).Targets).toHaveLength(1);
    const result = await rule("targets").apply({ providerOptions, desiredState: "terminated" });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
    expect(await listed("targets")).toEqual([]);
  });
});
