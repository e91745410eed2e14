import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { EcsTaskDefinition } from "../../../src/providers/aws/ecs/task-definition.js";
import { OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE } from "../../../src/providers/aws/tags.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ecs = verificationClient(ECSClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function containers(memory: number): { name: string; image: string; memory: number }[] {
  return [{ name: "app", image: "nginx:1.27", memory }];
}

function taskDefinition(label: string, memory: number): ReturnType<typeof definitionOf> {
  return definitionOf("ecs_task_definition", label, {
    family: name(label),
    containerDefinitions: containers(memory),
  });
}

/**
 * ecs_task_definition: a changed container registers a new revision (an update: the family keeps
 * one ACTIVE revision); nothing is fixed; terminate deregisters every ACTIVE revision.
 */
export const ecsTaskDefinitionSpec: ConformanceSpec = {
  flavor: EcsTaskDefinition,
  testFileUrl: import.meta.url,
  definition: (label) => taskDefinition(label, 256),
  verify: async (label) => {
    const { taskDefinitionArns = [] } = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: name(label), status: "ACTIVE" }),
    );
    const latest = taskDefinitionArns.at(-1);
    if (latest === undefined) return undefined;
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: latest }),
    );
    return {
      memory: taskDefinition?.containerDefinitions?.[0]?.memory,
      activeRevisions: taskDefinitionArns.length,
    };
  },
  drift: {
    // Someone registers a revision of their own (tags copied, as a pipeline does): it is the latest.
    apply: async (label) => {
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: name(label),
          containerDefinitions: containers(128),
          tags: [{ key: OWNERSHIP_TAG_KEY, value: OWNERSHIP_TAG_VALUE }],
        }),
      );
    },
    field: "memory",
  },
  update: {
    definition: (label) => taskDefinition(label, 512),
    expected: { memory: 512, activeRevisions: 1 },
  },
  replace: "none",
  stop: "none",
  createForeign: async (label) => {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: name(label),
        containerDefinitions: containers(256),
      }),
    );
  },
  createOperation: "RegisterTaskDefinition",
};
