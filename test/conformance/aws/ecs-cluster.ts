import {
  CreateClusterCommand,
  DescribeClustersCommand,
  ECSClient,
  UpdateClusterCommand,
} from "@aws-sdk/client-ecs";
import { EcsCluster } from "../../../src/providers/aws/ecs/cluster.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ecs = verificationClient(ECSClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function cluster(label: string, containerInsights: string): ReturnType<typeof definitionOf> {
  return definitionOf("ecs_cluster", label, {
    clusterName: name(label),
    settings: [{ name: "containerInsights", value: containerInsights }],
  });
}

/** ecs_cluster: settings update in place; nothing is fixed; a deleted cluster lingers INACTIVE. */
export const ecsClusterSpec: ConformanceSpec = {
  flavor: EcsCluster,
  testFileUrl: import.meta.url,
  definition: (label) => cluster(label, "disabled"),
  verify: async (label) => {
    const { clusters = [] } = await ecs.send(
      new DescribeClustersCommand({ clusters: [name(label)], include: ["SETTINGS"] }),
    );
    const found = clusters.find(
      (candidate) => candidate.clusterName === name(label) && candidate.status === "ACTIVE",
    );
    return found === undefined
      ? undefined
      : {
          containerInsights: found.settings?.find((setting) => setting.name === "containerInsights")
            ?.value,
        };
  },
  drift: {
    apply: async (label) => {
      await ecs.send(
        new UpdateClusterCommand({
          cluster: name(label),
          settings: [{ name: "containerInsights", value: "enabled" }],
        }),
      );
    },
    field: "containerInsights",
  },
  update: {
    definition: (label) => cluster(label, "enhanced"),
    expected: { containerInsights: "enhanced" },
  },
  replace: "none",
  stop: "none",
  createForeign: async (label) => {
    await ecs.send(
      new CreateClusterCommand({
        clusterName: name(label),
        settings: [{ name: "containerInsights", value: "disabled" }],
      }),
    );
  },
  createOperation: "CreateCluster",
};
