import { VolumeType, type CreateVolumeCommandInput } from "@aws-sdk/client-ec2";
import * as z from "zod";
import { isPlainObject, readPath } from "../../../core/values.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import {
  PCF_NAME_TAG,
  normalizeTags,
  tagMapOf,
  tagMapSchema,
  tagSpecifications,
  type TagMap,
} from "../tags.js";

// What a user writes for an `ebs_volume`, and how it becomes CreateVolume's input.

/** The `aws_resource` block of an `ebs_volume`: CreateVolume's parameters, as PCF writes them. */
export const ebsVolumeSchema = z
  .strictObject({
    /** The zone to create the volume in, e.g. `us-east-1a`. Required. */
    AvailabilityZone: z.string().min(1),
    /** Size in GiB. Required unless `SnapshotId` is given. Grown in place (AWS never shrinks a volume). */
    Size: z.int().min(1).max(65_536).optional(),
    /** `gp2`, `gp3`, `io1`, `io2`, `st1`, `sc1` or `standard`. Changed in place. Default `gp2`. */
    VolumeType: z.enum(VolumeType).optional(),
    /** Provisioned IOPS (gp3, io1, io2). Changed in place. Default: the type's. */
    Iops: z.int().min(1).optional(),
    /** Throughput in MiB/s (gp3). Changed in place. Default 125 for gp3. */
    Throughput: z.int().min(1).optional(),
    /** Encrypts the volume. Creation only. Default: the account's default. */
    Encrypted: z.boolean().optional(),
    /** The KMS key for encryption. Creation only. Default: the EBS default key. */
    KmsKeyId: z.string().min(1).optional(),
    /** The snapshot to create the volume from. Creation only. Default: none (an empty volume). */
    SnapshotId: z.string().min(1).optional(),
    /** Lets io1/io2 volumes attach to several instances. Creation only. Default false. */
    MultiAttachEnabled: z.boolean().optional(),
    /** Tags as PCF writes them (`[{ ResourceType: volume, Tags: [{ Key, Value }] }]`). */
    TagSpecifications: z
      .array(
        z.strictObject({
          ResourceType: z.literal("volume").optional(),
          Tags: z.array(
            z.strictObject({
              Key: z.string().min(1).max(128),
              Value: z.union([z.string().max(256), z.number(), z.boolean()]),
            }),
          ),
        }),
      )
      .optional(),
    /** Tags as a map (PCF's example writes them so); joined with `TagSpecifications`. */
    Tags: tagMapSchema.optional(),
    /**
     * Pins an existing volume by id: it is read by that id instead of its `PCFName` tag, and is
     * never created (a missing pinned volume fails `start`). Default: found by tag, created if missing.
     */
    VolumeId: z
      .string()
      .regex(/^vol-\w+$/, "expected a volume id vol-…")
      .optional(),
    /** The volume's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
    region_name: regionNameSchema,
    /**
     * `volume_name` (required, the unique key): kept in the `PCFName` tag, by which the volume is
     * found. `attach`: attach the volume to its one `ec2_instance` parent, as device `/dev/xvdb`
     * … `/dev/xvdk` by the last digit of `volume_name`, else `/dev/sdf` (PCF's rule). Default false.
     * `adopt`: see {@link awsCustomConfigSchema}.
     */
    custom_config: z.strictObject({
      ...awsCustomConfigSchema.shape,
      volume_name: z.string().min(1).max(256),
      attach: z.boolean().optional(),
    }),
  })
  .refine((block) => block.Size !== undefined || block.SnapshotId !== undefined, {
    message: "expected Size (GiB) unless the volume comes from a SnapshotId",
    path: ["Size"],
  });

/** What a user writes in the `aws_resource` block of an `ebs_volume` particle. */
export type EbsVolumeDefinition = z.infer<typeof ebsVolumeSchema>;

/** The fields ModifyVolume changes in place. @internal */
export const MODIFIABLE_VOLUME_FIELDS = ["Size", "VolumeType", "Iops", "Throughput"] as const;

/**
 * The fields EC2 sets at creation and ModifyVolume cannot change: a change replaces the volume.
 * `KmsKeyId` is not among them because a definition may name the key by alias while a read gives
 * its ARN, which would read as a change.
 */
export const FIXED_VOLUME_FIELDS = ["AvailabilityZone", "Encrypted", "SnapshotId"] as const;

/**
 * The volume tags a definition asks for: TagSpecifications' tags, then the `Tags` map, then
 * `PCFName`. `undefined` when it lists none: tags are then not compared.
 */
export function requestedVolumeTags(
  definition: Record<string, unknown>,
): Record<string, string> | undefined {
  const specs = Array.isArray(definition["TagSpecifications"])
    ? definition["TagSpecifications"]
    : [];
  const listed = specs.flatMap((spec) =>
    isPlainObject(spec) && Array.isArray(spec["Tags"]) ? (spec["Tags"] as unknown[]) : [],
  );
  const map = definition["Tags"];
  if (listed.length === 0 && !isPlainObject(map)) return undefined;
  return {
    ...tagMapOf(listed),
    ...normalizeTags(tagMapSchema.parse(map ?? {})),
    [PCF_NAME_TAG]: String(readPath(definition, "custom_config.volume_name")),
  };
}

/**
 * CreateVolume's input, but for the client token: the create fields, every tag plus the ownership
 * tag and the particle's `provenance` tags.
 */
export function toCreateVolumeInput(
  definition: EbsVolumeDefinition,
  provenance: TagMap,
): CreateVolumeCommandInput {
  const { AvailabilityZone, Size, VolumeType, Iops, Throughput, Encrypted, KmsKeyId } = definition;
  const tags = requestedVolumeTags(definition) ?? {
    [PCF_NAME_TAG]: definition.custom_config.volume_name,
  };
  return {
    AvailabilityZone,
    Size,
    VolumeType,
    Iops,
    Throughput,
    Encrypted,
    KmsKeyId,
    SnapshotId: definition.SnapshotId,
    MultiAttachEnabled: definition.MultiAttachEnabled,
    TagSpecifications: tagSpecifications("volume", tags, provenance),
  };
}

/** The volume types CreateVolume takes `Iops` for, and those it takes `Throughput` for. */
const IOPS_TYPES: readonly string[] = ["gp3", "io1", "io2"];
const THROUGHPUT_TYPES: readonly string[] = ["gp3"];

/**
 * The create fields of a volume as DescribeVolumes shows it (`observed`), in the form
 * CreateVolume takes them: the zone, size, type, encryption and key, the snapshot it came from
 * (when any), multi-attach, and the IOPS and throughput only for the types that take them (EC2
 * shows a `gp2` volume's baseline IOPS, which CreateVolume refuses). Not `VolumeId`: a
 * discovered volume is found by its name, not pinned.
 */
export function volumeFieldsOf(
  observed: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const type = String(observed["VolumeType"]);
  const snapshot = observed["SnapshotId"];
  return {
    AvailabilityZone: observed["AvailabilityZone"],
    Size: observed["Size"],
    VolumeType: observed["VolumeType"],
    Iops: IOPS_TYPES.includes(type) ? observed["Iops"] : undefined,
    Throughput: THROUGHPUT_TYPES.includes(type) ? observed["Throughput"] : undefined,
    Encrypted: observed["Encrypted"],
    KmsKeyId: observed["KmsKeyId"],
    SnapshotId: snapshot === "" ? undefined : snapshot,
    MultiAttachEnabled: observed["MultiAttachEnabled"],
    region_name: observed["region_name"],
  };
}
