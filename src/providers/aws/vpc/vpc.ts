import {
  CreateVpcCommand,
  DeleteVpcCommand,
  DescribeVpcsCommand,
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
import { readEach, settleReads } from "../../../core/read-failures.js";
import { isReference, parseInherit } from "../../../core/references.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { readPath } from "../../../core/values.js";
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
import { describeVpcDependents } from "./vpc-dependencies.js";
import {
  DNS_ATTRIBUTES,
  dnsAttributeSchema,
  dnsChanges,
  dnsValue,
  readDnsAttributes,
  writeDnsAttributes,
  type DnsChange,
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
export class VpcInstance extends LegacyAWSResource<VpcInstanceDefinition> {
  static override readonly flavor: string = "vpc_instance";
  static override readonly service: string = "ec2";
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.custom_config.vpc_name"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = vpcInstanceSchema;

  private vpcId: string | undefined = undefined;
  private currentTags: Record<string, string> = {};
  /** The read under way, shared with children that need this VPC's id while the field is read. */
  private pendingRead: Promise<void> | undefined = undefined;

  /** Reads every VPC of `particles` with one DescribeVpcs per region; joins reads already under way. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const vpcs = particles.filter(
      (particle): particle is VpcInstance => particle instanceof VpcInstance,
    );
    const joined = vpcs.flatMap((vpc) =>
      vpc.pendingRead === undefined ? [] : [{ particles: [vpc], read: vpc.pendingRead }],
    );
    const fresh = vpcs.filter((vpc) => vpc.pendingRead === undefined);
    const read = fresh.length === 0 ? Promise.resolve() : VpcInstance.readVpcs(fresh, context);
    for (const vpc of fresh) vpc.pendingRead = read;
    try {
      // Per VPC: a duplicate name or a failed region fails only the VPCs concerned.
      await settleReads([{ particles: fresh, read }, ...joined]);
    } finally {
      for (const vpc of fresh) if (vpc.pendingRead === read) vpc.pendingRead = undefined;
    }
  }

  /** Reads the VPCs of `vpcs` (one DescribeVpcs per region and 200 names) and sets each one's state. */
  private static async readVpcs(vpcs: readonly VpcInstance[], context: RunContext): Promise<void> {
    await VpcInstance.readByRegion(vpcs, context, EC2Client, async (group, client, region) => {
      const listed = await VpcInstance.listFor(group, `list VPCs in ${region}`, () =>
        describeFiltered(client, paginateDescribeVpcs, {
          filterName: `tag:${PCF_NAME_TAG}`,
          values: group.map((vpc) => vpc.vpcName),
          itemsOf: (page) => page.Vpcs,
          abortSignal: context.signal,
        }),
      );
      await readEach(group, (vpc) =>
        vpc.readListed(
          client,
          listed.filter((item) => tagsFromList(item.Tags)[PCF_NAME_TAG] === vpc.vpcName),
          { region, context },
        ),
      );
    });
  }

  /** Reads this VPC: `running` when available, `pending` while AWS sets it up, else `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof VpcInstance).syncAll([this], context);
  }

  /** Creates the VPC tagged in the same call (PCFName, tags, ownership), then sets its DNS attributes. */
  protected override async _start(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const client = await this.client(EC2Client, context);
    const abortSignal = context.signal;
    // CreateVpc takes no client token: a lost answer is settled by looking, never by resending.
    const { value: vpcId } = await this.createResource(
      `create VPC ${this.vpcName}`,
      EC2Client,
      context,
      {
        send: async (once) => {
          const { Vpc } = await once.send(
            new CreateVpcCommand(toCreateInput(desired, this.vpcName)),
            { abortSignal },
          );
          return required(Vpc?.VpcId, "VPC id");
        },
        findCreated: async () => {
          const { Vpcs = [] } = await client.send(
            new DescribeVpcsCommand({ Filters: ownedPcfNameFilters(this.vpcName) }),
            { abortSignal },
          );
          return Vpcs[0]?.VpcId;
        },
      },
    );
    this.vpcId = vpcId;
    this.isOwned = true;
    await this.writeDns(client, dnsChanges(desired, {}), context);
  }

  /** Deletes the VPC; one already gone is fine, one with dependencies fails listing them. */
  protected override async _terminate(context: RunContext): Promise<void> {
    const vpcId = this.vpcId;
    if (vpcId === undefined) return;
    const client = await this.client(EC2Client, context);
    const isDeleted = await this.deleteUnlessGone(
      `delete VPC ${vpcId} (${this.vpcName})`,
      () => client.send(new DeleteVpcCommand({ VpcId: vpcId }), { abortSignal: context.signal }),
      {
        hint: async (error) => {
          const dependents = isConflict(error)
            ? await describeVpcDependents(client, vpcId, context.signal)
            : [];
          return dependents.length === 0
            ? ""
            : ` (still in it: ${dependents.join(", ")}; terminate or delete them first)`;
        },
      },
    );
    if (isDeleted) this.vpcId = undefined;
  }

  /** Sets tenancy (dedicated → default only), the DNS attributes and the tags that differ. */
  protected override async _update(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const current = this.currentStateDefinition;
    const vpcId = this.vpcId;
    if (vpcId === undefined) return;
    const client = await this.client(EC2Client, context);
    try {
      if (
        desired.InstanceTenancy === Tenancy.default &&
        current["InstanceTenancy"] !== Tenancy.default
      )
        await client.send(
          new ModifyVpcTenancyCommand({ VpcId: vpcId, InstanceTenancy: "default" }),
          {
            abortSignal: context.signal,
          },
        );
      if (desired.custom_config?.Tags !== undefined)
        await updateEc2Tags(
          client,
          vpcId,
          { current: this.currentTags, desired: this.desiredTags(desired) },
          context.signal,
        );
    } catch (error) {
      throw wrapAwsError(error, this.id, `update VPC ${vpcId} (${this.vpcName})`);
    }
    await this.writeDns(client, dnsChanges(desired, current), context);
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

  private desiredTags(desired: VpcInstanceDefinition): Record<string, string> {
    return withPcfName(tagMapOf(desired.custom_config?.Tags), this.vpcName);
  }

  /** Sets state and current definition from the VPCs listed under this one's name. */
  private async readListed(
    client: EC2Client,
    listed: Vpc[],
    { region, context }: { region: string; context: RunContext },
  ): Promise<void> {
    this.isOwned = undefined;
    const vpc = onlyNamed(listed, (item) => item.VpcId, {
      kind: "VPCs",
      name: this.vpcName,
      particle: this.id,
      field: "aws_resource.custom_config.vpc_name",
      region,
    });
    if (vpc?.VpcId === undefined) {
      this.vpcId = undefined;
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    this.vpcId = vpc.VpcId;
    this.currentTags = tagsFromList(vpc.Tags);
    this.isOwned = hasOwnershipTag(this.currentTags);
    this.state = stateFromStatus(vpc.State);
    this.currentStateDefinition = {
      VpcId: vpc.VpcId,
      CidrBlock: vpc.CidrBlock,
      InstanceTenancy: vpc.InstanceTenancy,
      State: vpc.State,
      IsDefault: vpc.IsDefault,
      DhcpOptionsId: vpc.DhcpOptionsId,
      OwnerId: vpc.OwnerId,
      Ipv6CidrBlock: vpc.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock,
      ...(await this.readDns(client, vpc.VpcId, context)),
      region_name: this.region(context),
      custom_config: { vpc_name: this.vpcName, Tags: this.currentTags },
    };
  }

  /** The DNS attributes the definition sets, as booleans; `{}` for a VPC gone meanwhile. */
  private async readDns(
    client: EC2Client,
    vpcId: string,
    context: RunContext,
  ): Promise<Record<string, boolean | undefined>> {
    const fields = DNS_ATTRIBUTES.map(({ field }) => field).filter(
      (field) => this.desiredStateDefinition[field] !== undefined,
    );
    const dns = await this.readUnlessGone(`read the DNS attributes of VPC ${vpcId}`, () =>
      readDnsAttributes(client, vpcId, fields, context.signal),
    );
    return dns ?? {};
  }

  private async writeDns(
    client: EC2Client,
    changes: readonly DnsChange[],
    context: RunContext,
  ): Promise<void> {
    const vpcId = this.vpcId;
    if (vpcId === undefined || changes.length === 0) return;
    try {
      await writeDnsAttributes(client, vpcId, changes, context.signal);
    } catch (error) {
      const what = changes.map(({ field, value }) => `${field}=${value}`).join(", ");
      throw wrapAwsError(error, this.id, `set ${what} on VPC ${vpcId}`);
    }
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

function stateFromStatus(status: string | undefined): "running" | "pending" {
  return status === "available" ? "running" : "pending";
}
