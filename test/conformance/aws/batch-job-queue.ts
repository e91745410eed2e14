import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  UpdateJobQueueCommand,
} from "@aws-sdk/client-batch";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import type { ParticleDefinition } from "../../../src/index.js";
import { BatchJobQueue } from "../../../src/providers/aws/batch/job-queue.js";
import { motoAccountId, uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const batch = verificationClient(BatchClient, import.meta.url);
const iam = verificationClient(IAMClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

const ROLE_NAME = name("role");

function queue(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    jobQueueName: name(label),
    priority: 1,
    computeEnvironmentOrder: [{ order: 1, computeEnvironment: name("env-first") }],
  };
  return definitionOf("batch_job_queue", label, base, block);
}

/**
 * batch_job_queue: the priority and the environments (named, answered as ARNs) update in place;
 * nothing is fixed; disabled is its stopped form.
 */
export const batchJobQueueSpec: ConformanceSpec = {
  flavor: BatchJobQueue,
  testFileUrl: import.meta.url,
  // The queues' two compute environments, made by the second client; another test file (the
  // facts test) may have made them already, in the same moto account.
  beforeAll: async () => {
    await iam
      .send(
        new CreateRoleCommand({
          RoleName: ROLE_NAME,
          AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof Error && error.name === "EntityAlreadyExistsException")) throw error;
      });
    const environments = [name("env-first"), name("env-second")];
    const { computeEnvironments = [] } = await batch.send(
      new DescribeComputeEnvironmentsCommand({ computeEnvironments: environments }),
    );
    for (const environment of environments)
      if (!computeEnvironments.some((found) => found.computeEnvironmentName === environment))
        await batch.send(
          new CreateComputeEnvironmentCommand({
            computeEnvironmentName: environment,
            type: "UNMANAGED",
            state: "ENABLED",
            serviceRole: `arn:aws:iam::${motoAccountId(import.meta.url)}:role/${ROLE_NAME}`,
          }),
        );
  },
  definition: (label) => queue(label),
  verify: async (label) => {
    const { jobQueues = [] } = await batch.send(
      new DescribeJobQueuesCommand({ jobQueues: [name(label)] }),
    );
    const found = jobQueues.find((candidate) => candidate.status !== "DELETED");
    return found === undefined
      ? undefined
      : {
          priority: found.priority,
          state: found.state,
          environments: (found.computeEnvironmentOrder ?? []).map(({ computeEnvironment = "" }) =>
            computeEnvironment.slice(computeEnvironment.lastIndexOf("/") + 1),
          ),
        };
  },
  drift: {
    apply: async (label) => {
      await batch.send(new UpdateJobQueueCommand({ jobQueue: name(label), priority: 7 }));
    },
    field: "priority",
  },
  update: {
    definition: (label) =>
      queue(label, {
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: name("env-second") }],
      }),
    expected: { environments: [name("env-second")] },
  },
  replace: "none",
  stop: { stopped: { state: "DISABLED" }, running: { state: "ENABLED" } },
  createForeign: async (label) => {
    await batch.send(
      new CreateJobQueueCommand({
        jobQueueName: name(label),
        state: "ENABLED",
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: name("env-first") }],
      }),
    );
  },
  createOperation: "CreateJobQueue",
};
