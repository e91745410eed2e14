import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  DescribeComputeEnvironmentsCommand,
  UpdateComputeEnvironmentCommand,
} from "@aws-sdk/client-batch";
import { CreateSecurityGroupCommand, CreateSubnetCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import type { ParticleDefinition } from "../../../src/index.js";
import { BatchComputeEnvironment } from "../../../src/providers/aws/batch/compute-environment.js";
import { motoAccountId, uniqueName, verificationClient } from "../../support/aws.js";
import { createVpc, definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const batch = verificationClient(BatchClient, import.meta.url);
const ec2 = verificationClient(EC2Client, import.meta.url);
const iam = verificationClient(IAMClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

/** The service roles before and after the update (moto checks that they exist). */
function roleArn(label: "first" | "second"): string {
  return `arn:aws:iam::${motoAccountId(import.meta.url)}:role/${name(`role-${label}`)}`;
}

/** The subnet and security group of the Fargate capacity, made before the steps. */
const network = { subnet: "", group: "" };

function capacity(type = "FARGATE"): Record<string, unknown> {
  return { type, maxvCpus: 4, subnets: [network.subnet], securityGroupIds: [network.group] };
}

function environment(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    computeEnvironmentName: name(label),
    type: "MANAGED",
    serviceRole: roleArn("first"),
    computeResources: capacity(),
  };
  return definitionOf("batch_compute_environment", label, base, block);
}

/**
 * batch_compute_environment: the service role updates in place; the capacity type is fixed;
 * disabled is its stopped form.
 */
export const batchComputeEnvironmentSpec: ConformanceSpec = {
  flavor: BatchComputeEnvironment,
  testFileUrl: import.meta.url,
  beforeAll: async () => {
    for (const label of ["first", "second"])
      // Another test file (the facts test) may have made them already, in the same moto account.
      await iam
        .send(
          new CreateRoleCommand({
            RoleName: name(`role-${label}`),
            AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof Error && error.name === "EntityAlreadyExistsException"))
            throw error;
        });
    const VpcId = await createVpc(ec2, "10.0.0.0/16");
    const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId, CidrBlock: "10.0.1.0/24" }));
    network.subnet = Subnet?.SubnetId ?? "";
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ VpcId, GroupName: name("group"), Description: "batch" }),
    );
    network.group = GroupId ?? "";
  },
  definition: (label) => environment(label),
  verify: async (label) => {
    const { computeEnvironments = [] } = await batch.send(
      new DescribeComputeEnvironmentsCommand({ computeEnvironments: [name(label)] }),
    );
    const found = computeEnvironments.find((candidate) => candidate.status !== "DELETED");
    return found === undefined
      ? undefined
      : {
          serviceRole: found.serviceRole,
          state: found.state,
          capacityType: found.computeResources?.type,
        };
  },
  drift: {
    apply: async (label) => {
      await batch.send(
        new UpdateComputeEnvironmentCommand({
          computeEnvironment: name(label),
          serviceRole: roleArn("second"),
        }),
      );
    },
    field: "serviceRole",
  },
  update: {
    definition: (label) => environment(label, { serviceRole: roleArn("second") }),
    expected: { serviceRole: roleArn("second") },
  },
  replace: {
    definition: (label) => environment(label, { computeResources: capacity("FARGATE_SPOT") }),
    expected: { capacityType: "FARGATE_SPOT" },
    field: "computeResources.type",
  },
  stop: { stopped: { state: "DISABLED" }, running: { state: "ENABLED" } },
  createForeign: async (label) => {
    await batch.send(
      new CreateComputeEnvironmentCommand({
        computeEnvironmentName: name(label),
        type: "MANAGED",
        state: "ENABLED",
        serviceRole: roleArn("first"),
        computeResources: {
          type: "FARGATE",
          maxvCpus: 4,
          subnets: [network.subnet],
          securityGroupIds: [network.group],
        },
      }),
    );
  },
  createOperation: "CreateComputeEnvironment",
};
