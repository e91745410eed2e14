import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  TagResourceCommand,
} from "@aws-sdk/client-ecs";
import type { ParticleDefinition } from "../../../src/index.js";
import { EcsTask } from "../../../src/providers/aws/ecs/task.js";
import { keepMotoTasksRunning, uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ecs = verificationClient(ECSClient, import.meta.url);

/** The cluster and the task definition family the tasks run from, made before the steps. */
const CLUSTER = uniqueName(import.meta.url, "cluster");
const FAMILY = uniqueName(import.meta.url, "family");

/** The task's name, which is also its `startedBy` (it fits RunTask's 36 characters). */
function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function task(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    taskName: name(label),
    cluster: CLUSTER,
    taskDefinition: FAMILY,
    launchType: "FARGATE",
    group: "pcf-a",
    tags: [{ key: "team", value: "a" }],
  };
  return definitionOf("ecs_task", label, base, block);
}

/** The ARN of the task meant to run under `label`'s `startedBy`, if any. */
async function runningTask(label: string): Promise<string | undefined> {
  const { taskArns = [] } = await ecs.send(
    new ListTasksCommand({ cluster: CLUSTER, startedBy: name(label), desiredStatus: "RUNNING" }),
  );
  return taskArns[0];
}

/**
 * ecs_task: tags update in place; the group is fixed (a new task replaces it); no stopped form
 * (StopTask). moto advances a task one status per DescribeTasks, to STOPPED after four (a task
 * that ends at once); the spec keeps its tasks RUNNING, as a long-running task stays.
 */
export const ecsTaskSpec: ConformanceSpec = {
  flavor: EcsTask,
  testFileUrl: import.meta.url,
  beforeAll: async () => {
    await keepMotoTasksRunning();
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: FAMILY,
        containerDefinitions: [{ name: "app", image: "nginx:1.27", memory: 128 }],
      }),
    );
  },
  definition: (label) => task(label),
  verify: async (label) => {
    const arn = await runningTask(label);
    if (arn === undefined) return undefined;
    const { tasks = [] } = await ecs.send(
      new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn], include: ["TAGS"] }),
    );
    const [found] = tasks;
    return found === undefined
      ? undefined
      : { group: found.group, team: found.tags?.find((tag) => tag.key === "team")?.value };
  },
  drift: {
    apply: async (label) => {
      await ecs.send(
        new TagResourceCommand({
          resourceArn: await runningTask(label),
          tags: [{ key: "team", value: "x" }],
        }),
      );
    },
    field: "team",
  },
  update: {
    definition: (label) => task(label, { tags: [{ key: "team", value: "b" }] }),
    expected: { team: "b" },
  },
  replace: {
    definition: (label) => task(label, { tags: [{ key: "team", value: "b" }], group: "pcf-b" }),
    field: "group",
    expected: { group: "pcf-b", team: "b" },
  },
  stop: "none",
  createForeign: async (label) => {
    await ecs.send(
      new RunTaskCommand({
        cluster: CLUSTER,
        taskDefinition: FAMILY,
        launchType: "FARGATE",
        startedBy: name(label),
        group: "pcf-a",
      }),
    );
  },
  createOperation: "RunTask",
};
