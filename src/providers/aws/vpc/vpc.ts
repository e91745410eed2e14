import {
  CreateVpcCommand,
  DeleteVpcCommand,
  EC2Client,
  ModifyVpcTenancyCommand,
  Tenancy,
  paginateDescribeVpcs,
  type CreateVpcCommandInput,
  type Vpc,
} from "@aws-sdk/client-ec2";
import * as z from "zod";
import type { DefinitionDifference } from "../../../core/diff.js";
import type { Particle } from "../../../core/particle.js";
import { isReference, parseInherit } from "../../../core/references.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { readPath } from "../../../core/values.js";
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
import { describeVpcDependents } from "./vpc-dependencies.js";
import {
  DNS_ATTRIBUTES,
  dnsAttributeSchema,
  dnsUpdater,
  dnsValue,
  readDnsAttributes,
  type DnsValues,
} from "./vpc-dns.js";

/** The `aws_resource` block of a `vpc_instance` particle: CreateVpc's parameters, plus PCF's extras. */
export const vpcInstanceSchema = z.strictObject({
  /** The VPC's IPv4 range (`10.0.0.0/16`). Set at creation only. Default: none (an IPAM pool must give one). */
  CidrBlock: z.string().min(1).optional(),
  /** Asks AWS for a /56 IPv6 range at creation. Default false. */
  AmazonProvidedIpv6CidrBlock: z.boolean().optional(),
  /** `default`, `dedicated` or `host`. Only dedicated → default changes in place. Default: `default`. */
  InstanceTenancy: z.enum(Tenancy).optional(),
  /** IPAM pool for the IPv4 range, at creation. Default: none. */
  Ipv4IpamPoolId: z.string().min(1).optional(),
  /** Netmask of the range taken from `Ipv4IpamPoolId`, at creation. */
  Ipv4NetmaskLength: z.int().min(16).max(28).optional(),
  /** Border group of the Amazon-provided IPv6 range, at creation. Default: the region. */
  Ipv6CidrBlockNetworkBorderGroup: z.string().min(1).optional(),
  /** Whether instances get public DNS host names. Updated in place. Default: AWS's (false). */
  EnableDnsHostnames: dnsAttributeSchema.optional(),
  /** Whether the Amazon DNS server answers in the VPC. Updated in place. Default: AWS's (true). */
  EnableDnsSupport: dnsAttributeSchema.optional(),
  /** The VPC's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /**
   * `vpc_name` (required, the unique key): the value of the VPC's `PCFName` tag, by which it is
   * found. `Tags`: the VPC's whole tag set besides `PCFName` and the ownership tag, as PCF's list of
   * `{ Key, Value }` or a map; tags not listed are removed on update. Default: tags are neither
   * compared nor changed. `adopt`: see {@link awsCustomConfigSchema}.
   */
  custom_config: awsCustomConfigSchema
    .extend({ vpc_name: z.string().min(1).max(256), Tags: tagInputSchema.optional() })
    .optional(),
});

/** What a user writes in the `aws_resource` block of a `vpc_instance` particle. */
export type VpcInstanceDefinition = z.infer<typeof vpcInstanceSchema>;

/** A VPC as read: DescribeVpcs' item, then with the DNS attributes its definition sets. */
type LiveVpc = Named<Vpc> & { readonly dns?: DnsValues };

const GONE = { notFound: ["InvalidVpcID.NotFound"] };

/** The codes of the VPC calls, by class. */
const VPC_ERRORS: OperationErrors = {
  CreateVpc: { invalid: ["InvalidVpcRange", "InvalidParameterValue", "VpcLimitExceeded"] },
  DeleteVpc: { ...GONE, inUse: ["DependencyViolation"] },
  DescribeVpcAttribute: GONE,
  ModifyVpcAttribute: GONE,
  ModifyVpcTenancy: GONE,
  ...ec2TagErrors("InvalidVpcID.NotFound"),
};

/**
 * A VPC, found by its `PCFName` tag (`custom_config.vpc_name`). A VPC has no stopped form:
 * stopping deletes it. Tags, the DNS attributes and dedicated → default tenancy are updated in
 * place; `CidrBlock` and any other tenancy change cannot be, and such an update fails naming the
 * field (terminate and apply again to re-create). Other create fields are not compared.
 *
 * Reads are batched: one DescribeVpcs per region for all VPCs, filtered by their names, plus
 * DescribeVpcAttribute per DNS attribute a definition sets. The current definition holds `VpcId`
 * for children to inherit (`$inherit$vpc_instance:net$VpcId`). Deleting a VPC that still has
 * subnets, groups, gateways or interfaces fails with an error that lists them.
 *
 * @example
 * ```ts
 * const net = new VpcInstance({
 *   pcf_name: "net",
 *   flavor: "vpc_instance",
 *   aws_resource: { CidrBlock: "10.0.0.0/16", EnableDnsHostnames: true, custom_config: { vpc_name: "net" } },
 * });
 * await net.apply();
 * ```
 */
export class VpcInstance extends AWSResource<VpcInstanceDefinition, LiveVpc, EC2Client> {
  static override readonly flavor: string = "vpc_instance";
  static override readonly service: string = "ec2";
  static override readonly Client = EC2Client;
  static override readonly definitionSchema = vpcInstanceSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.custom_config.vpc_name"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly inPlaceFields: readonly string[] = [
    "InstanceTenancy",
    ...DNS_ATTRIBUTES.map(({ field }) => field),
    "Tags",
  ];
  static override readonly readShape = "describe-by-tag";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "CreateVpc";
  static override readonly operationErrors = VPC_ERRORS;
  static override readonly actions = {
    read: ["ec2:DescribeVpcs", "ec2:DescribeVpcAttribute"],
    start: ["ec2:CreateVpc", "ec2:CreateTags", "ec2:ModifyVpcAttribute"],
    update: ["ec2:ModifyVpcTenancy", "ec2:ModifyVpcAttribute", "ec2:CreateTags", "ec2:DeleteTags"],
    terminate: [
      "ec2:DeleteVpc",
      "ec2:DescribeSubnets",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeInternetGateways",
      "ec2:DescribeRouteTables",
      "ec2:DescribeNatGateways",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeVpcEndpoints",
    ],
  };

  protected override readonly updaters: FieldUpdaters<VpcInstanceDefinition, LiveVpc, EC2Client> = {
    // Only dedicated → default changes in place: any other change is fixed (fixedDifferences).
    InstanceTenancy: (client, { VpcId }, _desired, { signal }) =>
      client.send(new ModifyVpcTenancyCommand({ VpcId, InstanceTenancy: "default" }), {
        abortSignal: signal,
      }),
    EnableDnsHostnames: dnsUpdater("EnableDnsHostnames"),
    EnableDnsSupport: dnsUpdater("EnableDnsSupport"),
  };

  /** The VPCs tagged with the names of `names`: DescribeVpcs per 200 names, page by page. */
  protected override list(
    client: EC2Client,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, LiveVpc>> {
    return describeByPcfName(client, paginateDescribeVpcs, {
      names,
      itemsOf: (page) => page.Vpcs,
      abortSignal: signal,
    });
  }

  /** The only VPC of its name, with the DNS attributes the definition sets (a call each). */
  protected override async readDetails(
    client: EC2Client,
    listed: LiveVpc,
    context: RunContext,
  ): Promise<LiveVpc> {
    const vpc = onlyOfName(listed, (item) => item.VpcId, {
      kind: "VPCs",
      name: this.vpcName,
      particle: this.id,
      field: "aws_resource.custom_config.vpc_name",
      region: this.region(context),
    });
    const fields = DNS_ATTRIBUTES.map(({ field }) => field).filter(
      (field) => this.desiredStateDefinition[field] !== undefined,
    );
    const dns = await readDnsAttributes(client, vpc.VpcId ?? "", fields, context.signal);
    return { ...vpc, dns };
  }

  /** `running` when available, `pending` while AWS sets it up. */
  protected override observe(vpc: LiveVpc, context: RunContext): Observation {
    const tags = tagsFromList(vpc.Tags);
    return {
      state: vpc.State === "available" ? "running" : "pending",
      definition: {
        VpcId: vpc.VpcId,
        CidrBlock: vpc.CidrBlock,
        InstanceTenancy: vpc.InstanceTenancy,
        State: vpc.State,
        IsDefault: vpc.IsDefault,
        DhcpOptionsId: vpc.DhcpOptionsId,
        OwnerId: vpc.OwnerId,
        Ipv6CidrBlock: vpc.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock,
        ...vpc.dns,
        region_name: this.region(context),
        custom_config: { vpc_name: this.vpcName, Tags: tags },
      },
      tags,
    };
  }

  /**
   * CreateVpc tagged in the same call (PCFName, tags, ownership). It takes no client token: after
   * a lost answer, the kit looks for the VPC by its name and ownership before any resend.
   */
  protected override async create(
    client: EC2Client,
    desired: VpcInstanceDefinition,
    { signal }: RunContext,
  ): Promise<LiveVpc> {
    const { Vpc: created } = await client.send(
      new CreateVpcCommand(toCreateInput(desired, this.vpcName)),
      { abortSignal: signal },
    );
    return { ...created, VpcId: required(created?.VpcId, "VPC id") };
  }

  /** DeleteVpc. */
  protected override async remove(
    client: EC2Client,
    { VpcId }: LiveVpc,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteVpcCommand({ VpcId }), { abortSignal: signal });
  }

  /** For a VPC in use, what is still in it: subnets, groups, gateways, interfaces, endpoints. */
  protected override async removalHint(
    failure: CallFailure,
    client: EC2Client,
    { VpcId }: LiveVpc,
    { signal }: RunContext,
  ): Promise<string> {
    const dependents =
      failure === "inUse" ? await describeVpcDependents(client, VpcId ?? "", signal) : [];
    return dependents.length === 0
      ? ""
      : ` (still in it: ${dependents.join(", ")}; terminate or delete them first)`;
  }

  protected override writeTags(
    client: EC2Client,
    { VpcId }: LiveVpc,
    changes: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    return writeEc2Tags(client, VpcId ?? "", changes, signal);
  }

  /** `custom_config.Tags` and the `PCFName` tag, when the definition lists tags. */
  protected override wantedTags(): TagMap | undefined {
    return writtenEc2Tags(this.desiredStateDefinition, { [PCF_NAME_TAG]: this.vpcName });
  }

  /**
   * The CIDR block, and a tenancy other than `default`: EC2 sets them at creation (a dedicated
   * VPC can only be made default), so a change replaces the VPC.
   */
  override fixedDifferences(): DefinitionDifference[] {
    return this.definitionDifferences().filter(
      (difference) =>
        difference.path === "CidrBlock" ||
        (difference.path === "InstanceTenancy" && difference.desired !== Tenancy.default),
    );
  }

  /** CidrBlock and InstanceTenancy (to replace clearly), the DNS attributes and, when listed, the tags. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    return {
      CidrBlock: definition["CidrBlock"],
      InstanceTenancy: definition["InstanceTenancy"],
      EnableDnsHostnames: dnsValue(definition["EnableDnsHostnames"]),
      EnableDnsSupport: dnsValue(definition["EnableDnsSupport"]),
      Tags: comparableTagInput(readPath(definition, "custom_config.Tags"), {
        [PCF_NAME_TAG]: this.vpcName,
      }),
    };
  }

  private get vpcName(): string {
    return String(readPath(this.desiredStateDefinition, "custom_config.vpc_name"));
  }
}

/**
 * The id of the VPC a subnet or security group belongs to: `VpcId` as written when it is a
 * literal; else, for an `$inherit$` reference not yet resolved, the value in the parent it names;
 * else, with no `VpcId`, the `VpcId` of the particle's one `vpc_instance` parent (PCF's rule).
 * A parent not read yet is read first (joining a read under way). `undefined` when none is known.
 * @internal
 */
export async function vpcIdOf(
  particle: Particle,
  context: RunContext,
): Promise<string | undefined> {
  const written = particle.desiredStateDefinition["VpcId"];
  if (typeof written === "string" && !isReference(written)) return written;
  const reference = parseInherit(written);
  const vpcParents = [...particle.parents].filter((parent) => parent.flavor === VpcInstance.flavor);
  const parent =
    reference === undefined
      ? written === undefined && vpcParents.length === 1
        ? vpcParents[0]
        : undefined
      : [...particle.parents].find((candidate) => candidate.id === reference.parentId);
  if (parent === undefined || (await parent.getState(context)) === "terminated") return undefined;
  const value = readPath(parent.currentStateDefinition, reference?.sourcePath ?? "VpcId");
  return typeof value === "string" ? value : undefined;
}

/** CreateVpc's input: the create fields, tagged with PCFName, the tags and the ownership tag. */
function toCreateInput(definition: VpcInstanceDefinition, vpcName: string): CreateVpcCommandInput {
  const {
    CidrBlock,
    AmazonProvidedIpv6CidrBlock,
    InstanceTenancy,
    Ipv4IpamPoolId,
    Ipv4NetmaskLength,
    Ipv6CidrBlockNetworkBorderGroup,
  } = definition;
  return {
    CidrBlock,
    AmazonProvidedIpv6CidrBlock,
    InstanceTenancy,
    Ipv4IpamPoolId,
    Ipv4NetmaskLength,
    Ipv6CidrBlockNetworkBorderGroup,
    TagSpecifications: tagSpecifications(
      "vpc",
      withPcfName(tagMapOf(definition.custom_config?.Tags), vpcName),
    ),
  };
}
