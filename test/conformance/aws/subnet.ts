import {
  CreateSubnetCommand,
  DescribeSubnetsCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
} from "@aws-sdk/client-ec2";
import type { ParticleDefinition } from "../../../src/index.js";
import { Subnet } from "../../../src/providers/aws/vpc/subnet.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import {
  createVpc,
  definitionOf,
  pcfNameFilter,
  pcfNameTagSpecifications,
} from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ec2 = verificationClient(EC2Client, import.meta.url);

/** The VPC the subnets live in, made by the second client before the steps. */
let vpcId = "";

/** Each label's own /24 of the VPC, so subnets never overlap; `moved` is the replacement's. */
const THIRD_OCTETS: Readonly<Record<string, number>> = {
  main: 1,
  foreign: 2,
  lost: 3,
  killed: 4,
  moved: 9,
};

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function cidrOf(label: string): string {
  return `10.0.${THIRD_OCTETS[label] ?? 100}.0/24`;
}

function subnet(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    CidrBlock: cidrOf(label),
    VpcId: vpcId,
    MapPublicIpOnLaunch: false,
    custom_config: { subnet_name: name(label) },
  };
  return definitionOf("subnet", label, base, block);
}

/** subnet: MapPublicIpOnLaunch updates in place; the CIDR block is fixed. */
export const subnetSpec: ConformanceSpec = {
  flavor: Subnet,
  testFileUrl: import.meta.url,
  beforeAll: async () => {
    vpcId = await createVpc(ec2, "10.0.0.0/16");
  },
  definition: (label) => subnet(label),
  verify: async (label) => {
    const { Subnets = [] } = await ec2.send(
      new DescribeSubnetsCommand({ Filters: pcfNameFilter(name(label)) }),
    );
    const [found] = Subnets;
    if (found === undefined) return undefined;
    return {
      count: Subnets.length,
      CidrBlock: found.CidrBlock,
      MapPublicIpOnLaunch: found.MapPublicIpOnLaunch,
    };
  },
  drift: {
    apply: async (label) => {
      const { Subnets = [] } = await ec2.send(
        new DescribeSubnetsCommand({ Filters: pcfNameFilter(name(label)) }),
      );
      await ec2.send(
        new ModifySubnetAttributeCommand({
          SubnetId: Subnets[0]?.SubnetId,
          MapPublicIpOnLaunch: { Value: true },
        }),
      );
    },
    field: "MapPublicIpOnLaunch",
  },
  update: {
    definition: (label) => subnet(label, { MapPublicIpOnLaunch: true }),
    expected: { MapPublicIpOnLaunch: true },
  },
  replace: {
    definition: (label) => subnet(label, { CidrBlock: cidrOf("moved") }),
    field: "CidrBlock",
    expected: { count: 1, CidrBlock: cidrOf("moved"), MapPublicIpOnLaunch: false },
  },
  stop: "none",
  createForeign: async (label) => {
    await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: cidrOf(label),
        TagSpecifications: pcfNameTagSpecifications("subnet", name(label)),
      }),
    );
  },
  createOperation: "CreateSubnet",
};
