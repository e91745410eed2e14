import {
  CreateVolumeCommand,
  DescribeVolumesCommand,
  EC2Client,
  ModifyVolumeCommand,
  type Volume,
} from "@aws-sdk/client-ec2";
import type { ParticleDefinition } from "../../../src/index.js";
import { EbsVolume } from "../../../src/providers/aws/ec2/ebs-volume.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import {
  definitionOf,
  pcfNameFilter,
  pcfNameTagSpecifications,
} from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ec2 = verificationClient(EC2Client, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function volume(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    AvailabilityZone: "us-east-1a",
    Size: 10,
    VolumeType: "gp2",
    custom_config: { volume_name: name(label) },
  };
  return definitionOf("ebs_volume", label, base, block);
}

/** The volumes named `label`, deleted ones left out. */
async function volumesOf(label: string): Promise<Volume[]> {
  const { Volumes = [] } = await ec2.send(
    new DescribeVolumesCommand({ Filters: pcfNameFilter(name(label)) }),
  );
  return Volumes.filter((found) => found.State !== "deleting" && found.State !== "deleted");
}

/** ebs_volume: size and type update in place (ModifyVolume); the zone is fixed. */
export const ebsVolumeSpec: ConformanceSpec = {
  flavor: EbsVolume,
  testFileUrl: import.meta.url,
  definition: (label) => volume(label),
  verify: async (label) => {
    const volumes = await volumesOf(label);
    const [found] = volumes;
    if (found === undefined) return undefined;
    return {
      count: volumes.length,
      AvailabilityZone: found.AvailabilityZone,
      Size: found.Size,
      VolumeType: found.VolumeType,
    };
  },
  drift: {
    apply: async (label) => {
      const [found] = await volumesOf(label);
      await ec2.send(new ModifyVolumeCommand({ VolumeId: found?.VolumeId, VolumeType: "gp3" }));
    },
    field: "VolumeType",
  },
  update: { definition: (label) => volume(label, { Size: 20 }), expected: { Size: 20 } },
  replace: {
    definition: (label) => volume(label, { AvailabilityZone: "us-east-1b" }),
    field: "AvailabilityZone",
    expected: { count: 1, AvailabilityZone: "us-east-1b", Size: 10 },
  },
  stop: "none",
  createForeign: async (label) => {
    await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: "us-east-1a",
        Size: 10,
        VolumeType: "gp2",
        TagSpecifications: pcfNameTagSpecifications("volume", name(label)),
      }),
    );
  },
  createOperation: "CreateVolume",
};
