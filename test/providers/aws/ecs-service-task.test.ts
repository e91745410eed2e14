import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
} from "@aws-sdk/client-ecs";
import { beforeAll, describe, expect, it } from "vitest";
import { applyField, loadField, type ParticleDefinition } from "../../../src/index.js";
import { startedByOf } from "../../../src/providers/aws/ecs/task.js";
import {
  awsTestOptions,
  keepMotoTasksRunning,
  uniqueName,
  verificationClient,
} from "../../support/aws.js";

const ecs = verificationClient(ECSClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

const CLUSTER = uniqueName(import.meta.url, "cluster");
const FAMILY = uniqueName(import.meta.url, "family");
const SERVICE = uniqueName(import.meta.url, "web");
/** Longer than RunTask's 36 characters of `startedBy`: the default is a digest. */
const TASK = `${uniqueName(import.meta.url, "job")}-with-a-name-longer-than-startedBy-takes`;

beforeAll(() => keepMotoTasksRunning());

/** A cluster, a task definition, and a service and a task taking both from their parents. */
function definitions(memory: number): ParticleDefinition[] {
  const parents = ["ecs_cluster:cluster", "ecs_task_definition:family"];
  return [
    { pcf_name: "cluster", flavor: "ecs_cluster", aws_resource: { clusterName: CLUSTER } },
    {
      pcf_name: "family",
      flavor: "ecs_task_definition",
      aws_resource: {
        family: FAMILY,
        containerDefinitions: [{ name: "app", image: "nginx:1.27", memory }],
      },
    },
    {
      pcf_name: "web",
      flavor: "ecs_service",
      parents,
      aws_resource: { serviceName: SERVICE, desiredCount: 1 },
    },
    {
      pcf_name: "job",
      flavor: "ecs_task",
      parents,
      aws_resource: { taskName: TASK, launchType: "FARGATE" },
    },
  ];
}

async function serviceTaskDefinition(): Promise<string | undefined> {
  const { services = [] } = await ecs.send(
    new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }),
  );
  return services.find((service) => service.status === "ACTIVE")?.taskDefinition;
}

/** The task definitions of the tasks meant to run under the task's default `startedBy`. */
async function runningTaskDefinitions(): Promise<string[]> {
  const { taskArns = [] } = await ecs.send(
    new ListTasksCommand({
      cluster: CLUSTER,
      startedBy: startedByOf(TASK),
      desiredStatus: "RUNNING",
    }),
  );
  if (taskArns.length === 0) return [];
  const { tasks = [] } = await ecs.send(
    new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }),
  );
  return tasks.map((task) => task.taskDefinitionArn ?? "");
}

describe("ecs_service and ecs_task under their ecs_cluster and ecs_task_definition parents", () => {
  it("take the cluster and the latest revision from the parents, run an ended task again, follow a new revision, and go down first", async () => {
    expect(startedByOf(TASK)).toMatch(/^pcf-[0-9a-f]{32}$/);
    const up = await applyField((await loadField(definitions(128))).field, { providerOptions });
    expect(up.ok).toBe(true);
    expect(await serviceTaskDefinition()).toMatch(new RegExp(`task-definition/${FAMILY}:1$`));
    const [first, ...others] = await runningTaskDefinitions();
    expect(others).toEqual([]);
    expect(first).toMatch(new RegExp(`task-definition/${FAMILY}:1$`));

    const again = await applyField((await loadField(definitions(128))).field, { providerOptions });
    expect(again.particles.every((report) => report.outcome === "unchanged")).toBe(true);

    // A task that ended (here stopped by someone) is gone: the next apply runs a new one.
    const { taskArns = [] } = await ecs.send(
      new ListTasksCommand({ cluster: CLUSTER, startedBy: startedByOf(TASK) }),
    );
    await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: taskArns[0] }));
    expect(await runningTaskDefinitions()).toEqual([]);
    const rerun = await applyField((await loadField(definitions(128))).field, { providerOptions });
    expect(
      rerun.particles.find((report) => report.particle === "ecs_task:job")?.transitions,
    ).toEqual(["start"]);
    expect(await runningTaskDefinitions()).toHaveLength(1);

    // A new revision: the service follows it in place; the task, fixed to its revision, is
    // replaced when allowed.
    const revised = await applyField((await loadField(definitions(256))).field, {
      providerOptions,
      allowReplace: ["job"],
    });
    expect(revised.ok).toBe(true);
    const transitions = new Map(
      revised.particles.map((report) => [report.particle, report.transitions]),
    );
    expect(transitions.get("ecs_service:web")).toEqual(["update"]);
    expect(transitions.get("ecs_task:job")).toEqual(["terminate", "start"]);
    expect(await serviceTaskDefinition()).toMatch(new RegExp(`${FAMILY}:2$`));
    expect(await runningTaskDefinitions()).toEqual([
      expect.stringMatching(new RegExp(`${FAMILY}:2$`)),
    ]);

    const down = await applyField((await loadField(definitions(256))).field, {
      providerOptions,
      desiredState: "terminated",
    });
    expect(down.ok).toBe(true);
    expect(await serviceTaskDefinition()).toBeUndefined();
    expect(await runningTaskDefinitions()).toEqual([]);
  });
});
