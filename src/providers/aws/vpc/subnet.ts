import {
  CreateSubnetCommand,
  DeleteSubnetCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  paginateDescribeSubnets,
  type CreateSubnetCommandInput,
  type Subnet as Ec2Subnet,
} from "@aws-sdk/client-ec2";
import * as z from "zod";
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { isPlainObject, readPath } from "../../../core/values.js";
import { required } from "../../kit/create-once.js";
import type { CallFailure, FieldUpdaters } from "../../kit/declared-resource.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { describeByPcfName, onlyOfName, type Named } from "../ec2-describe.js";
import { ec2TagErrors, writeEc2Tags, writtenEc2Tags } from "../ec2-tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import {
  PCF_NAME_TAG,
  comparableTagInput,
  tagInputSchema,
  tagMapOf,
  tagSpecifications,
  tagsFromList,
  withPcfName,
} from "../tags.js";
import { vpcIdOf } from "./vpc.js";

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

/** The codes of the subnet calls, by class. */
const SUBNET_ERRORS: OperationErrors = {
  CreateSubnet: {
    alreadyExists: ["InvalidSubnet.Conflict"],
    invalid: ["InvalidSubnet.Range", "InvalidVpcID.NotFound", "InvalidParameterValue"],
  },
  DeleteSubnet: { ...GONE, inUse: ["DependencyViolation"] },
  ModifySubnetAttribute: GONE,
  ...ec2TagErrors("InvalidSubnetID.NotFound"),
};

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
export class Subnet extends AWSResource<SubnetDefinition, Named<Ec2Subnet>, EC2Client> {
  static override readonly flavor: string = "subnet";
  static override readonly service: string = "ec2";
  static override readonly Client = EC2Client;
  static override readonly definitionSchema = subnetSchema;
  static override readonly uniqueKeys: readonly string[] = [
    "aws_resource.custom_config.subnet_name",
  ];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = CREATE_ONLY_FIELDS;
  static override readonly inPlaceFields: readonly string[] = ["MapPublicIpOnLaunch", "Tags"];
  static override readonly readShape = "describe-by-tag";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "CreateSubnet";
  static override readonly operationErrors = SUBNET_ERRORS;
  static override readonly actions = {
    read: ["ec2:DescribeSubnets"],
    start: ["ec2:CreateSubnet", "ec2:CreateTags", "ec2:ModifySubnetAttribute"],
    update: ["ec2:ModifySubnetAttribute", "ec2:CreateTags", "ec2:DeleteTags"],
    terminate: ["ec2:DeleteSubnet"],
  };

  protected override readonly updaters: FieldUpdaters<
    SubnetDefinition,
    Named<Ec2Subnet>,
    EC2Client
  > = {
    MapPublicIpOnLaunch: (client, { SubnetId }, { MapPublicIpOnLaunch }, { signal }) =>
      client.send(
        new ModifySubnetAttributeCommand({
          SubnetId,
          MapPublicIpOnLaunch: { Value: MapPublicIpOnLaunch },
        }),
        { abortSignal: signal },
      ),
  };

  /** The subnets tagged with the names of `names`: DescribeSubnets per 200 names, page by page. */
  protected override list(
    client: EC2Client,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Named<Ec2Subnet>>> {
    return describeByPcfName(client, paginateDescribeSubnets, {
      names,
      itemsOf: (page) => page.Subnets,
      abortSignal: signal,
    });
  }

  /** The only subnet of its name. */
  protected override readDetails(
    _client: EC2Client,
    listed: Named<Ec2Subnet>,
    context: RunContext,
  ): Promise<Ec2Subnet> {
    return Promise.resolve(
      onlyOfName(listed, (item) => item.SubnetId, {
        kind: "subnets",
        name: this.subnetName,
        particle: this.id,
        field: "aws_resource.custom_config.subnet_name",
        region: this.region(context),
      }),
    );
  }

  /** `running` when available, `pending` while AWS sets it up. */
  protected override observe(subnet: Ec2Subnet, context: RunContext): Observation {
    const tags = tagsFromList(subnet.Tags);
    return {
      state: subnet.State === "available" ? "running" : "pending",
      definition: {
        SubnetId: subnet.SubnetId,
        VpcId: subnet.VpcId,
        CidrBlock: subnet.CidrBlock,
        AvailabilityZone: subnet.AvailabilityZone,
        AvailabilityZoneId: subnet.AvailabilityZoneId,
        Ipv6CidrBlock: subnet.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock,
        MapPublicIpOnLaunch: subnet.MapPublicIpOnLaunch,
        State: subnet.State,
        SubnetArn: subnet.SubnetArn,
        region_name: this.region(context),
        custom_config: {
          subnet_name: this.subnetName,
          public: subnet.MapPublicIpOnLaunch,
          Tags: tags,
        },
      },
      tags,
    };
  }

  /**
   * CreateSubnet in the written VPC, or the one `vpc_instance` parent's, tagged in the same call.
   * @throws PcfError `DEFINITION_INVALID` when there is neither, before any call.
   */
  protected override async create(
    client: EC2Client,
    desired: SubnetDefinition,
    context: RunContext,
  ): Promise<Ec2Subnet> {
    const vpcId = await vpcIdOf(this, context);
    if (vpcId === undefined)
      throw new PcfError(
        "DEFINITION_INVALID",
        "no VpcId: write one (such as $inherit$vpc_instance:NAME$VpcId) or give the subnet one running vpc_instance parent",
        { particle: this.id, field: "aws_resource.VpcId" },
      );
    const { Subnet: created } = await client.send(
      new CreateSubnetCommand(toCreateInput(desired, vpcId, this.subnetName)),
      { abortSignal: context.signal },
    );
    return { ...created, SubnetId: required(created?.SubnetId, "subnet id") };
  }

  /** DeleteSubnet. */
  protected override async remove(
    client: EC2Client,
    { SubnetId }: Ec2Subnet,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteSubnetCommand({ SubnetId }), { abortSignal: signal });
  }

  protected override removalHint(failure: CallFailure): Promise<string> {
    return Promise.resolve(
      failure === "inUse"
        ? " (instances, network interfaces or NAT gateways still use it: terminate them first)"
        : "",
    );
  }

  protected override writeTags(
    client: EC2Client,
    { SubnetId }: Ec2Subnet,
    changes: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    return writeEc2Tags(client, SubnetId ?? "", changes, signal);
  }

  /** `custom_config.Tags` and the `PCFName` tag, when the definition lists tags. */
  protected override wantedTags(): TagMap | undefined {
    return writtenEc2Tags(this.desiredStateDefinition, { [PCF_NAME_TAG]: this.subnetName });
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
      Tags: comparableTagInput(readPath(definition, "custom_config.Tags"), {
        [PCF_NAME_TAG]: this.subnetName,
      }),
    };
  }

  private get subnetName(): string {
    return String(readPath(this.desiredStateDefinition, "custom_config.subnet_name"));
  }
}

/** CreateSubnet's input: the create fields, tagged with PCFName, the tags and the ownership tag. */
function toCreateInput(
  definition: SubnetDefinition,
  vpcId: string,
  subnetName: string,
): CreateSubnetCommandInput {
  const { CidrBlock, AvailabilityZone, AvailabilityZoneId, Ipv6CidrBlock, Ipv6Native } = definition;
  return {
    VpcId: vpcId,
    CidrBlock,
    AvailabilityZone,
    AvailabilityZoneId,
    Ipv6CidrBlock,
    Ipv6Native,
    TagSpecifications: tagSpecifications(
      "subnet",
      withPcfName(tagMapOf(definition.custom_config?.Tags), subnetName),
    ),
  };
}
