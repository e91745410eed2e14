import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import type { ParticleDefinition } from "../../../src/index.js";
import { EcsService } from "../../../src/providers/aws/ecs/service.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ecs = verificationClient(ECSClient, import.meta.url);

/** The cluster and the task definition family the services live in, made before the steps. */
const CLUSTER = uniqueName(import.meta.url, "cluster");
const FAMILY = uniqueName(import.meta.url, "family");

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function service(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    serviceName: name(label),
    cluster: CLUSTER,
    taskDefinition: FAMILY,
    desiredCount: 1,
    launchType: "EC2",
  };
  return definitionOf("ecs_service", label, base, block);
}

/**
 * ecs_service: the count updates in place (UpdateService); the launch type is fixed; no stopped
 * form; terminate scales to 0, then deletes.
 */
export const ecsServiceSpec: ConformanceSpec = {
  flavor: EcsService,
  testFileUrl: import.meta.url,
  beforeAll: async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: FAMILY,
        containerDefinitions: [{ name: "app", image: "nginx:1.27", memory: 128 }],
      }),
    );
  },
  definition: (label) => service(label),
  verify: async (label) => {
    const { services = [] } = await ecs.send(
      new DescribeServicesCommand({ cluster: CLUSTER, services: [name(label)] }),
    );
    const found = services.find((candidate) => candidate.status === "ACTIVE");
    return found === undefined
      ? undefined
      : { desiredCount: found.desiredCount, launchType: found.launchType };
  },
  drift: {
    apply: async (label) => {
      await ecs.send(
        new UpdateServiceCommand({ cluster: CLUSTER, service: name(label), desiredCount: 3 }),
      );
    },
    field: "desiredCount",
  },
  update: {
    definition: (label) => service(label, { desiredCount: 2 }),
    expected: { desiredCount: 2 },
  },
  replace: {
    definition: (label) => service(label, { desiredCount: 2, launchType: "FARGATE" }),
    field: "launchType",
    expected: { desiredCount: 2, launchType: "FARGATE" },
  },
  stop: "none",
  createForeign: async (label) => {
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: name(label),
        taskDefinition: FAMILY,
        desiredCount: 1,
        launchType: "EC2",
      }),
    );
  },
  createOperation: "CreateService",
};
