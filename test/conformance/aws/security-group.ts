import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import type { ParticleDefinition } from "../../../src/index.js";
import { SecurityGroup } from "../../../src/providers/aws/vpc/security-group.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { createVpc, definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ec2 = verificationClient(EC2Client, import.meta.url);

const HTTP = { IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }] };
const HTTPS = {
  IpProtocol: "tcp",
  FromPort: 443,
  ToPort: 443,
  IpRanges: [{ CidrIp: "0.0.0.0/0" }],
};

/** The VPC the groups live in, made by the second client before the steps. */
let vpcId = "";

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function group(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    GroupName: name(label),
    Description: "conformance",
    VpcId: vpcId,
    IpPermissions: [HTTP],
  };
  return definitionOf("security_group", label, base, block);
}

async function groupIdOf(label: string): Promise<string | undefined> {
  const { SecurityGroups = [] } = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [{ Name: "group-name", Values: [name(label)] }],
    }),
  );
  return SecurityGroups[0]?.GroupId;
}

/** The ingress ports, sorted. */
function portsOf(permissions: readonly IpPermission[] | undefined): number[] {
  return (permissions ?? []).map((permission) => permission.FromPort ?? -1).sort((a, b) => a - b);
}

/** security_group: its rules update in place; the description is fixed. */
export const securityGroupSpec: ConformanceSpec = {
  flavor: SecurityGroup,
  testFileUrl: import.meta.url,
  beforeAll: async () => {
    vpcId = await createVpc(ec2, "10.0.0.0/16");
  },
  definition: (label) => group(label),
  verify: async (label) => {
    const { SecurityGroups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "group-name", Values: [name(label)] }],
      }),
    );
    const [found] = SecurityGroups;
    if (found === undefined) return undefined;
    return {
      count: SecurityGroups.length,
      Description: found.Description,
      ingressPorts: portsOf(found.IpPermissions),
    };
  },
  drift: {
    apply: async (label) => {
      const GroupId = await groupIdOf(label);
      await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [HTTP] }));
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [HTTPS] }));
    },
    field: "ingressPorts",
  },
  update: {
    definition: (label) => group(label, { IpPermissions: [HTTP, HTTPS] }),
    expected: { ingressPorts: [80, 443] },
  },
  replace: {
    definition: (label) => group(label, { Description: "replaced" }),
    field: "Description",
    expected: { count: 1, Description: "replaced", ingressPorts: [80] },
  },
  stop: "none",
  createForeign: async (label) => {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name(label),
        Description: "conformance",
        VpcId: vpcId,
      }),
    );
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [HTTP] }));
  },
  createOperation: "CreateSecurityGroup",
};
