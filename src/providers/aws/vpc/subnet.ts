import {
  CreateSubnetCommand,
  DeleteSubnetCommand,
  ModifySubnetAttributeCommand,
  paginateDescribeSubnets,
  type DescribeSubnetsCommandOutput,
  type EC2Client,
  type Subnet as Ec2Subnet,
} from "@aws-sdk/client-ec2";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { isPlainObject } from "../../../core/values.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import { describeByPcfName, describeFiltered, type Named } from "../ec2-describe.js";
import { ec2TagErrors } from "../ec2-tags.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { PCF_NAME_TAG, tagInputSchema } from "../tags.js";
import { NetworkResource } from "./network-resource.js";

/** The `aws_resource` block of a `subnet` particle: CreateSubnet's parameters, plus PCF's extras. */
export const subnetSchema = z
  .strictObject({
    /** The subnet's IPv4 range, inside the VPC's. Set at creation only. */
    CidrBlock: z.string().min(1).optional(),
    /**
     * The VPC, usually `$inherit$vpc_instance:NAME$VpcId`. Default: the `VpcId` of the particle's
     * one `vpc_instance` parent (PCF's rule). Set at creation only.
     */
    VpcId: z.string().min(1).optional(),
    /** The zone (`us-east-1a`). Set at creation only. Default: one AWS picks. */
    AvailabilityZone: z.string().min(1).optional(),
    /** The zone by id (`use1-az1`), instead of `AvailabilityZone`. Set at creation only. */
    AvailabilityZoneId: z.string().min(1).optional(),
    /** The subnet's /64 IPv6 range, inside the VPC's. Set at creation only. Default: none. */
    Ipv6CidrBlock: z.string().min(1).optional(),
    /** An IPv6-only subnet. Set at creation only. Default false. */
    Ipv6Native: z.boolean().optional(),
    /**
     * Whether instances launched here get a public IPv4 address. Updated in place. Default: left
     * as AWS has it (false for a new subnet). PCF wrote it as `custom_config.public`, also accepted.
     */
    MapPublicIpOnLaunch: z.boolean().optional(),
    /** The subnet's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
    region_name: regionNameSchema,
    /**
     * `subnet_name` (required, the unique key): the value of the subnet's `PCFName` tag, by which
     * it is found. `public`: PCF's name for `MapPublicIpOnLaunch`. `Tags`: the whole tag set
     * besides `PCFName` and the ownership tag, as PCF's list of `{ Key, Value }` or a map; tags not
     * listed are removed on update. Default: tags are neither compared nor changed. `adopt`: see
     * {@link awsCustomConfigSchema}.
     */
    custom_config: awsCustomConfigSchema
      .extend({
        subnet_name: z.string().min(1).max(256),
        public: z.boolean().optional(),
        Tags: tagInputSchema.optional(),
      })
      .optional(),
  })
  .refine(
    (block) =>
      block.MapPublicIpOnLaunch === undefined ||
      block.custom_config?.public === undefined ||
      block.MapPublicIpOnLaunch === block.custom_config.public,
    {
      message: "MapPublicIpOnLaunch and custom_config.public disagree",
      path: ["MapPublicIpOnLaunch"],
    },
  );

/** What a user writes in the `aws_resource` block of a `subnet` particle. */
export type SubnetDefinition = z.infer<typeof subnetSchema>;

/** The fields AWS fixes when it creates a subnet. */
const CREATE_ONLY_FIELDS = ["VpcId", "CidrBlock", "AvailabilityZone", "AvailabilityZoneId"];

const GONE = { notFound: ["InvalidSubnetID.NotFound"] };

/**
 * A subnet, found by its `PCFName` tag (`custom_config.subnet_name`). A subnet has no stopped
 * form: stopping deletes it. Tags and `MapPublicIpOnLaunch` are updated in place; a different
 * `VpcId`, `CidrBlock` or zone cannot be, and such an update fails naming the field (terminate and
 * apply again to re-create). Unlike PCF, reading never changes the subnet.
 *
 * Reads are batched: one DescribeSubnets per region for all subnets, filtered by their names. The
 * current definition holds `SubnetId` and `VpcId` for children to inherit.
 *
 * @example
 * ```ts
 * const web = new Subnet({
 *   pcf_name: "web",
 *   flavor: "subnet",
 *   parents: ["vpc_instance:net"],
 *   aws_resource: {
 *     CidrBlock: "10.0.1.0/24",
 *     VpcId: "$inherit$vpc_instance:net$VpcId",
 *     custom_config: { subnet_name: "web", Tags: [{ Key: "tier", Value: "web" }] },
 *   },
 * });
 * ```
 */
export class Subnet extends NetworkResource<SubnetDefinition, Ec2Subnet> {
  static override readonly flavor: string = "subnet";
  static override readonly definitionSchema = subnetSchema;
  static override readonly uniqueKeys: readonly string[] = [
    "aws_resource.custom_config.subnet_name",
  ];
  static override readonly fixedFields: readonly string[] = CREATE_ONLY_FIELDS;
  static override readonly inPlaceFields: readonly string[] = ["MapPublicIpOnLaunch", "Tags"];
  static override readonly readShape = "describe-by-tag";
  static override readonly kind: string = "subnets";
  static override readonly isNamedByTag: boolean = true;
  static override readonly createOperation: string = "CreateSubnet";
  static override readonly operationErrors = {
    CreateSubnet: {
      alreadyExists: ["InvalidSubnet.Conflict"],
      invalid: ["InvalidSubnet.Range", "InvalidVpcID.NotFound", "InvalidParameterValue"],
    },
    DeleteSubnet: { ...GONE, inUse: ["DependencyViolation"] },
    ModifySubnetAttribute: GONE,
    ...ec2TagErrors("InvalidSubnetID.NotFound"),
  };
  static override readonly actions = {
    read: ["ec2:DescribeSubnets"],
    start: ["ec2:CreateSubnet", "ec2:CreateTags", "ec2:ModifySubnetAttribute"],
    update: ["ec2:ModifySubnetAttribute", "ec2:CreateTags", "ec2:DeleteTags"],
    terminate: ["ec2:DeleteSubnet"],
  };
  static override readonly inUseHint: string =
    "instances, network interfaces or NAT gateways still use it: terminate them first";

  protected override readonly updaters: FieldUpdaters<SubnetDefinition, Ec2Subnet, EC2Client> = {
    MapPublicIpOnLaunch: (client, { SubnetId }, { MapPublicIpOnLaunch: Value }, { signal }) =>
      client.send(new ModifySubnetAttributeCommand({ SubnetId, MapPublicIpOnLaunch: { Value } }), {
        abortSignal: signal,
      }),
  };

  /** The subnets tagged with the names of `names`: DescribeSubnets per 200 names, page by page. */
  protected override list(client: EC2Client, names: readonly string[], { signal }: RunContext) {
    const itemsOf = (page: DescribeSubnetsCommandOutput): Ec2Subnet[] | undefined => page.Subnets;
    return describeByPcfName(client, paginateDescribeSubnets, itemsOf, names, signal);
  }

  /**
   * Every subnet of the region that carries a `PCFName` tag: one DescribeSubnets by tag key.
   * Subnets without the tag (the default VPC's among them) are left out: the flavor finds a
   * subnet by it, so it could never read them.
   */
  protected override listAll(client: EC2Client, { signal }: RunContext) {
    return describeFiltered(client, paginateDescribeSubnets, {
      filterName: "tag-key",
      values: [PCF_NAME_TAG],
      itemsOf: (page: DescribeSubnetsCommandOutput) => page.Subnets,
      abortSignal: signal,
    });
  }

  /** `running` when available, `pending` while AWS sets it up. */
  protected override observe(subnet: Named<Ec2Subnet>, context: RunContext) {
    return this.observed(subnet, subnet.State === "available" ? "running" : "pending", context, {
      Ipv6CidrBlock: subnet.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock,
      config: { subnet_name: this.key, public: subnet.MapPublicIpOnLaunch },
    });
  }

  /**
   * CreateSubnet in the written VPC, or the one `vpc_instance` parent's, tagged in the same call.
   * @throws PcfError `DEFINITION_INVALID` when there is neither, before any call.
   */
  protected override async create(
    client: EC2Client,
    desired: SubnetDefinition,
    context: RunContext,
  ) {
    const VpcId = await this.requiredVpcId(
      context,
      "write one (such as $inherit$vpc_instance:NAME$VpcId) or give the subnet one running vpc_instance parent",
    );
    const { custom_config: _, MapPublicIpOnLaunch: __, region_name: ___, ...input } = desired;
    const command = new CreateSubnetCommand({
      ...input,
      VpcId,
      TagSpecifications: this.tagSpecifications("subnet"),
    });
    const { Subnet: created } = await client.send(command, { abortSignal: context.signal });
    return { ...created, SubnetId: required(created?.SubnetId, "subnet id") };
  }

  protected override async remove(
    client: EC2Client,
    { SubnetId }: Ec2Subnet,
    { signal }: RunContext,
  ) {
    await client.send(new DeleteSubnetCommand({ SubnetId }), { abortSignal: signal });
  }

  /** The observed fields, the zone by name only: CreateSubnet takes the name or the id, not both. */
  protected override discoveredFields(observed: Record<string, unknown>): Record<string, unknown> {
    const { AvailabilityZoneId, ...fields } = observed;
    return fields["AvailabilityZone"] === undefined ? observed : fields;
  }

  protected override idOf({ SubnetId }: Ec2Subnet): string | undefined {
    return SubnetId;
  }

  /** The definition, with PCF's `custom_config.public` as `MapPublicIpOnLaunch`. */
  protected override desiredDefinition(): SubnetDefinition {
    const desired = super.desiredDefinition();
    return {
      ...desired,
      MapPublicIpOnLaunch: desired.MapPublicIpOnLaunch ?? desired.custom_config?.public,
    };
  }

  /** The create-only fields (to fail clearly), `MapPublicIpOnLaunch` and, when listed, the tags. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const config = definition["custom_config"];
    return {
      ...Object.fromEntries(CREATE_ONLY_FIELDS.map((field) => [field, definition[field]])),
      MapPublicIpOnLaunch:
        definition["MapPublicIpOnLaunch"] ?? (isPlainObject(config) ? config["public"] : undefined),
      Tags: this.comparableTags(definition),
    };
  }
}
