import { CreateSecurityGroupCommand, CreateSubnetCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  CreateLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
  SetSecurityGroupsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ParticleDefinition } from "../../../src/index.js";
import { Alb } from "../../../src/providers/aws/elb/application-load-balancer.js";
import { TEST_REGION, uniqueName, verificationClient } from "../../support/aws.js";
import { createVpc, definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ec2 = verificationClient(EC2Client, import.meta.url);
const elb = verificationClient(ElasticLoadBalancingV2Client, import.meta.url);

/** Two subnets in different zones and two security groups, made by the second client before the steps. */
const network = { subnets: [] as string[], groups: [] as string[] };

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function balancer(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    Name: name(label),
    Subnets: network.subnets,
    SecurityGroups: [network.groups[0]],
    Scheme: "internet-facing",
  };
  return definitionOf("alb", label, base, block);
}

async function live(label: string): Promise<Record<string, unknown> | undefined> {
  const { LoadBalancers = [] } = await elb.send(new DescribeLoadBalancersCommand({}));
  const found = LoadBalancers.find((candidate) => candidate.LoadBalancerName === name(label));
  return found === undefined
    ? undefined
    : {
        arn: found.LoadBalancerArn,
        Scheme: found.Scheme,
        SecurityGroups: found.SecurityGroups,
      };
}

/** alb: security groups update in place; the scheme is fixed; no stopped form. */
export const albSpec: ConformanceSpec = {
  flavor: Alb,
  testFileUrl: import.meta.url,
  beforeAll: async () => {
    const VpcId = await createVpc(ec2, "10.0.0.0/16");
    for (const [index, zone] of ["a", "b"].entries()) {
      const { Subnet } = await ec2.send(
        new CreateSubnetCommand({
          VpcId,
          CidrBlock: `10.0.${index + 1}.0/24`,
          AvailabilityZone: `${TEST_REGION}${zone}`,
        }),
      );
      network.subnets.push(Subnet?.SubnetId ?? "");
      const { GroupId } = await ec2.send(
        new CreateSecurityGroupCommand({
          VpcId,
          GroupName: name(`group-${zone}`),
          Description: "alb conformance",
        }),
      );
      network.groups.push(GroupId ?? "");
    }
  },
  definition: (label) => balancer(label),
  verify: async (label) => {
    const found = await live(label);
    return found === undefined
      ? undefined
      : { Scheme: found["Scheme"], SecurityGroups: found["SecurityGroups"] };
  },
  drift: {
    apply: async (label) => {
      const found = await live(label);
      await elb.send(
        new SetSecurityGroupsCommand({
          LoadBalancerArn: found?.["arn"] as string,
          SecurityGroups: [network.groups[1] ?? ""],
        }),
      );
    },
    field: "SecurityGroups",
  },
  update: {
    definition: (label) => balancer(label, { SecurityGroups: [network.groups[1]] }),
    get expected() {
      return { SecurityGroups: [network.groups[1]] };
    },
  },
  replace: {
    definition: (label) =>
      balancer(label, { SecurityGroups: [network.groups[1]], Scheme: "internal" }),
    expected: { Scheme: "internal" },
    field: "Scheme",
  },
  stop: "none",
  createForeign: async (label) => {
    await elb.send(
      new CreateLoadBalancerCommand({
        Name: name(label),
        Subnets: network.subnets,
        SecurityGroups: [network.groups[0] ?? ""],
      }),
    );
  },
  createOperation: "CreateLoadBalancer",
};
