import {
  ShutdownBehavior,
  type _InstanceType,
  type BlockDeviceMapping,
  type InstanceMetadataOptionsRequest,
  type Placement,
  type RunInstancesCommandInput,
  type TagSpecification,
} from "@aws-sdk/client-ec2";
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
import { encodeUserData, userDataTemplatePathSchema } from "./instance-user-data.js";

// What a user writes for an `ec2_instance`, and how it becomes RunInstances' input.

const tagValueSchema = z.union([z.string().max(256), z.number(), z.boolean()]);
const objectOf = <T>(what: string) =>
  z.custom<T>((value) => isPlainObject(value), `expected ${what} (an object)`);

/** `custom_config` of an `ec2_instance`: PCF's settings, plus `adopt`. Unknown keys are rejected. */
export const ec2InstanceConfigSchema = z.strictObject({
  ...awsCustomConfigSchema.shape,
  /** The instance's name, kept in its `PCFName` tag, by which it is found. Required: the unique key. */
  instance_name: z.string().min(1).max(256),
  /** Extra tags for the instance. When given, they (plus `PCFName`) are its whole tag set, kept on update. */
  tags: tagMapSchema.optional(),
  /** A Jinja2 template for the user data, relative to the working directory (as in PCF), never outside it. Default: none. */
  userdata_template_file: userDataTemplatePathSchema.optional(),
  /** The values the template is rendered with. Default `{}`. */
  userdata_params: z.record(z.string(), z.unknown()).optional(),
  /** Starts the user data with `#!/bin/bash` unless it has a shebang already. Default false. */
  userdata_bash: z.boolean().optional(),
  /**
   * Makes the user data a bash script that ends by tagging the instance `UserdataFinished=True`,
   * and reads a running instance as `pending` until it carries that tag (only while the desired
   * state is running: stop and terminate never wait for it). Needs the AWS CLI in the image and
   * an instance role allowed `ec2:CreateTags`; bound the wait with the run's `timeoutMs`. Default false.
   */
  userdata_wait: z.boolean().optional(),
});

/** The `aws_resource` block of an `ec2_instance`: RunInstances' parameters, as PCF writes them. */
export const ec2InstanceSchema = z.strictObject({
  /** The AMI (`ami-…`, or `$lookup$ami$NAME`). Required. */
  ImageId: z.string().min(1),
  /** The instance type, e.g. `t3.micro`. Updated in place (see {@link Ec2Instance}). Default: AWS's. */
  InstanceType: z.string().min(1).optional(),
  /** The key pair's name. Default: none. */
  KeyName: z.string().min(1).optional(),
  /** Must be 1 when given: one particle is one instance (use a quasiparticle `multiplier` for more). */
  MaxCount: z
    .literal(1, { error: "expected 1: one particle is one instance (use multiplier)" })
    .optional(),
  /** Must be 1 when given, like `MaxCount`. */
  MinCount: z
    .literal(1, { error: "expected 1: one particle is one instance (use multiplier)" })
    .optional(),
  /** The user data as text (encoded for the API here). Wins over `custom_config.userdata_template_file`. */
  UserData: z.string().optional(),
  /** The security groups' ids (or `$lookup$security_group$a:b`); compared as a set and updated in place. Default: the VPC's default group. */
  SecurityGroupIds: z.array(z.string().min(1)).optional(),
  /** The subnet (or `$lookup$subnet$NAME`). Default: the default VPC's. */
  SubnetId: z.string().min(1).optional(),
  /** The instance profile, by `Arn` or `Name`. Default: none. */
  IamInstanceProfile: z
    .strictObject({ Arn: z.string().min(1).optional(), Name: z.string().min(1).optional() })
    .optional(),
  /** What an OS shutdown does: `stop` or `terminate`. Default `stop`. */
  InstanceInitiatedShutdownBehavior: z.enum(ShutdownBehavior).optional(),
  /** Volumes at launch, as RunInstances takes them. Default: the AMI's. */
  BlockDeviceMappings: z.array(objectOf<BlockDeviceMapping>("a block device mapping")).optional(),
  /**
   * Tags at launch. Tags for `instance` join the instance's tags (below `custom_config.tags`);
   * others (`volume`, `network-interface`) are passed on as written.
   */
  TagSpecifications: z
    .array(
      z.strictObject({
        ResourceType: z.string().min(1),
        Tags: z.array(z.strictObject({ Key: z.string().min(1), Value: tagValueSchema })),
      }),
    )
    .optional(),
  /** Placement (availability zone, tenancy, …) as RunInstances takes it. Default: AWS's. */
  Placement: objectOf<Placement>("a placement").optional(),
  /** Detailed monitoring. Default: off. */
  Monitoring: z.strictObject({ Enabled: z.boolean() }).optional(),
  /** EBS optimisation. Default: the instance type's. */
  EbsOptimized: z.boolean().optional(),
  /** Instance metadata options (e.g. `HttpTokens: required`); those given are updated in place. Default: the AMI's. */
  MetadataOptions: objectOf<InstanceMetadataOptionsRequest>("metadata options").optional(),
  /** The primary private IPv4 address. Default: one from the subnet. */
  PrivateIpAddress: z.string().min(1).optional(),
  /** Extra instance tags, as in PCF's examples; `custom_config.tags` wins on a shared key. */
  tags: tagMapSchema.optional(),
  /** The instance's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** PCF's settings; see {@link ec2InstanceConfigSchema}. Required: it holds `instance_name`. */
  custom_config: ec2InstanceConfigSchema,
});

/** What a user writes in the `aws_resource` block of an `ec2_instance` particle. */
export type Ec2InstanceDefinition = z.infer<typeof ec2InstanceSchema>;

/**
 * The instance tags a definition asks for: `tags`, then `instance` TagSpecifications, then
 * `custom_config.tags`, then `PCFName`. `undefined` when it lists none: tags are then not compared.
 */
export function requestedTags(
  definition: Record<string, unknown>,
): Record<string, string> | undefined {
  const config = isPlainObject(definition["custom_config"]) ? definition["custom_config"] : {};
  const specs = Array.isArray(definition["TagSpecifications"])
    ? definition["TagSpecifications"].filter(
        (spec): spec is { Tags: unknown } =>
          isPlainObject(spec) && spec["ResourceType"] === "instance",
      )
    : [];
  const fromSpecs = specs.flatMap((spec) =>
    Array.isArray(spec.Tags) ? (spec.Tags as unknown[]) : [],
  );
  const maps = [definition["tags"], config["tags"]].filter(isPlainObject);
  if (maps.length === 0 && fromSpecs.length === 0) return undefined;
  return {
    ...normalizeTags(tagMapSchema.parse(definition["tags"] ?? {})),
    ...tagMapOf(fromSpecs),
    ...normalizeTags(tagMapSchema.parse(config["tags"] ?? {})),
    [PCF_NAME_TAG]: String(config["instance_name"]),
  };
}

/**
 * RunInstances' input, but for the client token: the launch fields, one instance, the encoded
 * user data and every tag at launch.
 */
export function toRunInput(
  definition: Ec2InstanceDefinition,
  userData: string,
  provenance: TagMap,
): RunInstancesCommandInput {
  const {
    custom_config: config,
    region_name: _region,
    tags: _tags,
    TagSpecifications = [],
    UserData: _userData,
    MaxCount: _max,
    MinCount: _min,
    InstanceType,
    ...launch
  } = definition;
  const tags = requestedTags(definition) ?? { [PCF_NAME_TAG]: config.instance_name };
  const others: TagSpecification[] = TagSpecifications.filter(
    (spec) => spec.ResourceType !== "instance",
  ).map((spec) => ({
    ResourceType: spec.ResourceType as TagSpecification["ResourceType"],
    Tags: spec.Tags.map(({ Key, Value }) => ({ Key, Value: String(Value) })),
  }));
  return {
    ...launch,
    // Any type string: the SDK's list of types lags behind the ones AWS launches.
    ...(InstanceType === undefined ? {} : { InstanceType: InstanceType as _InstanceType }),
    MinCount: 1,
    MaxCount: 1,
    UserData: encodeUserData(userData),
    TagSpecifications: [...tagSpecifications("instance", tags, provenance), ...others],
  };
}

/** The metadata options RunInstances and ModifyInstanceMetadataOptions take. */
const METADATA_REQUEST_FIELDS = [
  "HttpTokens",
  "HttpPutResponseHopLimit",
  "HttpEndpoint",
  "HttpProtocolIpv6",
  "InstanceMetadataTags",
] as const;

/**
 * The launch fields of an instance as DescribeInstances shows it (`observed`), in the form
 * RunInstances takes them: the image, type, key pair, subnet, address, security groups, zone
 * (and a tenancy other than `default`), the security groups when any (none: the VPC's default), detailed monitoring when on, the instance profile's ARN,
 * EBS optimisation, the metadata options and the region. What RunInstances cannot be given back
 * as described (the block devices, the user data, which DescribeInstances does not show) is left out.
 */
export function launchFieldsOf(
  observed: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const placement = isPlainObject(observed["Placement"]) ? observed["Placement"] : {};
  const tenancy = placement["Tenancy"];
  const metadata = isPlainObject(observed["MetadataOptions"]) ? observed["MetadataOptions"] : {};
  const profileArn = readPath(observed, "IamInstanceProfile.Arn");
  return {
    ImageId: observed["ImageId"],
    InstanceType: observed["InstanceType"],
    KeyName: observed["KeyName"],
    SubnetId: observed["SubnetId"],
    PrivateIpAddress: observed["PrivateIpAddress"],
    SecurityGroupIds: isNonEmpty(observed["SecurityGroupIds"])
      ? observed["SecurityGroupIds"]
      : undefined,
    Placement: {
      AvailabilityZone: placement["AvailabilityZone"],
      ...(tenancy === undefined || tenancy === "default" ? {} : { Tenancy: tenancy }),
    },
    Monitoring:
      readPath(observed, "Monitoring.State") === "enabled" ? { Enabled: true } : undefined,
    IamInstanceProfile: profileArn === undefined ? undefined : { Arn: profileArn },
    EbsOptimized: observed["EbsOptimized"],
    MetadataOptions: Object.fromEntries(
      METADATA_REQUEST_FIELDS.flatMap((field) =>
        metadata[field] === undefined ? [] : [[field, metadata[field]]],
      ),
    ),
    region_name: observed["region_name"],
  };
}

/** True for an array with at least one item. */
function isNonEmpty(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
