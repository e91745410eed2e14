import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
} from "@aws-sdk/client-cloudformation";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { CloudformationStack } from "../../../src/providers/aws/cloudformation/stack.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import { OWNERSHIP, definitionOf } from "../../support/aws-fixtures.js";

const cloudformation = verificationClient(CloudFormationClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

/** An SQS queue whose name the template parameters give. */
const TEMPLATE =
  "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {{ queue }}\n";

function stack(label: string, block: Record<string, unknown> = {}): CloudformationStack {
  const base = { StackName: uniqueName(import.meta.url, label) };
  return new CloudformationStack(definitionOf("cloudformation", label, base, block));
}

/** The statuses of the stacks of `label`'s name, deleted ones included. */
async function statuses(label: string): Promise<string[]> {
  const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({}));
  return Stacks.filter(({ StackName }) => StackName === uniqueName(import.meta.url, label)).map(
    ({ StackStatus }) => String(StackStatus),
  );
}

describe("cloudformation", () => {
  it("renders a template file with custom_config.template_parameters, relative to the working directory", async () => {
    // Inside the working directory: a template path may not climb out of it.
    const directory = await mkdtemp(join(process.cwd(), ".pcf-cfn-"));
    await writeFile(join(directory, "queue.yaml.j2"), TEMPLATE);
    const config = {
      template_file: relative(process.cwd(), join(directory, "queue.yaml.j2")),
      template_parameters: { queue: "rendered-queue" },
    };
    try {
      const result = await stack("file", { custom_config: config }).apply({ providerOptions });
      expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
      const { TemplateBody } = await cloudformation.send(
        new GetTemplateCommand({ StackName: uniqueName(import.meta.url, "file") }),
      );
      expect(TemplateBody).toContain("QueueName: rendered-queue");
      const again = await stack("file", { custom_config: config }).apply({ providerOptions });
      expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("refuses a template path outside the working directory, and two template sources", () => {
    expect(() => stack("outside", { custom_config: { template_file: "../stack.yaml" } })).toThrow(
      /relative path inside/,
    );
    expect(() =>
      stack("both", { TemplateBody: TEMPLATE, custom_config: { template_file: "stack.yaml" } }),
    ).toThrow(/give one of TemplateBody, TemplateURL and custom_config.template_file/);
  });

  it("changes parameters and tags in one UpdateStack, keeping the ownership tag", async () => {
    const template =
      "Parameters:\n  Name:\n    Type: String\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: !Ref Name\n";
    const block = (name: string, team: string): Record<string, unknown> => ({
      TemplateBody: template,
      Parameters: [{ ParameterKey: "Name", ParameterValue: name }],
      Tags: [{ Key: "team", Value: team }],
    });
    await stack("tags", block("first", "web")).apply({ providerOptions });
    const result = await stack("tags", block("second", "data")).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const { Stacks = [] } = await cloudformation.send(
      new DescribeStacksCommand({ StackName: uniqueName(import.meta.url, "tags") }),
    );
    expect(Stacks[0]?.Parameters).toEqual([{ ParameterKey: "Name", ParameterValue: "second" }]);
    expect(
      Object.fromEntries((Stacks[0]?.Tags ?? []).map(({ Key, Value }) => [Key, Value])),
    ).toEqual({
      team: "data",
      ...OWNERSHIP,
    });
  });

  it("creates the stack again after a terminate, under a new token", async () => {
    const block = {
      TemplateBody: TEMPLATE,
      custom_config: { template_parameters: { queue: uniqueName(import.meta.url, "q") } },
    };
    await stack("again", block).apply({ providerOptions });
    const down = await stack("again", block).apply({ providerOptions, desiredState: "terminated" });
    expect(down.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
    expect(await statuses("again")).toEqual([]);
    const up = await stack("again", block).apply({ providerOptions });
    expect(up.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    expect(await statuses("again")).toEqual(["CREATE_COMPLETE"]);
  });
});
