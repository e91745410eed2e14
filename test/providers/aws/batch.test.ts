import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
} from "@aws-sdk/client-batch";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { BatchComputeEnvironment } from "../../../src/providers/aws/batch/compute-environment.js";
import { BatchJobQueue } from "../../../src/providers/aws/batch/job-queue.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import { countSyncAll, definitionOf, failureOf } from "../../support/aws-fixtures.js";

const batch = verificationClient(BatchClient, import.meta.url);
const iam = verificationClient(IAMClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

let roleArn = "";

/** An UNMANAGED environment; its role by ARN (moto takes no other form), or by name. */
function environment(label: string, role = roleArn): BatchComputeEnvironment {
  return new BatchComputeEnvironment(
    definitionOf("batch_compute_environment", label, {
      computeEnvironmentName: name(label),
      type: "UNMANAGED",
      serviceRole: role,
      state: "ENABLED",
    }),
  );
}

function queue(label: string, environments: readonly string[]): BatchJobQueue {
  return new BatchJobQueue(
    definitionOf("batch_job_queue", label, {
      jobQueueName: name(label),
      state: "ENABLED",
      priority: 1,
      computeEnvironmentOrder: environments.map((computeEnvironment, index) => ({
        order: index + 1,
        computeEnvironment,
      })),
    }),
  );
}

beforeAll(async () => {
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: name("role"), AssumeRolePolicyDocument: "{}" }),
  );
  roleArn = Role?.Arn ?? "";
});

describe("batch_compute_environment", () => {
  it("takes PCF's definition (with a `state`), and reads it unchanged with its role by name", async () => {
    const result = await environment("pcf").apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const { computeEnvironments = [] } = await batch.send(
      new DescribeComputeEnvironmentsCommand({ computeEnvironments: [name("pcf")] }),
    );
    expect(computeEnvironments[0]).toMatchObject({ serviceRole: roleArn, state: "ENABLED" });
    const again = await environment("pcf", name("role")).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("reads many environments of a region with one DescribeComputeEnvironments", async () => {
    for (const label of ["one", "two"])
      await batch.send(
        new CreateComputeEnvironmentCommand({
          computeEnvironmentName: name(label),
          type: "UNMANAGED",
          state: "DISABLED",
          serviceRole: roleArn,
        }),
      );
    const { states, counts } = await countSyncAll(import.meta.url, BatchComputeEnvironment, [
      environment("one"),
      environment("two"),
      environment("missing"),
    ]);
    expect(states).toEqual(["stopped", "stopped", "terminated"]);
    expect(counts).toEqual({ DescribeComputeEnvironmentsCommand: 1 });
  });
});

describe("batch_job_queue", () => {
  it("names its environments by name, sends their ARNs and compares them by name", async () => {
    await environment("for-queue").apply({ providerOptions });
    const result = await queue("named", [name("for-queue")]).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const { jobQueues = [] } = await batch.send(
      new DescribeJobQueuesCommand({ jobQueues: [name("named")] }),
    );
    expect(jobQueues[0]?.computeEnvironmentOrder?.[0]?.computeEnvironment).toMatch(
      new RegExp(`^arn:aws:batch:.*:compute-environment/${name("for-queue")}$`),
    );
    const again = await queue("named", [name("for-queue")]).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("fails before creating a queue whose environment does not exist, naming it", async () => {
    const error = await failureOf(queue("lost", [name("nowhere")]).apply({ providerOptions }));
    expect(error.message).toContain(`no compute environment ${name("nowhere")}`);
    const { jobQueues = [] } = await batch.send(
      new DescribeJobQueuesCommand({ jobQueues: [name("lost")] }),
    );
    expect(jobQueues).toEqual([]);
  });
});
