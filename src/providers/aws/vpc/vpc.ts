import {
  CreateVpcCommand,
  DeleteVpcCommand,
  ModifyVpcTenancyCommand,
  Tenancy,
  paginateDescribeVpcs,
  type EC2Client,
  type Vpc,
} from "@aws-sdk/client-ec2";
import * as z from "zod";
import type { DefinitionDifference } from "../../../core/diff.js";
import type { RunContext } from "../../../core/run-context.js";
import { required } from "../../kit/create-once.js";
import type { CallFailure, FieldUpdaters } from "../../kit/calls.js";
import { describeByPcfName, describeFiltered, type Named } from "../ec2-describe.js";
import { ec2TagErrors } from "../ec2-tags.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { PCF_NAME_TAG, tagInputSchema } from "../tags.js";
import { NetworkResource } from "./network-resource.js";
import { VPC_DEPENDENTS_ACTIONS, describeVpcDependents } from "./vpc-dependencies.js";
import {
  DNS_FIELDS,
  dnsAttributeSchema,
  dnsUpdater,
  dnsValue,
  readDnsAttributes,
  type DnsField,
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

/** A VPC as read: DescribeVpcs' item, with the DNS attributes its definition sets once read. */
type LiveVpc = Vpc & { readonly dns?: DnsValues };

const GONE = { notFound: ["InvalidVpcID.NotFound"] };

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
export class VpcInstance extends NetworkResource<VpcInstanceDefinition, LiveVpc> {
  static override readonly flavor: string = "vpc_instance";
  static override readonly definitionSchema = vpcInstanceSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.custom_config.vpc_name"];
  static override readonly inPlaceFields: readonly string[] = [
    "InstanceTenancy",
    ...DNS_FIELDS,
    "Tags",
  ];
  static override readonly readShape = "describe-by-tag";
  static override readonly kind: string = "VPCs";
  static override readonly isNamedByTag: boolean = true;
  static override readonly createOperation: string = "CreateVpc";
  static override readonly operationErrors = {
    CreateVpc: { invalid: ["InvalidVpcRange", "InvalidParameterValue", "VpcLimitExceeded"] },
    DeleteVpc: { ...GONE, inUse: ["DependencyViolation"] },
    DescribeVpcAttribute: GONE,
    ModifyVpcAttribute: GONE,
    ModifyVpcTenancy: GONE,
    ...ec2TagErrors("InvalidVpcID.NotFound"),
  };
  static override readonly actions = {
    read: ["ec2:DescribeVpcs", "ec2:DescribeVpcAttribute"],
    start: ["ec2:CreateVpc", "ec2:CreateTags", "ec2:ModifyVpcAttribute"],
    update: ["ec2:ModifyVpcTenancy", "ec2:ModifyVpcAttribute", "ec2:CreateTags", "ec2:DeleteTags"],
    terminate: ["ec2:DeleteVpc", ...VPC_DEPENDENTS_ACTIONS],
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
  protected override list(client: EC2Client, names: readonly string[], { signal }: RunContext) {
    return describeByPcfName(client, paginateDescribeVpcs, (page) => page.Vpcs, names, signal);
  }

  /** The only VPC of its name, with the DNS attributes the definition sets (a call each). */
  protected override async complete(
    client: EC2Client,
    listed: Named<LiveVpc>,
    context: RunContext,
  ) {
    const vpc = await super.complete(client, listed, context);
    if (vpc === undefined) return undefined;
    const fields = DNS_FIELDS.filter((field) => this.desiredStateDefinition[field] !== undefined);
    return withDns(client, vpc, fields, context.signal);
  }

  /**
   * Every VPC of the region that carries a `PCFName` tag, with both DNS attributes: one
   * DescribeVpcs by tag key, then DescribeVpcAttribute twice per VPC. VPCs without the tag (the
   * default VPC among them) are left out: the flavor finds a VPC by it, so it could never read them.
   */
  protected override async listAll(
    client: EC2Client,
    { signal }: RunContext,
  ): Promise<readonly LiveVpc[]> {
    const vpcs = await describeFiltered(client, paginateDescribeVpcs, {
      filterName: "tag-key",
      values: [PCF_NAME_TAG],
      itemsOf: (page) => page.Vpcs,
      abortSignal: signal,
    });
    return Promise.all(vpcs.map((vpc) => withDns(client, vpc, DNS_FIELDS, signal)));
  }

  /** `running` when available, `pending` while AWS sets it up. */
  protected override observe({ dns, ...vpc }: Named<LiveVpc>, context: RunContext) {
    return this.observed(vpc, vpc.State === "available" ? "running" : "pending", context, {
      Ipv6CidrBlock: vpc.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock,
      ...dns,
      config: { vpc_name: this.key },
    });
  }

  /**
   * CreateVpc tagged in the same call (PCFName, tags, ownership). It takes no client token: after
   * a lost answer, the kit looks for the VPC by its name and ownership before any resend.
   */
  protected override async create(
    client: EC2Client,
    desired: VpcInstanceDefinition,
    context: RunContext,
  ) {
    const {
      custom_config: _,
      region_name: __,
      EnableDnsHostnames: ___,
      EnableDnsSupport: ____,
      ...input
    } = desired;
    const TagSpecifications = this.tagSpecifications("vpc");
    const command = new CreateVpcCommand({ ...input, TagSpecifications });
    const { Vpc: created } = await client.send(command, { abortSignal: context.signal });
    return { ...created, VpcId: required(created?.VpcId, "VPC id") };
  }

  protected override async remove(client: EC2Client, { VpcId }: LiveVpc, { signal }: RunContext) {
    await client.send(new DeleteVpcCommand({ VpcId }), { abortSignal: signal });
  }

  /** For a VPC in use, what is still in it: subnets, groups, gateways, interfaces, endpoints. */
  protected override async removalHint(
    failure: CallFailure,
    client: EC2Client,
    { VpcId }: LiveVpc,
    { signal }: RunContext,
  ) {
    if (failure !== "inUse") return "";
    const dependents = await describeVpcDependents(client, VpcId ?? "", signal);
    return dependents.length === 0
      ? ""
      : ` (still in it: ${dependents.join(", ")}; terminate or delete them first)`;
  }

  protected override idOf({ VpcId }: Vpc): string | undefined {
    return VpcId;
  }

  /**
   * The CIDR block, and a tenancy other than `default`: EC2 sets them at creation (a dedicated
   * VPC can only be made default), so a change replaces the VPC.
   */
  override fixedDifferences(): DefinitionDifference[] {
    return this.definitionDifferences().filter(
      ({ path, desired }) =>
        path === "CidrBlock" || (path === "InstanceTenancy" && desired !== Tenancy.default),
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
      Tags: this.comparableTags(definition),
    };
  }
}

/** `vpc` with the DNS attributes of `fields` (a DescribeVpcAttribute each). */
async function withDns(
  client: EC2Client,
  vpc: Vpc,
  fields: readonly DnsField[],
  abortSignal: AbortSignal,
): Promise<LiveVpc> {
  return { ...vpc, dns: await readDnsAttributes(client, vpc.VpcId ?? "", fields, abortSignal) };
}
