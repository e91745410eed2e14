import {
  AutoScalingClient,
  CreateLaunchConfigurationCommand,
  DeleteLaunchConfigurationCommand,
  paginateDescribeLaunchConfigurations,
  type LaunchConfiguration as Configuration,
} from "@aws-sdk/client-auto-scaling";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { CallFailure } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { sortedSet } from "./auto-scaling-group.js";

/** One block device of the instances, as CreateLaunchConfiguration takes it. */
const blockDeviceSchema = z.strictObject({
  /** The device name (`/dev/xvda`). Required. */
  DeviceName: z.string().min(1),
  /** An instance store volume (`ephemeral0`). Default: none. */
  VirtualName: z.string().min(1).optional(),
  /** `true` suppresses the device of the AMI. Default: none. */
  NoDevice: z.boolean().optional(),
  /** The EBS volume. Default: none. */
  Ebs: z
    .strictObject({
      /** The snapshot to start from. Default: none. */
      SnapshotId: z.string().min(1).optional(),
      /** Size in GiB. Default: the snapshot's size. */
      VolumeSize: z.number().int().min(1).optional(),
      /** `gp2`, `gp3`, `io1`, … Default: AWS's (`gp2`). */
      VolumeType: z.string().min(1).optional(),
      /** Whether the volume goes with the instance. Default true. */
      DeleteOnTermination: z.boolean().optional(),
      /** Provisioned IOPS (io1, io2, gp3). Default: none. */
      Iops: z.number().int().min(1).optional(),
      /** Whether the volume is encrypted. Default: the snapshot's or the account's setting. */
      Encrypted: z.boolean().optional(),
      /** Throughput in MiB/s (gp3). Default: none. */
      Throughput: z.number().int().min(1).optional(),
    })
    .optional(),
});

const nameSchema = z.string().min(1).max(255);

/**
 * The `aws_resource` block of a `launch_configuration` particle: CreateLaunchConfiguration's
 * parameters. A launch configuration cannot be changed: every field is fixed at creation.
 */
export const launchConfigurationSchema = z.strictObject({
  /** The launch configuration's name. Required: it is the unique key. */
  LaunchConfigurationName: nameSchema,
  /** The AMI of the instances. Default: none (then InstanceId). Fixed at creation. */
  ImageId: z.string().min(1).optional(),
  /** The key pair. Default: not compared; none. Fixed at creation. */
  KeyName: z.string().min(1).optional(),
  /** Security group ids (or EC2-Classic names), compared as a set. Default: not compared; none. Fixed at creation. */
  SecurityGroups: z.array(z.string().min(1)).optional(),
  /** An EC2-Classic VPC to link (retired by AWS). Default: not compared; none. Fixed at creation. */
  ClassicLinkVPCId: z.string().min(1).optional(),
  /** Its security groups, compared as a set. Default: not compared; none. Fixed at creation. */
  ClassicLinkVPCSecurityGroups: z.array(z.string().min(1)).optional(),
  /**
   * The instances' user data as plain text, as PCF files write it (boto3 encoded it): sent
   * base64-encoded, and compared with the live one decoded. Default: not compared; none. Fixed
   * at creation.
   */
  UserData: z.string().max(16_384).optional(),
  /** An instance whose settings are copied. Default: none. Sent at create only, not compared (not shown by AWS). */
  InstanceId: z.string().min(1).optional(),
  /** The instance type (`t3.micro`). Default: none (then InstanceId). Fixed at creation. */
  InstanceType: z.string().min(1).optional(),
  /** The kernel. Default: not compared; the AMI's. Fixed at creation. */
  KernelId: z.string().min(1).optional(),
  /** The RAM disk. Default: not compared; the AMI's. Fixed at creation. */
  RamdiskId: z.string().min(1).optional(),
  /** Block devices, compared whole. Default: not compared; the AMI's. Fixed at creation. */
  BlockDeviceMappings: z.array(blockDeviceSchema).optional(),
  /** `{ Enabled }`: detailed monitoring. Default: not compared; enabled. Fixed at creation. */
  InstanceMonitoring: z.strictObject({ Enabled: z.boolean() }).optional(),
  /** The highest Spot price, as a string. Default: not compared; On-Demand instances. Fixed at creation. */
  SpotPrice: z.string().min(1).optional(),
  /** The instance profile's name or ARN. Default: not compared; none. Fixed at creation. */
  IamInstanceProfile: z.string().min(1).max(1600).optional(),
  /** Whether instances are EBS-optimised. Default: not compared; false. Fixed at creation. */
  EbsOptimized: z.boolean().optional(),
  /** Whether instances get a public IP in a VPC. Default: not compared; the subnet's setting. Fixed at creation. */
  AssociatePublicIpAddress: z.boolean().optional(),
  /** `default` or `dedicated`. Default: not compared; `default`. Fixed at creation. */
  PlacementTenancy: z.enum(["default", "dedicated"]).optional(),
  /** `{ HttpTokens, HttpPutResponseHopLimit, HttpEndpoint }`. Default: not compared; AWS's. Fixed at creation. */
  MetadataOptions: z
    .strictObject({
      HttpTokens: z.enum(["optional", "required"]).optional(),
      HttpPutResponseHopLimit: z.number().int().min(1).max(64).optional(),
      HttpEndpoint: z.enum(["disabled", "enabled"]).optional(),
    })
    .optional(),
  /** The launch configuration's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt` (accepted, nothing to record: see the class), `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of a `launch_configuration` particle. */
export type LaunchConfigurationDefinition = z.infer<typeof launchConfigurationSchema>;

/** The fields compared, every one fixed at creation. */
const FIXED_FIELDS = [
  "ImageId",
  "KeyName",
  "SecurityGroups",
  "ClassicLinkVPCId",
  "ClassicLinkVPCSecurityGroups",
  "UserData",
  "InstanceType",
  "KernelId",
  "RamdiskId",
  "BlockDeviceMappings",
  "InstanceMonitoring",
  "SpotPrice",
  "IamInstanceProfile",
  "EbsOptimized",
  "AssociatePublicIpAddress",
  "PlacementTenancy",
  "MetadataOptions",
] as const;

/** Names per DescribeLaunchConfigurations call (its most). */
const NAMES_PER_CALL = 50;

/** The codes of the launch configuration calls, by class. */
const LAUNCH_CONFIGURATION_ERRORS: OperationErrors = {
  CreateLaunchConfiguration: {
    alreadyExists: ["AlreadyExists"],
    invalid: ["LimitExceeded", "ValidationError", "InvalidUserData.Malformed"],
  },
  DescribeLaunchConfigurations: { invalid: ["InvalidNextToken"] },
  DeleteLaunchConfiguration: { inUse: ["ResourceInUse"] },
};

/** Base64 of UTF-8 text. */
function encoded(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** UTF-8 text of base64 (AWS answers UserData encoded). */
function decoded(base64: string): string {
  return Buffer.from(base64, "base64").toString("utf8");
}

/**
 * An EC2 Auto Scaling launch configuration, found by its name. AWS cannot change one: every
 * field is fixed at creation, so a change plans as a replacement (terminate, then start), run
 * only when allowed. It has no stopped form: stopped ≡ terminated (PCF's stop deleted it too,
 * then failed on the missing equivalence). Deleting one that an Auto Scaling group still uses is
 * refused (`ResourceInUse`).
 *
 * Launch configurations carry no tags, so there is no ownership record: whatever is found under
 * the name is counted as the framework's own, and a launch configuration made by someone else
 * cannot be told apart (it is updated, replaced or deleted like one of ours). Use distinct names.
 *
 * UserData is written as plain text and sent base64-encoded, and the live value (which AWS
 * answers encoded) is decoded before comparing, so a definition with UserData converges (PCF's
 * never did).
 *
 * Reads are batched: one paged DescribeLaunchConfigurations per region naming up to 50
 * configurations a call.
 *
 * @example
 * ```ts
 * const web = new LaunchConfiguration({
 *   pcf_name: "web-v1",
 *   flavor: "launch_configuration",
 *   aws_resource: {
 *     LaunchConfigurationName: "web-v1",
 *     ImageId: "ami-12c6146b",
 *     InstanceType: "t3.micro",
 *     UserData: "#!/bin/bash\nyum install -y nginx",
 *   },
 * });
 * await web.apply();
 * ```
 */
export class LaunchConfiguration extends AWSResource<
  LaunchConfigurationDefinition,
  Configuration,
  AutoScalingClient
> {
  static override readonly flavor: string = "launch_configuration";
  static override readonly service: string = "autoscaling";
  static override readonly Client = AutoScalingClient;
  static override readonly definitionSchema = launchConfigurationSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.LaunchConfigurationName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = FIXED_FIELDS;
  static override readonly readShape = "describe-by-key";
  static override readonly tagging = undefined;
  static override readonly createOperation: string = "CreateLaunchConfiguration";
  static override readonly operationErrors = LAUNCH_CONFIGURATION_ERRORS;
  // DeleteLaunchConfiguration answers nothing: an empty 200 that never reached the service looks the same.
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: ["autoscaling:DescribeLaunchConfigurations"],
    start: [
      "autoscaling:CreateLaunchConfiguration",
      "autoscaling:DescribeLaunchConfigurations",
      "iam:PassRole",
    ],
    terminate: [
      "autoscaling:DeleteLaunchConfiguration",
      "autoscaling:DescribeLaunchConfigurations",
    ],
  };

  /** The launch configurations of `names`: DescribeLaunchConfigurations naming them, 50 a call, paged. */
  protected override async list(
    client: AutoScalingClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Configuration>> {
    const found = new Map<string, Configuration>();
    for (let start = 0; start < names.length; start += NAMES_PER_CALL)
      for (const configuration of await describeConfigurations(
        client,
        names.slice(start, start + NAMES_PER_CALL),
        signal,
      ))
        if (configuration.LaunchConfigurationName !== undefined)
          found.set(configuration.LaunchConfigurationName, configuration);
    return found;
  }

  /**
   * Every launch configuration of the region: DescribeLaunchConfigurations, paged. Launch
   * configurations keep no tags: those made by others are listed too, as they are read.
   */
  protected override listAll(
    client: AutoScalingClient,
    { signal }: RunContext,
  ): Promise<readonly Configuration[]> {
    return describeConfigurations(client, undefined, signal);
  }

  /** A listed launch configuration is running; its UserData decoded. */
  protected override observe(configuration: Configuration, context: RunContext): Observation {
    const { UserData, CreatedTime: _created, ...fields } = configuration;
    return {
      state: "running",
      definition: {
        ...fields,
        SecurityGroups: fields.SecurityGroups ?? [],
        ClassicLinkVPCSecurityGroups: fields.ClassicLinkVPCSecurityGroups ?? [],
        UserData: UserData === undefined || UserData === "" ? undefined : decoded(UserData),
        region_name: this.region(context),
      },
    };
  }

  /**
   * The generic block without the empty values AWS lists for settings never made (`KernelId:
   * ""`, no security groups, no block devices), which CreateLaunchConfiguration would refuse or
   * which mean the same as leaving them out.
   */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(super.discoveredResource(observation, ownTags)).filter(
        ([, value]) => value !== "" && !(Array.isArray(value) && value.length === 0),
      ),
    );
  }

  /** CreateLaunchConfiguration with every setting, UserData encoded; its answer is empty. */
  protected override async create(
    client: AutoScalingClient,
    desired: LaunchConfigurationDefinition,
    { signal }: RunContext,
  ): Promise<Configuration | undefined> {
    const { UserData, region_name: _region, custom_config: _config, ...settings } = desired;
    await client.send(
      new CreateLaunchConfigurationCommand({
        ...settings,
        ...(UserData === undefined ? {} : { UserData: encoded(UserData) }),
      }),
      { abortSignal: signal },
    );
    return undefined;
  }

  /** DeleteLaunchConfiguration: AWS refuses while an Auto Scaling group uses it. */
  protected override async remove(
    client: AutoScalingClient,
    { LaunchConfigurationName }: Configuration,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteLaunchConfigurationCommand({ LaunchConfigurationName }), {
      abortSignal: signal,
    });
  }

  /** The way out of a delete refused because a group uses the launch configuration. */
  protected override removalHint(failure: CallFailure): Promise<string> {
    return Promise.resolve(
      failure === "inUse"
        ? " (an Auto Scaling group still uses it: point the group at another launch configuration, or delete the group, first)"
        : "",
    );
  }

  /** The name and the settings written, the security groups as sets. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const compared = Object.fromEntries(
      ["LaunchConfigurationName", ...FIXED_FIELDS].map((field) => [field, definition[field]]),
    );
    return {
      ...compared,
      SecurityGroups: sortedSet(definition["SecurityGroups"]),
      ClassicLinkVPCSecurityGroups: sortedSet(definition["ClassicLinkVPCSecurityGroups"]),
    };
  }
}

/**
 * The launch configurations of the region named in `names` (every one without):
 * DescribeLaunchConfigurations, page by page.
 */
async function describeConfigurations(
  client: AutoScalingClient,
  LaunchConfigurationNames: string[] | undefined,
  signal: AbortSignal,
): Promise<Configuration[]> {
  const configurations: Configuration[] = [];
  const pages = paginateDescribeLaunchConfigurations(
    { client, pageSize: NAMES_PER_CALL },
    LaunchConfigurationNames === undefined ? {} : { LaunchConfigurationNames },
    { abortSignal: signal },
  );
  for await (const page of pages) configurations.push(...(page.LaunchConfigurations ?? []));
  return configurations;
}
