import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import type { ParticleDefinition } from "../../../src/index.js";
import { Ec2Instance } from "../../../src/providers/aws/ec2/instance.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import {
  definitionOf,
  pcfNameFilter,
  pcfNameTagSpecifications,
  tagMap,
} from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ec2 = verificationClient(EC2Client, import.meta.url);

/** Two of moto's built-in AMIs. */
const AMI = "ami-12c6146b";
const OTHER_AMI = "ami-03cf127a";

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function instance(label: string, team: string, ImageId = AMI): ParticleDefinition {
  const base = {
    ImageId,
    InstanceType: "t2.micro",
    custom_config: { instance_name: name(label), tags: { team } },
  };
  return definitionOf("ec2_instance", label, base);
}

/** The instances named `label` that are not terminated. */
async function liveInstances(label: string): Promise<Instance[]> {
  const { Reservations = [] } = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        ...pcfNameFilter(name(label)),
        {
          Name: "instance-state-name",
          Values: ["pending", "running", "stopping", "stopped", "shutting-down"],
        },
      ],
    }),
  );
  return Reservations.flatMap((reservation) => reservation.Instances ?? []);
}

/** ec2_instance: its tags update in place; the image is fixed; a stopped instance is its stopped form. */
export const ec2InstanceSpec: ConformanceSpec = {
  flavor: Ec2Instance,
  testFileUrl: import.meta.url,
  definition: (label) => instance(label, "data"),
  verify: async (label) => {
    const instances = await liveInstances(label);
    const [found] = instances;
    if (found === undefined) return undefined;
    return {
      count: instances.length,
      State: found.State?.Name,
      InstanceType: found.InstanceType,
      ImageId: found.ImageId,
      team: tagMap(found.Tags)["team"],
    };
  },
  drift: {
    apply: async (label) => {
      const [found] = await liveInstances(label);
      await ec2.send(
        new CreateTagsCommand({
          Resources: [found?.InstanceId ?? ""],
          Tags: [{ Key: "team", Value: "hacked" }],
        }),
      );
    },
    field: "team",
  },
  update: { definition: (label) => instance(label, "ml"), expected: { team: "ml" } },
  replace: {
    definition: (label) => instance(label, "ml", OTHER_AMI),
    field: "ImageId",
    expected: { count: 1, ImageId: OTHER_AMI, team: "ml" },
  },
  stop: { stopped: { State: "stopped" }, running: { State: "running" } },
  createForeign: async (label) => {
    await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        InstanceType: "t2.micro",
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [
          {
            ResourceType: "instance",
            Tags: [
              ...(pcfNameTagSpecifications("instance", name(label))[0]?.Tags ?? []),
              { Key: "team", Value: "data" },
            ],
          },
        ],
      }),
    );
  },
  createOperation: "RunInstances",
};
