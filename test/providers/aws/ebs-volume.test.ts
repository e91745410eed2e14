import {
  AttachVolumeCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
  ModifyVolumeCommand,
  RunInstancesCommand,
  type Volume,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { Field, applyField, loadField, type ParticleDefinition } from "../../../src/index.js";
import { createRunContext } from "../../../src/core/run-context.js";
import { EbsVolume } from "../../../src/providers/aws/ec2/ebs-volume.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import {
  OWNERSHIP,
  countedOptions,
  definitionErrorOf,
  definitionOf,
  failureOf,
  onlyOne,
  pcfNameFilter,
  pcfNameTagSpecifications,
  tagMap,
} from "../../support/aws-fixtures.js";

const ec2 = verificationClient(EC2Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);
const ZONE = "us-east-1a";
const AMI = "ami-12c6146b";

function volumeDefinition(
  label: string,
  block: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
): ParticleDefinition {
  const base = {
    AvailabilityZone: ZONE,
    Size: 10,
    VolumeType: "gp2",
    custom_config: { volume_name: uniqueName(import.meta.url, label) },
  };
  return definitionOf("ebs_volume", label, base, { ...block, custom_config: config });
}

function volume(
  label: string,
  block: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
): EbsVolume {
  return new EbsVolume(volumeDefinition(label, block, config));
}

/** The volumes tagged with a label's name. */
async function volumesOf(label: string): Promise<Volume[]> {
  const { Volumes = [] } = await ec2.send(
    new DescribeVolumesCommand({
      Filters: pcfNameFilter(uniqueName(import.meta.url, label)),
    }),
  );
  return Volumes;
}

async function only(label: string): Promise<Volume & { VolumeId: string }> {
  return onlyOne(await volumesOf(label), "VolumeId", "volume");
}

async function foreignVolume(label: string): Promise<string> {
  const { VolumeId } = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: ZONE,
      Size: 5,
      TagSpecifications: pcfNameTagSpecifications("volume", uniqueName(import.meta.url, label)),
    }),
  );
  return VolumeId ?? "";
}

async function launchInstance(): Promise<string> {
  const { Instances = [] } = await ec2.send(
    new RunInstancesCommand({
      ImageId: AMI,
      MinCount: 1,
      MaxCount: 1,
      Placement: { AvailabilityZone: ZONE },
    }),
  );
  return Instances[0]?.InstanceId ?? "";
}

describe("ebs_volume", () => {
  it("creates the volume with every tag in one call", async () => {
    const { counter, providerOptions: options } = countedOptions(import.meta.url);
    const result = await volume("create", { Tags: { team: "data" } }).apply({
      providerOptions: options,
    });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    const live = await only("create");
    expect(live).toMatchObject({ Size: 10, VolumeType: "gp2", AvailabilityZone: ZONE });
    expect(tagMap(live.Tags)).toEqual({
      PCFName: uniqueName(import.meta.url, "create"),
      team: "data",
      ...OWNERSHIP,
    });
    expect(counter.count("CreateVolumeCommand")).toBe(1);
    expect(counter.count("CreateTagsCommand")).toBe(0);
  });

  it("reports a second apply as unchanged", async () => {
    const definition = volumeDefinition("noop", { Tags: { team: "data" } });
    await new EbsVolume(definition).apply({ providerOptions });
    const again = await new EbsVolume(definition).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("grows the volume and changes its type and IOPS with one ModifyVolume, and its tags", async () => {
    await volume("modify", { Tags: { team: "data", old: "x" } }).apply({ providerOptions });
    const { counter, providerOptions: options } = countedOptions(import.meta.url);
    const result = await volume("modify", {
      Size: 20,
      VolumeType: "io1",
      Iops: 500,
      Tags: { team: "ml" },
    }).apply({ providerOptions: options });
    expect(result.particles[0]).toMatchObject({ transitions: ["update"], state: "running" });
    const live = await only("modify");
    expect(live).toMatchObject({ Size: 20, VolumeType: "io1", Iops: 500 });
    expect(tagMap(live.Tags)).toEqual({
      PCFName: uniqueName(import.meta.url, "modify"),
      team: "ml",
      ...OWNERSHIP,
    });
    expect(counter.count("ModifyVolumeCommand")).toBe(1);
  });

  it("corrects a type and a tag changed behind its back", async () => {
    const particle = volume("drift", { Tags: { team: "data" } });
    await particle.apply({ providerOptions });
    const { VolumeId } = await only("drift");
    await ec2.send(new ModifyVolumeCommand({ VolumeId, VolumeType: "gp3" }));
    await ec2.send(
      new CreateTagsCommand({ Resources: [VolumeId ?? ""], Tags: [{ Key: "team", Value: "x" }] }),
    );
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    const live = await only("drift");
    expect(live.VolumeType).toBe("gp2");
    expect(tagMap(live.Tags)["team"]).toBe("data");
  });

  it("deletes the volume when asked to stop, and then counts it as stopped", async () => {
    await volume("stop").apply({ providerOptions });
    const result = await volume("stop").apply({ providerOptions, desiredState: "stopped" });
    expect(result.particles[0]?.transitions).toEqual(["terminate"]);
    expect(await volumesOf("stop")).toEqual([]);
    const again = await volume("stop").apply({ providerOptions, desiredState: "stopped" });
    expect(again.particles[0]?.outcome).toBe("unchanged");
  });

  it("terminates the volume, and one that is already gone", async () => {
    const particle = volume("terminate");
    await particle.apply({ providerOptions });
    const result = await particle.apply({ providerOptions, desiredState: "terminated" });
    expect(result.particles[0]).toMatchObject({ transitions: ["terminate"], state: "terminated" });
    expect(await volumesOf("terminate")).toEqual([]);

    const vanished = volume("vanished");
    await vanished.apply({ providerOptions });
    const context = createRunContext({ providerOptions });
    expect(await vanished.getState(context)).toBe("running");
    await ec2.send(new DeleteVolumeCommand({ VolumeId: (await only("vanished")).VolumeId }));
    vanished.setDesiredState("terminated");
    await expect(vanished.runTransition("terminate", context)).resolves.toBeUndefined();
  });

  it("detaches the volume, naming its instance, before deleting it", async () => {
    const particle = volume("attached");
    await particle.apply({ providerOptions });
    const InstanceId = await launchInstance();
    const { VolumeId } = await only("attached");
    await ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId, Device: "/dev/sdg" }));

    const { counter, providerOptions: options } = countedOptions(import.meta.url);
    const result = await particle.apply({
      providerOptions: options,
      desiredState: "terminated",
    });
    expect(result.particles[0]?.state).toBe("terminated");
    expect(await volumesOf("attached")).toEqual([]);
    expect(counter.count("DetachVolumeCommand")).toBe(1);
  });

  it("attaches the volume to its ec2_instance parent, and detaches it when the field goes down", async () => {
    const instanceName = uniqueName(import.meta.url, "host");
    const host = {
      pcf_name: "host",
      flavor: "ec2_instance",
      aws_resource: {
        ImageId: AMI,
        Placement: { AvailabilityZone: ZONE },
        custom_config: { instance_name: instanceName },
      },
    };
    const disk = {
      ...volumeDefinition("disk-1", {}, { attach: true }),
      parents: ["ec2_instance:host"],
    };
    const { field } = await loadField([host, disk]);
    const result = await applyField(field, { providerOptions });
    expect(result.particles.map((report) => report.transitions)).toEqual([
      ["start"],
      ["start", "update"],
    ]);
    const { Reservations = [] } = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          ...pcfNameFilter(instanceName),
          { Name: "instance-state-name", Values: ["running"] },
        ],
      }),
    );
    const instanceId = Reservations[0]?.Instances?.[0]?.InstanceId;
    expect((await only("disk-1")).Attachments).toEqual([
      expect.objectContaining({ InstanceId: instanceId, Device: "/dev/xvdc" }),
    ]);
    const again = await applyField((await loadField([host, disk])).field, { providerOptions });
    expect(again.particles.map((report) => report.outcome)).toEqual(["unchanged", "unchanged"]);

    const down = await applyField((await loadField([host, disk])).field, {
      providerOptions,
      desiredState: "terminated",
    });
    expect(down.particles.map((report) => report.state)).toEqual(["terminated", "terminated"]);
    expect(await volumesOf("disk-1")).toEqual([]);
  });

  it("fails clearly when attach has no ec2_instance parent", async () => {
    const error = await failureOf(
      volume("orphan", {}, { attach: true }).apply({ providerOptions }),
    );
    expect(error.message).toMatch(/attach needs exactly one ec2_instance parent/);
  });

  it("refuses to delete a volume it did not create, until told to adopt it", async () => {
    await foreignVolume("foreign");
    const error = await failureOf(
      volume("foreign").apply({ providerOptions, desiredState: "terminated" }),
    );
    expect(error.message).toMatch(/refusing to terminate: .*not created by particle-cloud/);
    expect(await volumesOf("foreign")).toHaveLength(1);
    await volume("foreign", {}, { adopt: true }).apply({
      providerOptions,
      desiredState: "terminated",
    });
    expect(await volumesOf("foreign")).toEqual([]);
  });

  it("reads a pinned VolumeId by its id, and never creates a missing one", async () => {
    const pinnedId = await foreignVolume("pinned-elsewhere");
    const pinned = volume("pinned", { VolumeId: pinnedId, Size: 5 }, { adopt: true });
    // Adopting writes the ownership tag (one update); nothing else differs, as a re-apply shows.
    const adopted = await pinned.apply({ providerOptions });
    expect(adopted.particles[0]).toMatchObject({ transitions: ["update"], state: "running" });
    const again = await pinned.apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", state: "running" });
    expect(await volumesOf("pinned")).toEqual([]);

    const error = await failureOf(
      volume("pinned-missing", { VolumeId: "vol-0123456789abcdef0" }).apply({ providerOptions }),
    );
    expect(error.message).toMatch(/vol-0123456789abcdef0 .*does not exist; remove VolumeId/);
    expect(await volumesOf("pinned-missing")).toEqual([]);
  });

  it("reads a field of three volumes with one DescribeVolumes call", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    await applyField(new Field(labels.map((label) => volume(label))).link(), { providerOptions });
    const { counter, providerOptions: options } = countedOptions(import.meta.url);
    const result = await applyField(new Field(labels.map((label) => volume(label))).link(), {
      providerOptions: options,
    });
    expect(result.particles.map((report) => report.outcome)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    expect(counter.all()).toEqual({ DescribeVolumesCommand: 1 });
  });

  it("fails the read when two volumes carry its name", async () => {
    await foreignVolume("twins");
    await foreignVolume("twins");
    const error = await failureOf(volume("twins").apply({ providerOptions }));
    expect(error.message).toMatch(
      /2 volumes carry the tag PCFName=.*twins \(vol-\w+, vol-\w+\): keep one and remove the tag from the others, e\.g\. `aws ec2 delete-tags --region us-east-1 --resources vol-\w+ --tags Key=PCFName`/,
    );
    expect(error.result.particles[0]?.error?.code).toBe("DUPLICATE_RESOURCE");
  });

  describe("definitions", () => {
    // From capitalone/Particle-Cloud-Framework pcf/test/particle/aws/ec2/test_ebs_volume.py.
    const pcfTest = {
      pcf_name: "gg-pcf",
      flavor: "ebs_volume",
      aws_resource: {
        custom_config: { volume_name: "pcf-ebs-example" },
        AvailabilityZone: "us-east-1a",
        Encrypted: true,
        Size: 10,
        VolumeType: "standard",
        TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "Name", Value: "gg-pcf" }] }],
      },
    };

    it("loads and applies PCF's own test definition, then its tag update", async () => {
      const name = uniqueName(import.meta.url, "pcf-test");
      const definition = {
        ...pcfTest,
        aws_resource: { ...pcfTest.aws_resource, custom_config: { volume_name: name } },
      };
      await applyField((await loadField([definition])).field, { providerOptions });
      const live = await only("pcf-test");
      expect(live).toMatchObject({ Encrypted: true, Size: 10, VolumeType: "standard" });
      expect(tagMap(live.Tags)).toEqual({ Name: "gg-pcf", PCFName: name, ...OWNERSHIP });

      const updated = {
        ...definition,
        aws_resource: {
          ...definition.aws_resource,
          TagSpecifications: [
            {
              ResourceType: "volume",
              Tags: [
                { Key: "Name", Value: "gg-pcf" },
                { Key: "Name2", Value: "gg-pcf2" },
              ],
            },
          ],
        },
      };
      const result = await applyField((await loadField([updated])).field, { providerOptions });
      expect(result.particles[0]?.transitions).toEqual(["update"]);
      expect(tagMap((await only("pcf-test")).Tags)).toMatchObject({ Name2: "gg-pcf2" });
    });

    it("rejects PCF's example as PCF does (it has no volume_name), and takes its Tags map once named", async () => {
      // capitalone/Particle-Cloud-Framework examples/particle/aws/ec2/use_ebs_volume/example_ebs_volume.py
      const example = {
        pcf_name: "ebs-example",
        flavor: "ebs_volume",
        aws_resource: {
          AvailabilityZone: "us-east-1a",
          Encrypted: true,
          Size: 20,
          SnapshotId: "snap-11111111111111111",
          VolumeType: "gp2",
          Tags: { Name: "pcf-ebs-example", Tag1: "hello", Tag2: "world" },
        },
      };
      const error = await definitionErrorOf([example]);
      expect(error.issues.map((issue) => issue.field)).toContain(
        "aws_resource.custom_config.volume_name",
      );
      const named = {
        ...example,
        aws_resource: { ...example.aws_resource, custom_config: { volume_name: "ebs-example" } },
      };
      const { field } = await loadField([named, pcfTest]);
      expect(field.particles.every((particle) => particle instanceof EbsVolume)).toBe(true);
    });

    it("rejects wrong types, unknown fields and a volume without a size, listing every problem", async () => {
      const error = await definitionErrorOf([
        {
          pcf_name: "typed",
          flavor: "ebs_volume",
          aws_resource: {
            AvailabilityZone: ZONE,
            VolumeType: "fast",
            Iops: "many",
            Colour: "blue",
            custom_config: { volume_name: "typed", atach: true },
          },
        },
        {
          pcf_name: "sizeless",
          flavor: "ebs_volume",
          aws_resource: { AvailabilityZone: ZONE, custom_config: { volume_name: "sizeless" } },
        },
      ]);
      const issues = error.issues;
      expect(issues.map((issue) => issue.field)).toEqual(
        expect.arrayContaining([
          "aws_resource.VolumeType",
          "aws_resource.Iops",
          "aws_resource",
          "aws_resource.custom_config",
          "aws_resource.Size",
        ]),
      );
      expect(issues.find((issue) => issue.field === "aws_resource.Size")?.message).toMatch(
        /expected Size .* unless .* SnapshotId/,
      );
    });
  });
});
