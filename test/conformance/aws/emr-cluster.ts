import {
  DescribeClusterCommand,
  EMRClient,
  ListClustersCommand,
  ListInstanceGroupsCommand,
  ModifyInstanceGroupsCommand,
  RunJobFlowCommand,
  type InstanceGroupConfig,
} from "@aws-sdk/client-emr";
import type { ParticleDefinition } from "../../../src/index.js";
import { EmrCluster } from "../../../src/providers/aws/emr/cluster.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const emr = verificationClient(EMRClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

/** The smallest cluster: one master, `core` core nodes. */
function instanceGroups(core: number): InstanceGroupConfig[] {
  return [
    { Name: "master", InstanceRole: "MASTER", InstanceType: "m5.xlarge", InstanceCount: 1 },
    { Name: "core", InstanceRole: "CORE", InstanceType: "m5.xlarge", InstanceCount: core },
  ];
}

const SETTINGS = {
  ReleaseLabel: "emr-6.10.0",
  JobFlowRole: "EMR_EC2_DefaultRole",
  ServiceRole: "EMR_DefaultRole",
} as const;

function cluster(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    Name: name(label),
    ...SETTINGS,
    Instances: { KeepJobFlowAliveWhenNoSteps: true, InstanceGroups: instanceGroups(1) },
  };
  return definitionOf("emr_cluster", label, base, block);
}

/** The id of the active cluster of `label`; `undefined` when there is none. */
async function activeId(label: string): Promise<string | undefined> {
  const { Clusters = [] } = await emr.send(
    new ListClustersCommand({
      ClusterStates: ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING"],
    }),
  );
  return Clusters.find((candidate) => candidate.Name === name(label))?.Id;
}

/** emr_cluster: the instance counts update in place; the release is fixed; no stopped form. */
export const emrClusterSpec: ConformanceSpec = {
  flavor: EmrCluster,
  testFileUrl: import.meta.url,
  definition: (label) => cluster(label),
  verify: async (label) => {
    const ClusterId = await activeId(label);
    if (ClusterId === undefined) return undefined;
    const { Cluster: found } = await emr.send(new DescribeClusterCommand({ ClusterId }));
    const { InstanceGroups = [] } = await emr.send(new ListInstanceGroupsCommand({ ClusterId }));
    return {
      ReleaseLabel: found?.ReleaseLabel,
      coreCount: InstanceGroups.find((group) => group.InstanceGroupType === "CORE")
        ?.RequestedInstanceCount,
    };
  },
  drift: {
    apply: async (label) => {
      const ClusterId = await activeId(label);
      const { InstanceGroups = [] } = await emr.send(new ListInstanceGroupsCommand({ ClusterId }));
      const core = InstanceGroups.find((group) => group.InstanceGroupType === "CORE");
      await emr.send(
        new ModifyInstanceGroupsCommand({
          ClusterId,
          InstanceGroups: [{ InstanceGroupId: core?.Id, InstanceCount: 3 }],
        }),
      );
    },
    field: "coreCount",
  },
  update: {
    definition: (label) =>
      cluster(label, {
        Instances: { KeepJobFlowAliveWhenNoSteps: true, InstanceGroups: instanceGroups(2) },
      }),
    expected: { coreCount: 2 },
  },
  replace: {
    definition: (label) => cluster(label, { ReleaseLabel: "emr-6.11.0" }),
    expected: { ReleaseLabel: "emr-6.11.0" },
    field: "ReleaseLabel",
  },
  stop: "none",
  createForeign: async (label) => {
    await emr.send(
      new RunJobFlowCommand({
        Name: name(label),
        ...SETTINGS,
        Instances: { KeepJobFlowAliveWhenNoSteps: true, InstanceGroups: instanceGroups(1) },
      }),
    );
  },
  createOperation: "RunJobFlow",
};
