import {
  CreateSubnetCommand,
  DeleteSubnetCommand,
  DescribeSubnetsCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  paginateDescribeSubnets,
  type CreateSubnetCommandInput,
  type Subnet as Ec2Subnet,
} from "@aws-sdk/client-ec2";
import * as z from "zod";
import { PcfError } from "../../../core/errors.js";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { isPlainObject, readPath } from "../../../core/values.js";
import { required } from "../../kit/create-once.js";
import { describeFiltered, onlyNamed } from "../ec2-describe.js";
import { updateEc2Tags } from "../ec2-tags.js";
import { isConflict, wrapAwsError } from "../errors.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { LegacyAWSResource } from "../legacy-resource.js";
import {
  PCF_NAME_TAG,
  comparableTagInput,
  hasOwnershipTag,
  ownedPcfNameFilters,
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
export class Subnet extends LegacyAWSResource<SubnetDefinition> {
  static override readonly flavor: string = "subnet";
  static override readonly service: string = "ec2";
  static override readonly uniqueKeys: readonly string[] = [
    "aws_resource.custom_config.subnet_name",
  ];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = subnetSchema;
  static override readonly fixedFields: readonly string[] = CREATE_ONLY_FIELDS;

  private subnetId: string | undefined = undefined;
  private currentTags: Record<string, string> = {};

  /** Reads every subnet of `particles` with one DescribeSubnets per region (per 200 names). */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const subnets = particles.filter((particle): particle is Subnet => particle instanceof Subnet);
    await Subnet.readByRegion(subnets, context, EC2Client, async (group, client, region) => {
      const listed = await Subnet.listFor(group, `list subnets in ${region}`, () =>
        describeFiltered(client, paginateDescribeSubnets, {
          filterName: `tag:${PCF_NAME_TAG}`,
          values: group.map((subnet) => subnet.subnetName),
          itemsOf: (page) => page.Subnets,
          abortSignal: context.signal,
        }),
      );
      await readEach(group, (subnet) =>
        subnet.readListed(
          listed.filter((item) => tagsFromList(item.Tags)[PCF_NAME_TAG] === subnet.subnetName),
          region,
        ),
      );
    });
  }

  /** Reads this subnet: `running` when available, `pending` while AWS sets it up, else `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof Subnet).syncAll([this], context);
  }

  /** Creates the subnet tagged in the same call, then turns on public IPs when asked to. */
  protected override async _start(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const vpcId = await vpcIdOf(this, context);
    if (vpcId === undefined) {
      throw new PcfError(
        "DEFINITION_INVALID",
        "no VpcId: write one (such as $inherit$vpc_instance:NAME$VpcId) or give the subnet one running vpc_instance parent",
        { particle: this.id, field: "aws_resource.VpcId" },
      );
    }
    const client = await this.client(EC2Client, context);
    const abortSignal = context.signal;
    // After a lost answer, a resent CreateSubnet would clash with the subnet it made.
    const { value: subnetId } = await this.createResource(
      `create subnet ${this.subnetName} in ${vpcId}`,
      EC2Client,
      context,
      {
        send: async (once) => {
          const { Subnet: created } = await once.send(
            new CreateSubnetCommand(toCreateInput(desired, vpcId, this.subnetName)),
            { abortSignal },
          );
          return required(created?.SubnetId, "subnet id");
        },
        findCreated: async () => {
          const { Subnets = [] } = await client.send(
            new DescribeSubnetsCommand({
              Filters: [
                ...ownedPcfNameFilters(this.subnetName),
                { Name: "vpc-id", Values: [vpcId] },
              ],
            }),
            { abortSignal },
          );
          return Subnets[0]?.SubnetId;
        },
        alreadyExistsCodes: ["InvalidSubnet.Conflict"],
      },
    );
    this.subnetId = subnetId;
    this.isOwned = true;
    if (mapPublicIp(desired) === true) {
      try {
        await this.setMapPublicIp(client, true, context);
      } catch (error) {
        throw wrapAwsError(error, this.id, `make subnet ${subnetId} public`);
      }
    }
  }

  /** Deletes the subnet; one already gone is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    const subnetId = this.subnetId;
    if (subnetId === undefined) return;
    const client = await this.client(EC2Client, context);
    const isDeleted = await this.deleteUnlessGone(
      `delete subnet ${subnetId} (${this.subnetName})`,
      () =>
        client.send(new DeleteSubnetCommand({ SubnetId: subnetId }), {
          abortSignal: context.signal,
        }),
      {
        hint: (error) =>
          isConflict(error)
            ? " (instances, network interfaces or NAT gateways still use it: terminate them first)"
            : "",
      },
    );
    if (isDeleted) this.subnetId = undefined;
  }

  /** Sets `MapPublicIpOnLaunch` and the tags (the other fields are fixed at creation). */
  protected override async _update(context: RunContext): Promise<void> {
    const subnetId = this.subnetId;
    if (subnetId === undefined) return;
    const desired = this.desiredDefinition();
    const client = await this.client(EC2Client, context);
    try {
      const isPublic = mapPublicIp(desired);
      if (isPublic !== undefined && isPublic !== this.currentStateDefinition["MapPublicIpOnLaunch"])
        await this.setMapPublicIp(client, isPublic, context);
      if (desired.custom_config?.Tags !== undefined)
        await updateEc2Tags(
          client,
          subnetId,
          { current: this.currentTags, desired: this.desiredTags(desired) },
          context.signal,
        );
    } catch (error) {
      throw wrapAwsError(error, this.id, `update subnet ${subnetId} (${this.subnetName})`);
    }
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

  private desiredTags(desired: SubnetDefinition): Record<string, string> {
    return withPcfName(tagMapOf(desired.custom_config?.Tags), this.subnetName);
  }

  /** Sets state and current definition from the subnets listed under this one's name. */
  private readListed(listed: readonly Ec2Subnet[], region: string): void {
    this.isOwned = undefined;
    const subnet = onlyNamed(listed, (item) => item.SubnetId, {
      kind: "subnets",
      name: this.subnetName,
      particle: this.id,
      field: "aws_resource.custom_config.subnet_name",
      region,
    });
    if (subnet?.SubnetId === undefined) {
      this.subnetId = undefined;
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    this.subnetId = subnet.SubnetId;
    this.currentTags = tagsFromList(subnet.Tags);
    this.isOwned = hasOwnershipTag(this.currentTags);
    this.state = subnet.State === "available" ? "running" : "pending";
    this.currentStateDefinition = {
      SubnetId: subnet.SubnetId,
      VpcId: subnet.VpcId,
      CidrBlock: subnet.CidrBlock,
      AvailabilityZone: subnet.AvailabilityZone,
      AvailabilityZoneId: subnet.AvailabilityZoneId,
      Ipv6CidrBlock: subnet.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock,
      MapPublicIpOnLaunch: subnet.MapPublicIpOnLaunch,
      State: subnet.State,
      SubnetArn: subnet.SubnetArn,
      region_name: region,
      custom_config: {
        subnet_name: this.subnetName,
        public: subnet.MapPublicIpOnLaunch,
        Tags: this.currentTags,
      },
    };
  }

  private async setMapPublicIp(
    client: EC2Client,
    value: boolean,
    context: RunContext,
  ): Promise<void> {
    await client.send(
      new ModifySubnetAttributeCommand({
        SubnetId: this.subnetId,
        MapPublicIpOnLaunch: { Value: value },
      }),
      { abortSignal: context.signal },
    );
  }
}

/** `MapPublicIpOnLaunch`, or PCF's `custom_config.public`; `undefined` when neither is set. */
function mapPublicIp(definition: SubnetDefinition): boolean | undefined {
  return definition.MapPublicIpOnLaunch ?? definition.custom_config?.public;
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
