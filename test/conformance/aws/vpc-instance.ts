import {
  CreateVpcCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
} from "@aws-sdk/client-ec2";
import type { ParticleDefinition } from "../../../src/index.js";
import { VpcInstance } from "../../../src/providers/aws/vpc/vpc.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import {
  definitionOf,
  pcfNameFilter,
  pcfNameTagSpecifications,
} from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ec2 = verificationClient(EC2Client, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function vpc(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    CidrBlock: "10.0.0.0/16",
    EnableDnsHostnames: false,
    custom_config: { vpc_name: name(label) },
  };
  return definitionOf("vpc_instance", label, base, block);
}

async function vpcIdOf(label: string): Promise<string | undefined> {
  const { Vpcs = [] } = await ec2.send(
    new DescribeVpcsCommand({ Filters: pcfNameFilter(name(label)) }),
  );
  return Vpcs[0]?.VpcId;
}

/** vpc_instance: DNS attributes update in place; the CIDR block is fixed. */
export const vpcInstanceSpec: ConformanceSpec = {
  flavor: VpcInstance,
  testFileUrl: import.meta.url,
  definition: (label) => vpc(label),
  verify: async (label) => {
    const { Vpcs = [] } = await ec2.send(
      new DescribeVpcsCommand({ Filters: pcfNameFilter(name(label)) }),
    );
    const [found] = Vpcs;
    if (found?.VpcId === undefined) return undefined;
    const { EnableDnsHostnames } = await ec2.send(
      new DescribeVpcAttributeCommand({ VpcId: found.VpcId, Attribute: "enableDnsHostnames" }),
    );
    return {
      count: Vpcs.length,
      CidrBlock: found.CidrBlock,
      EnableDnsHostnames: EnableDnsHostnames?.Value,
    };
  },
  drift: {
    apply: async (label) => {
      await ec2.send(
        new ModifyVpcAttributeCommand({
          VpcId: await vpcIdOf(label),
          EnableDnsHostnames: { Value: true },
        }),
      );
    },
    field: "EnableDnsHostnames",
  },
  update: {
    definition: (label) => vpc(label, { EnableDnsHostnames: true }),
    expected: { EnableDnsHostnames: true },
  },
  replace: {
    definition: (label) => vpc(label, { CidrBlock: "10.9.0.0/16" }),
    field: "CidrBlock",
    expected: { count: 1, CidrBlock: "10.9.0.0/16", EnableDnsHostnames: false },
  },
  stop: "none",
  createForeign: async (label) => {
    await ec2.send(
      new CreateVpcCommand({
        CidrBlock: "10.0.0.0/16",
        TagSpecifications: pcfNameTagSpecifications("vpc", name(label)),
      }),
    );
  },
  createOperation: "CreateVpc",
};
