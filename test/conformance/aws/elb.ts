import { CreateSecurityGroupCommand, CreateSubnetCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  ApplySecurityGroupsToLoadBalancerCommand,
  CreateLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import type { ParticleDefinition } from "../../../src/index.js";
import { Elb } from "../../../src/providers/aws/elb/classic-load-balancer.js";
import { TEST_REGION, uniqueName, verificationClient } from "../../support/aws.js";
import { createVpc, definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ec2 = verificationClient(EC2Client, import.meta.url);
const elb = verificationClient(ElasticLoadBalancingClient, import.meta.url);

/** Two subnets in different zones and two security groups, made by the second client before the steps. */
const network = { subnets: [] as string[], groups: [] as string[] };

const HTTP = { Protocol: "HTTP", LoadBalancerPort: 80, InstancePort: 80 };

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function balancer(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    LoadBalancerName: name(label),
    Listeners: [HTTP],
    Subnets: network.subnets,
    SecurityGroups: [network.groups[0]],
    Scheme: "internet-facing",
  };
  return definitionOf("elb", label, base, block);
}

/** elb: security groups and listeners update in place; the scheme is fixed; no stopped form. */
export const elbSpec: ConformanceSpec = {
  flavor: Elb,
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
          Description: "elb conformance",
        }),
      );
      network.groups.push(GroupId ?? "");
    }
  },
  definition: (label) => balancer(label),
  verify: async (label) => {
    const { LoadBalancerDescriptions = [] } = await elb.send(new DescribeLoadBalancersCommand({}));
    const found = LoadBalancerDescriptions.find(
      (candidate) => candidate.LoadBalancerName === name(label),
    );
    return found === undefined
      ? undefined
      : {
          Scheme: found.Scheme,
          SecurityGroups: found.SecurityGroups,
          InstancePorts: (found.ListenerDescriptions ?? []).map(
            ({ Listener }) => Listener?.InstancePort,
          ),
        };
  },
  drift: {
    apply: async (label) => {
      await elb.send(
        new ApplySecurityGroupsToLoadBalancerCommand({
          LoadBalancerName: name(label),
          SecurityGroups: [network.groups[1] ?? ""],
        }),
      );
    },
    field: "SecurityGroups",
  },
  update: {
    definition: (label) =>
      balancer(label, {
        SecurityGroups: [network.groups[1]],
        Listeners: [{ ...HTTP, InstancePort: 8080 }],
      }),
    get expected() {
      return { SecurityGroups: [network.groups[1]], InstancePorts: [8080] };
    },
  },
  replace: {
    definition: (label) =>
      balancer(label, {
        SecurityGroups: [network.groups[1]],
        Listeners: [{ ...HTTP, InstancePort: 8080 }],
        Scheme: "internal",
      }),
    expected: { Scheme: "internal" },
    field: "Scheme",
  },
  stop: "none",
  createForeign: async (label) => {
    await elb.send(
      new CreateLoadBalancerCommand({
        LoadBalancerName: name(label),
        Listeners: [HTTP],
        Subnets: network.subnets,
        SecurityGroups: [network.groups[0] ?? ""],
      }),
    );
  },
  createOperation: "CreateLoadBalancer",
};
