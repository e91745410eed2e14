import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  ECSClient,
  ListContainerInstancesCommand,
  RegisterContainerInstanceCommand,
} from "@aws-sdk/client-ecs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadFiles, loadQuasiparticle, type EngineEvent } from "../../src/index.js";
import { EcsInstanceQuasi } from "../../src/quasiparticles/ecs-instance-quasi.js";
import { awsTestOptions, verificationClient } from "../support/aws.js";
import { pcfNameFilter } from "../support/aws-fixtures.js";

const FILE = fileURLToPath(new URL("../../examples/ecs-instance-quasi/pcf.yml", import.meta.url));
const NAME = "pcf-example-ecs";
const ecs = verificationClient(ECSClient, import.meta.url);
const ec2 = verificationClient(EC2Client, import.meta.url);

async function loadExample(): Promise<EcsInstanceQuasi> {
  const { entries } = await loadFiles([FILE]);
  expect(entries).toHaveLength(1);
  expect(entries[0]).toBeInstanceOf(EcsInstanceQuasi);
  return entries[0] as EcsInstanceQuasi;
}

/** The id of the example's running EC2 instance, if any. */
async function runningInstanceId(): Promise<string | undefined> {
  const { Reservations = [] } = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [...pcfNameFilter(NAME), { Name: "instance-state-name", Values: ["running"] }],
    }),
  );
  return Reservations.flatMap((reservation) => reservation.Instances ?? [])[0]?.InstanceId;
}

/** Whether the example's cluster exists (moto answers a 500 to a registration in a missing one). */
async function isClusterActive(): Promise<boolean> {
  const { clusters = [] } = await ecs.send(new DescribeClustersCommand({ clusters: [NAME] }));
  return clusters.some((cluster) => cluster.status === "ACTIVE");
}

/**
 * What the ECS agent on the instance does once it boots (moto runs no user data): registers the
 * instance in the cluster, once, as soon as the instance runs and the cluster exists (the two
 * come up at once, in either order). Stops when `signal` aborts.
 */
async function playTheAgent(signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const instanceId = await runningInstanceId();
    if (instanceId !== undefined && (await isClusterActive())) {
      await ecs.send(
        new RegisterContainerInstanceCommand({
          cluster: NAME,
          instanceIdentityDocument: JSON.stringify({ instanceId, region: "us-east-1" }),
        }),
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The example's container instances: EC2 id, status and the attributes not ECS's own. */
async function containerInstances(): Promise<
  { ec2InstanceId?: string; status?: string; attributes: Record<string, string> }[]
> {
  const { containerInstanceArns = [] } = await ecs.send(
    new ListContainerInstancesCommand({ cluster: NAME }),
  );
  if (containerInstanceArns.length === 0) return [];
  const { containerInstances: found = [] } = await ecs.send(
    new DescribeContainerInstancesCommand({
      cluster: NAME,
      containerInstances: containerInstanceArns,
    }),
  );
  return found.map((entry) => ({
    ...(entry.ec2InstanceId === undefined ? {} : { ec2InstanceId: entry.ec2InstanceId }),
    ...(entry.status === undefined ? {} : { status: entry.status }),
    attributes: Object.fromEntries(
      (entry.attributes ?? [])
        .filter((attribute) => !(attribute.name ?? "").startsWith("ecs."))
        .map((attribute) => [attribute.name, attribute.value ?? ""]),
    ),
  }));
}

describe("ecs_instance_quasi (examples/ecs-instance-quasi/pcf.yml) on moto", () => {
  it("links the ecs_instance under the instance and the cluster, all named like the quasiparticle", async () => {
    const quasi = await loadExample();
    expect(quasi.particles.map((particle) => particle.id)).toEqual([
      `ecs_cluster:${NAME}`,
      `ec2_instance:${NAME}`,
      `ecs_instance:${NAME}`,
    ]);
    const member = quasi.getParticle("ecs_instance", NAME);
    expect([...member.parents].map((parent) => parent.id).sort()).toEqual([
      `ec2_instance:${NAME}`,
      `ecs_cluster:${NAME}`,
    ]);
  });

  it("refuses members it cannot link: no cluster, or an ecs_instance with no instance to pair", async () => {
    const ec2Member = (name: string): Record<string, unknown> => ({
      flavor: "ec2_instance",
      pcf_name: name,
      aws_resource: {
        ImageId: "ami-12c6146b",
        InstanceType: "t2.micro",
        MaxCount: 1,
        MinCount: 1,
        custom_config: { instance_name: name },
      },
    });
    const noCluster = {
      pcf_name: "q",
      flavor: "ecs_instance_quasi",
      particles: [ec2Member("q"), { flavor: "ecs_instance" }],
    };
    await expect(loadQuasiparticle(noCluster)).rejects.toThrow(/expected one ecs_cluster member/);
    const unpaired = {
      pcf_name: "q",
      flavor: "ecs_instance_quasi",
      particles: [
        { flavor: "ecs_cluster", aws_resource: { clusterName: "q" } },
        ec2Member("a"),
        ec2Member("b"),
        { flavor: "ecs_instance" },
      ],
    };
    await expect(loadQuasiparticle(unpaired)).rejects.toThrow(
      /ecs_instance:q needs the ec2_instance member of its name, or a single ec2_instance member/,
    );
  });

  it("applies: the agent registers the instance, which is then marked ours; terminate deregisters it first", async () => {
    const providerOptions = awsTestOptions(import.meta.url);
    const agent = new AbortController();
    const registered = playTheAgent(agent.signal);
    const up = await (await loadExample()).apply({ providerOptions, desiredState: "running" });
    agent.abort();
    await registered;
    expect(up.ok).toBe(true);
    const instanceId = await runningInstanceId();
    expect(await containerInstances()).toEqual([
      {
        ec2InstanceId: instanceId,
        status: "ACTIVE",
        attributes: { tier: "web", "pcf.managed-by": "particle-cloud" },
      },
    ]);

    const again = await (await loadExample()).apply({ providerOptions, desiredState: "running" });
    expect(again.particles.every((report) => report.outcome === "unchanged")).toBe(true);

    const events: EngineEvent[] = [];
    const down = await (
      await loadExample()
    ).apply({
      providerOptions,
      desiredState: "terminated",
      onEvent: (event) => events.push(event),
    });
    expect(down.ok).toBe(true);
    const terminations = events.flatMap((event) =>
      event.type === "transition.start" && event.transition === "terminate" ? [event.particle] : [],
    );
    expect(terminations[0]).toBe(`ecs_instance:${NAME}`);
    expect(await containerInstances()).toEqual([]);
    expect(await runningInstanceId()).toBeUndefined();
    const { clusters = [] } = await ecs.send(new DescribeClustersCommand({ clusters: [NAME] }));
    expect(clusters.filter((cluster) => cluster.status === "ACTIVE")).toEqual([]);
  });
});
