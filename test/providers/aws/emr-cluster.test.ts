import {
  DescribeClusterCommand,
  EMRClient,
  ListClustersCommand,
  RunJobFlowCommand,
  type JobFlowInstancesConfig,
} from "@aws-sdk/client-emr";
import { describe, expect, it } from "vitest";
import { EmrCluster } from "../../../src/providers/aws/emr/cluster.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import {
  OWNERSHIP,
  countSyncAll,
  definitionOf,
  failureOf,
  tagMap,
} from "../../support/aws-fixtures.js";

const emr = verificationClient(EMRClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

/** A master and a core node, in groups without names. */
const INSTANCES: JobFlowInstancesConfig = {
  KeepJobFlowAliveWhenNoSteps: true,
  InstanceGroups: [
    { InstanceRole: "MASTER", InstanceType: "m5.xlarge", InstanceCount: 1 },
    { InstanceRole: "CORE", InstanceType: "m5.xlarge", InstanceCount: 1 },
  ],
};

function cluster(label: string, block: Record<string, unknown> = {}): EmrCluster {
  const base = { Name: name(label), ReleaseLabel: "emr-6.10.0", Instances: INSTANCES };
  return new EmrCluster(definitionOf("emr_cluster", label, base, block));
}

/** Runs a cluster named for `label` with the second client; its id. */
async function runForeign(label: string): Promise<string> {
  const { JobFlowId } = await emr.send(
    new RunJobFlowCommand({ Name: name(label), ReleaseLabel: "emr-6.10.0", Instances: INSTANCES }),
  );
  return JobFlowId ?? "";
}

describe("emr_cluster", () => {
  it("tags the cluster with PCF's custom_config.Tags, groups without names compare, and reads unchanged", async () => {
    const pcf = { custom_config: { Tags: { team: "data" } } };
    const result = await cluster("pcf", pcf).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const { Clusters = [] } = await emr.send(
      new ListClustersCommand({ ClusterStates: ["WAITING"] }),
    );
    const ClusterId = Clusters.find((candidate) => candidate.Name === name("pcf"))?.Id;
    const { Cluster: found } = await emr.send(new DescribeClusterCommand({ ClusterId }));
    expect(tagMap(found?.Tags)).toEqual({ team: "data", ...OWNERSHIP });
    const again = await cluster("pcf", pcf).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("refuses to choose between two active clusters of its name, naming both", async () => {
    const ids = [await runForeign("twice"), await runForeign("twice")];
    const error = await failureOf(cluster("twice").apply({ providerOptions }));
    expect(error.result.particles[0]?.error).toMatchObject({ code: "DUPLICATE_RESOURCE" });
    for (const id of ids) expect(error.message).toContain(id);
  });

  it("reads many clusters of a region with one ListClusters", async () => {
    await runForeign("one");
    await runForeign("two");
    const { states, counts } = await countSyncAll(import.meta.url, EmrCluster, [
      cluster("one"),
      cluster("two"),
      cluster("missing"),
    ]);
    expect(states).toEqual(["running", "running", "terminated"]);
    expect(counts).toEqual({
      ListClustersCommand: 1,
      DescribeClusterCommand: 2,
      ListInstanceGroupsCommand: 2,
    });
  });
});
