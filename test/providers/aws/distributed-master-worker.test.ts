import {
  DescribeInstancesCommand,
  EC2Client,
  type Instance,
  type RunInstancesCommandInput,
} from "@aws-sdk/client-ec2";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadFiles, type EngineEvent } from "../../../src/index.js";
import type { AwsClient } from "../../../src/providers/aws/options.js";
import { Ec2Instance } from "../../../src/providers/aws/ec2/instance.js";
import { DistributedMasterWorker } from "../../../src/quasiparticles/distributed-master-worker.js";
import { awsTestOptions, verificationClient } from "../../support/aws.js";
import { pcfNameFilter, tagMap } from "../../support/aws-fixtures.js";

const FILE = fileURLToPath(
  new URL("../../../examples/seed/distributed-master-worker.yml", import.meta.url),
);
const MASTERS = ["master-ec2-0", "master-ec2-1", "master-ec2-2"].map(
  (name) => `ec2_instance:${name}`,
);
const WORKERS = ["worker-ec2-0", "worker-ec2-1", "worker-ec2-2"].map(
  (name) => `ec2_instance:${name}`,
);
const ec2 = verificationClient(EC2Client, import.meta.url);

async function loadCluster(): Promise<DistributedMasterWorker> {
  const { entries } = await loadFiles([FILE]);
  expect(entries).toHaveLength(1);
  expect(entries[0]).toBeInstanceOf(DistributedMasterWorker);
  return entries[0] as DistributedMasterWorker;
}

/** The live instances of the cluster, by PCFName. */
async function liveByName(): Promise<Map<string, Instance>> {
  const { Reservations = [] } = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        ...pcfNameFilter("pcf-master-*", "pcf-worker-*"),
        { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
      ],
    }),
  );
  const instances = Reservations.flatMap((reservation) => reservation.Instances ?? []);
  return new Map(instances.map((instance) => [tagMap(instance.Tags)["PCFName"] ?? "", instance]));
}

/** Records the PCFName of every RunInstances call, in the order they are sent. */
function launchRecorder(launched: string[]): (client: AwsClient) => void {
  return (client) => {
    client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === "RunInstancesCommand") {
          const input = args.input as RunInstancesCommandInput;
          const tags = input.TagSpecifications?.flatMap((spec) => spec.Tags ?? []) ?? [];
          launched.push(tags.find((tag) => tag.Key === "PCFName")?.Value ?? "?");
        }
        return next(args);
      },
      { step: "initialize", name: "launchRecorder" },
    );
  };
}

function startsOf(events: readonly EngineEvent[], transition: string): string[] {
  return events.flatMap((event) =>
    event.type === "transition.start" && event.transition === transition ? [event.particle] : [],
  );
}

describe("distributed_master_worker on EC2 (the seed's quickstart file)", () => {
  it("loads three masters and three workers, each worker a child of every master", async () => {
    const cluster = await loadCluster();
    expect(cluster.master).toBe("master-ec2");
    expect(cluster.particles.map((particle) => particle.id)).toEqual([...MASTERS, ...WORKERS]);
    for (const particle of cluster.particles) expect(particle).toBeInstanceOf(Ec2Instance);
    for (const worker of WORKERS)
      expect(
        [...cluster.getParticle("ec2_instance", worker.split(":")[1] ?? "").parents]
          .map((parent) => parent.id)
          .sort(),
      ).toEqual(MASTERS);
  });

  it("launches every master before any worker, and terminates every worker before any master", async () => {
    const launched: string[] = [];
    const events: EngineEvent[] = [];
    const providerOptions = awsTestOptions(import.meta.url, {
      configureClient: launchRecorder(launched),
    });

    const up = await (
      await loadCluster()
    ).apply({
      providerOptions,
      desiredState: "running",
      onEvent: (event) => events.push(event),
    });
    expect(up.ok).toBe(true);
    expect(launched.slice(0, 3).sort()).toEqual(["pcf-master-0", "pcf-master-1", "pcf-master-2"]);
    expect(launched.slice(3).sort()).toEqual(["pcf-worker-0", "pcf-worker-1", "pcf-worker-2"]);
    const starts = startsOf(events, "start");
    expect(starts.slice(0, 3).sort()).toEqual(MASTERS);
    expect(starts.slice(3).sort()).toEqual(WORKERS);

    const live = await liveByName();
    expect([...live.keys()].sort()).toEqual([
      "pcf-master-0",
      "pcf-master-1",
      "pcf-master-2",
      "pcf-worker-0",
      "pcf-worker-1",
      "pcf-worker-2",
    ]);
    const masterIp = live.get("pcf-master-0")?.PrivateIpAddress;
    expect(masterIp).toBeDefined();
    for (const name of ["pcf-worker-0", "pcf-worker-1", "pcf-worker-2"])
      expect(live.get(name)?.Tags).toContainEqual({ Key: "master-ip", Value: masterIp });

    const again = await (await loadCluster()).apply({ providerOptions, desiredState: "running" });
    expect(again.particles.every((report) => report.outcome === "unchanged")).toBe(true);

    events.length = 0;
    const down = await (
      await loadCluster()
    ).apply({
      providerOptions,
      desiredState: "terminated",
      onEvent: (event) => events.push(event),
    });
    expect(down.ok).toBe(true);
    const terminations = startsOf(events, "terminate");
    expect(terminations.slice(0, 3).sort()).toEqual(WORKERS);
    expect(terminations.slice(3).sort()).toEqual(MASTERS);
    expect((await liveByName()).size).toBe(0);
  });
});
