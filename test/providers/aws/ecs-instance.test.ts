import { EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import {
  CreateClusterCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from "@aws-sdk/client-ecs";
import { beforeAll, describe, expect, it } from "vitest";
import { applyField, loadField, type ParticleDefinition } from "../../../src/index.js";
import { EcsInstance } from "../../../src/providers/aws/ecs/instance.js";
import {
  awsTestOptions,
  keepMotoTasksRunning,
  uniqueName,
  verificationClient,
} from "../../support/aws.js";
import { failureOf } from "../../support/aws-fixtures.js";

const ecs = verificationClient(ECSClient, import.meta.url);
const ec2 = verificationClient(EC2Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);
const CLUSTER = uniqueName(import.meta.url, "cluster");
const FAMILY = uniqueName(import.meta.url, "family");

let instanceId = "";

beforeAll(async () => {
  await keepMotoTasksRunning();
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: FAMILY,
      containerDefinitions: [{ name: "app", image: "nginx:1.27", memory: 128 }],
    }),
  );
  const { Instances = [] } = await ec2.send(
    new RunInstancesCommand({
      ImageId: "ami-12c6146b",
      InstanceType: "t2.micro",
      MinCount: 1,
      MaxCount: 1,
    }),
  );
  instanceId = Instances[0]?.InstanceId ?? "";
});

function member(desiredState?: "terminated"): ParticleDefinition {
  return {
    pcf_name: "member",
    flavor: "ecs_instance",
    ...(desiredState === undefined ? {} : { desired_state: desiredState }),
    aws_resource: {
      cluster: CLUSTER,
      ec2InstanceId: instanceId,
      instanceIdentityDocument: JSON.stringify({ instanceId, region: "us-east-1" }),
      attributes: { tier: "web" },
    },
  };
}

describe("ecs_instance", () => {
  it("loads PCF's form: parents only, no instance id, attributes as a map", async () => {
    const { field } = await loadField([
      { pcf_name: "c", flavor: "ecs_cluster", aws_resource: { clusterName: "c" } },
      {
        pcf_name: "i",
        flavor: "ec2_instance",
        aws_resource: {
          ImageId: "ami-12c6146b",
          InstanceType: "t2.micro",
          MaxCount: 1,
          MinCount: 1,
          custom_config: { instance_name: "i" },
        },
      },
      {
        pcf_name: "member",
        flavor: "ecs_instance",
        parents: ["ec2_instance:i", "ecs_cluster:c"],
        aws_resource: { attributes: { tier: "web", "ecs.reserved": "kept out" } },
      },
    ]);
    expect(field.get("ecs_instance:member")).toBeInstanceOf(EcsInstance);
  });

  it("refuses to deregister while tasks run on it, naming them and the way out", async () => {
    expect((await applyField((await loadField([member()])).field, { providerOptions })).ok).toBe(
      true,
    );
    const { tasks = [] } = await ecs.send(
      new RunTaskCommand({ cluster: CLUSTER, taskDefinition: FAMILY, launchType: "EC2" }),
    );
    expect(tasks).toHaveLength(1);
    const error = await failureOf(
      applyField((await loadField([member("terminated")])).field, { providerOptions }),
    );
    expect(error.message).toMatch(
      /\(still running on it: 1 task\(s\); stop the ecs_instance first to drain them\) failed: InvalidParameterException/,
    );
  });
});
