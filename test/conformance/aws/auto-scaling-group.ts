import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateLoadBalancerCommand,
  ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import type { ParticleDefinition } from "../../../src/index.js";
import { AutoScalingGroup } from "../../../src/providers/aws/autoscaling/auto-scaling-group.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const autoscaling = verificationClient(AutoScalingClient, import.meta.url);
const elb = verificationClient(ElasticLoadBalancingClient, import.meta.url);

const LAUNCH_CONFIGURATION = uniqueName(import.meta.url, "launch");
const LOAD_BALANCER = uniqueName(import.meta.url, "lb").slice(0, 32);
const ZONE = "us-east-1a";

/** A rejection handler that lets an error named `code` pass (the resource is already made). */
function unlessNamed(code: string): (error: unknown) => void {
  return (error) => {
    if (!(error instanceof Error && error.name === code)) throw error;
  };
}

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function group(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    AutoScalingGroupName: name(label),
    LaunchConfigurationName: LAUNCH_CONFIGURATION,
    MinSize: 0,
    MaxSize: 2,
    DesiredCapacity: 0,
    AvailabilityZones: [ZONE],
  };
  return definitionOf("auto_scaling_group", label, base, block);
}

/** auto_scaling_group: sizes update in place; the load balancers are fixed; no stopped form. */
export const autoScalingGroupSpec: ConformanceSpec = {
  flavor: AutoScalingGroup,
  testFileUrl: import.meta.url,
  // The facts test runs this too, in the same moto account: a second run finds them made.
  beforeAll: async () => {
    await autoscaling
      .send(
        new CreateLaunchConfigurationCommand({
          LaunchConfigurationName: LAUNCH_CONFIGURATION,
          ImageId: "ami-12c6146b",
          InstanceType: "t3.micro",
        }),
      )
      .catch(unlessNamed("AlreadyExists"));
    await elb
      .send(
        new CreateLoadBalancerCommand({
          LoadBalancerName: LOAD_BALANCER,
          AvailabilityZones: [ZONE],
          Listeners: [{ Protocol: "HTTP", LoadBalancerPort: 80, InstancePort: 80 }],
        }),
      )
      .catch(unlessNamed("DuplicateAccessPointNameException"));
  },
  definition: (label) => group(label),
  verify: async (label) => {
    const { AutoScalingGroups = [] } = await autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name(label)] }),
    );
    const found = AutoScalingGroups.find((each) => each.AutoScalingGroupName === name(label));
    return found === undefined
      ? undefined
      : {
          MaxSize: found.MaxSize,
          HealthCheckGracePeriod: found.HealthCheckGracePeriod,
          LoadBalancerNames: found.LoadBalancerNames ?? [],
        };
  },
  drift: {
    apply: async (label) => {
      await autoscaling.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name(label), MaxSize: 5 }),
      );
    },
    field: "MaxSize",
  },
  update: {
    definition: (label) => group(label, { MaxSize: 3, HealthCheckGracePeriod: 120 }),
    expected: { MaxSize: 3, HealthCheckGracePeriod: 120 },
  },
  replace: {
    definition: (label) =>
      group(label, { MaxSize: 3, HealthCheckGracePeriod: 120, LoadBalancerNames: [LOAD_BALANCER] }),
    expected: { LoadBalancerNames: [LOAD_BALANCER] },
    field: "LoadBalancerNames",
  },
  stop: "none",
  createForeign: async (label) => {
    await autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name(label),
        LaunchConfigurationName: LAUNCH_CONFIGURATION,
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 0,
        AvailabilityZones: [ZONE],
      }),
    );
  },
  createOperation: "CreateAutoScalingGroup",
};
