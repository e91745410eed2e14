import {
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  paginateDescribeSecurityGroups,
  type IpPermission,
  type SecurityGroup as Ec2SecurityGroup,
} from "@aws-sdk/client-ec2";
import * as z from "zod";
import { PcfError } from "../../../core/errors.js";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { readPath } from "../../../core/values.js";
import { required } from "../../kit/create-once.js";
import { describeFiltered } from "../ec2-describe.js";
import { updateEc2Tags } from "../ec2-tags.js";
import { isConflict, wrapAwsError } from "../errors.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { LegacyAWSResource } from "../legacy-resource.js";
import {
  comparableTagInput,
  hasOwnershipTag,
  OWNERSHIP_TAG_KEY,
  OWNERSHIP_TAG_VALUE,
  tagInputSchema,
  tagMapOf,
  tagSpecifications,
  tagsFromList,
} from "../tags.js";
import {
  comparableRules,
  ipPermissionsSchema,
  isEmptyChange,
  ruleChanges,
  rulesOf,
  sendRuleChanges,
  writtenRules,
  type RuleDirection,
} from "./security-group-rules.js";
import { VpcInstance, vpcIdOf } from "./vpc.js";

/** The `aws_resource` block of a `security_group` particle: CreateSecurityGroup's parameters and the rules. */
export const securityGroupSchema = z
  .strictObject({
    /** The group's name, unique in its VPC. Required: it is the unique key. */
    GroupName: z.string().min(1).max(255),
    /** The group's description. Set at creation only. Default: the group name. */
    Description: z.string().min(1).max(255).optional(),
    /**
     * The VPC, usually `$inherit$vpc_instance:NAME$VpcId`. Default: the `VpcId` of the particle's
     * one `vpc_instance` parent (PCF's rule), else the region's default VPC, where the name must
     * then be unique in the region. Set at creation only.
     */
    VpcId: z.string().min(1).optional(),
    /** Accepted as PCF files write it; only `false`: `pcf plan` is the dry run. */
    DryRun: z.literal(false, { error: "DryRun: true is not supported (use plan)" }).optional(),
    /** Inbound rules; the same as `custom_config.IpPermissions`, where PCF keeps them. */
    IpPermissions: ipPermissionsSchema.optional(),
    /** Outbound rules; the same as `custom_config.IpPermissionsEgress`, where PCF keeps them. */
    IpPermissionsEgress: ipPermissionsSchema.optional(),
    /** The group's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
    region_name: regionNameSchema,
    /**
     * `IpPermissions` / `IpPermissionsEgress`: the whole inbound / outbound rule set, in EC2's form,
     * compared as sets (order, duplicates and protocol spelling do not matter). Rules not listed are
     * revoked, so `[]` revokes all. Omitted, that direction is left alone: a new group keeps AWS's
     * allow-all outbound rule, which a written egress list must include to keep. `Tags`: the whole
     * tag set besides the ownership tag, as PCF's list of `{ Key, Value }` or a map. Default: tags
     * are neither compared nor changed. `adopt`: see {@link awsCustomConfigSchema}.
     */
    custom_config: awsCustomConfigSchema
      .extend({
        IpPermissions: ipPermissionsSchema.optional(),
        IpPermissionsEgress: ipPermissionsSchema.optional(),
        Tags: tagInputSchema.optional(),
      })
      .optional(),
  })
  .refine((block) => !(block.IpPermissions && block.custom_config?.IpPermissions), {
    message: "write IpPermissions here or in custom_config, not both",
    path: ["IpPermissions"],
  })
  .refine((block) => !(block.IpPermissionsEgress && block.custom_config?.IpPermissionsEgress), {
    message: "write IpPermissionsEgress here or in custom_config, not both",
    path: ["IpPermissionsEgress"],
  });

/** What a user writes in the `aws_resource` block of a `security_group` particle. */
export type SecurityGroupDefinition = z.infer<typeof securityGroupSchema>;

/** The fields AWS fixes when it creates a group. */
const CREATE_ONLY_FIELDS = ["Description", "VpcId"];

/**
 * A VPC security group, found by its name in its VPC. A group has no stopped form: stopping
 * deletes it. Rules and tags are updated in place, by revoking and authorizing only the rules
 * that differ (and updating descriptions); a different `Description` or `VpcId` cannot be, and
 * such an update fails naming the field (terminate and apply again to re-create).
 *
 * Reads are batched: one DescribeSecurityGroups per region for all groups, filtered by their
 * names. A group whose `VpcId` comes from a parent VPC not yet read waits for that read (sharing
 * it). The current definition holds `GroupId` for others to inherit.
 *
 * @example
 * ```ts
 * const web = new SecurityGroup({
 *   pcf_name: "web",
 *   flavor: "security_group",
 *   aws_resource: {
 *     GroupName: "web",
 *     Description: "web servers",
 *     VpcId: "$inherit$vpc_instance:net$VpcId",
 *     custom_config: {
 *       IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
 *     },
 *   },
 * });
 * ```
 */
export class SecurityGroup extends LegacyAWSResource<SecurityGroupDefinition> {
  static override readonly flavor: string = "security_group";
  static override readonly service: string = "ec2";
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.GroupName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = securityGroupSchema;
  static override readonly fixedFields: readonly string[] = CREATE_ONLY_FIELDS;

  private groupId: string | undefined = undefined;
  private currentTags: Record<string, string> = {};

  /** Reads every group of `particles` with one DescribeSecurityGroups per region (per 200 names). */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const groups = particles.filter(
      (particle): particle is SecurityGroup => particle instanceof SecurityGroup,
    );
    await SecurityGroup.readByRegion(
      groups,
      context,
      EC2Client,
      async (members, client, region) => {
        const listed = await SecurityGroup.listFor(
          members,
          `list security groups in ${region}`,
          () =>
            describeFiltered(client, paginateDescribeSecurityGroups, {
              filterName: "group-name",
              values: members.map((group) => group.groupName),
              itemsOf: (page) => page.SecurityGroups,
              abortSignal: context.signal,
            }),
        );
        await readEach(members, (group) =>
          group.readListed(
            listed.filter((item) => item.GroupName === group.groupName),
            region,
            context,
          ),
        );
      },
    );
  }

  /** Reads this group: `running` when it exists in its VPC, else `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof SecurityGroup).syncAll([this], context);
  }

  /** Creates the group tagged in the same call, then sets its rules. */
  protected override async _start(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const vpcId = await vpcIdOf(this, context);
    if (vpcId === undefined && this.isScopedToVpc) {
      throw new PcfError(
        "DEFINITION_INVALID",
        "no VpcId: the VPC it names is not running (write a VpcId, or give the group one running vpc_instance parent)",
        { particle: this.id, field: "aws_resource.VpcId" },
      );
    }
    const client = await this.client(EC2Client, context);
    const abortSignal = context.signal;
    const { value: groupId } = await this.createResource(
      `create security group ${this.groupName}`,
      EC2Client,
      context,
      {
        send: async (once) => {
          const { GroupId } = await once.send(
            new CreateSecurityGroupCommand({
              GroupName: desired.GroupName,
              Description: desired.Description ?? desired.GroupName,
              VpcId: vpcId,
              TagSpecifications: tagSpecifications(
                "security-group",
                tagMapOf(desired.custom_config?.Tags),
              ),
            }),
            { abortSignal },
          );
          return required(GroupId, "group id");
        },
        // A group of that name that carries the ownership tag is the one the lost answer made.
        findCreated: async () => {
          const { SecurityGroups = [] } = await client.send(
            new DescribeSecurityGroupsCommand({
              Filters: [
                { Name: "group-name", Values: [desired.GroupName] },
                { Name: `tag:${OWNERSHIP_TAG_KEY}`, Values: [OWNERSHIP_TAG_VALUE] },
                ...(vpcId === undefined ? [] : [{ Name: "vpc-id", Values: [vpcId] }]),
              ],
            }),
            { abortSignal },
          );
          return SecurityGroups[0]?.GroupId;
        },
        alreadyExistsCodes: ["InvalidGroup.Duplicate"],
        hint: (error) =>
          isConflict(error)
            ? " (a group of that name exists in the VPC: set custom_config.adopt to manage it)"
            : "",
      },
    );
    this.groupId = groupId;
    this.isOwned = true;
    // A new group has no inbound rules and AWS's allow-all outbound ones, read back to be exact.
    const defaults =
      writtenRules(desired, "IpPermissionsEgress") === undefined
        ? []
        : await this.liveEgress(client, context);
    await this.setRules(client, { IpPermissions: [], IpPermissionsEgress: defaults }, context);
  }

  /** Deletes the group; one already gone is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    const groupId = this.groupId;
    if (groupId === undefined) return;
    const client = await this.client(EC2Client, context);
    const isDeleted = await this.deleteUnlessGone(
      `delete security group ${groupId} (${this.groupName})`,
      () =>
        client.send(new DeleteSecurityGroupCommand({ GroupId: groupId }), {
          abortSignal: context.signal,
        }),
      {
        hint: (error) =>
          isConflict(error)
            ? " (network interfaces or other groups' rules still use it: remove them first)"
            : "",
      },
    );
    if (isDeleted) this.groupId = undefined;
  }

  /** Revokes, authorizes and redescribes the rules that differ, then sets the tags. */
  protected override async _update(context: RunContext): Promise<void> {
    const groupId = this.groupId;
    if (groupId === undefined) return;
    const desired = this.desiredDefinition();
    const client = await this.client(EC2Client, context);
    const current = this.currentStateDefinition;
    await this.setRules(
      client,
      {
        IpPermissions: (current["IpPermissions"] ?? []) as IpPermission[],
        IpPermissionsEgress: (current["IpPermissionsEgress"] ?? []) as IpPermission[],
      },
      context,
    );
    if (desired.custom_config?.Tags === undefined) return;
    try {
      await updateEc2Tags(
        client,
        groupId,
        { current: this.currentTags, desired: tagMapOf(desired.custom_config.Tags) },
        context.signal,
      );
    } catch (error) {
      throw wrapAwsError(error, this.id, `tag security group ${groupId} (${this.groupName})`);
    }
  }

  /** The create-only fields (to fail clearly), and the rules and tags the definition lists. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const rules = (direction: RuleDirection): string[] | undefined => {
      const written = writtenRules(definition, direction);
      return written === undefined ? undefined : comparableRules(rulesOf(written));
    };
    return {
      GroupName: definition["GroupName"],
      ...Object.fromEntries(CREATE_ONLY_FIELDS.map((field) => [field, definition[field]])),
      IpPermissions: rules("IpPermissions"),
      IpPermissionsEgress: rules("IpPermissionsEgress"),
      Tags: comparableTagInput(readPath(definition, "custom_config.Tags")),
    };
  }

  private get groupName(): string {
    return String(this.desiredStateDefinition["GroupName"]);
  }

  /** Whether the group belongs to a VPC named by `VpcId` or a `vpc_instance` parent. */
  private get isScopedToVpc(): boolean {
    return (
      this.desiredStateDefinition["VpcId"] !== undefined ||
      [...this.parents].some((parent) => parent.flavor === VpcInstance.flavor)
    );
  }

  /** Sets state and current definition from the groups of this name, picking the one in its VPC. */
  private async readListed(
    listed: readonly Ec2SecurityGroup[],
    region: string,
    context: RunContext,
  ): Promise<void> {
    this.isOwned = undefined;
    let matches = listed;
    if (this.isScopedToVpc) {
      const vpcId = listed.length === 0 ? undefined : await vpcIdOf(this, context);
      matches = listed.filter((group) => vpcId !== undefined && group.VpcId === vpcId);
    } else if (listed.length > 1) {
      throw new PcfError(
        "DUPLICATE_RESOURCE",
        `${listed.length} security groups are named ${this.groupName} (${listed.map((group) => `${group.GroupId ?? "?"} in ${group.VpcId ?? "?"}`).join(", ")}): set VpcId`,
        { particle: this.id, field: "aws_resource.VpcId" },
      );
    }
    const group = matches[0];
    if (group?.GroupId === undefined) {
      this.groupId = undefined;
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    this.groupId = group.GroupId;
    this.currentTags = tagsFromList(group.Tags);
    this.isOwned = hasOwnershipTag(this.currentTags);
    this.state = "running";
    this.currentStateDefinition = {
      GroupId: group.GroupId,
      GroupName: group.GroupName,
      Description: group.Description,
      VpcId: group.VpcId,
      OwnerId: group.OwnerId,
      SecurityGroupArn: group.SecurityGroupArn,
      IpPermissions: group.IpPermissions ?? [],
      IpPermissionsEgress: group.IpPermissionsEgress ?? [],
      region_name: region,
      custom_config: { Tags: this.currentTags },
    };
  }

  /** The outbound rules of the group just created; `[]` if EC2 does not list it yet. */
  private async liveEgress(client: EC2Client, context: RunContext): Promise<IpPermission[]> {
    const egress = await this.readUnlessGone(
      `read security group ${this.groupId ?? ""}`,
      async () => {
        const { SecurityGroups = [] } = await client.send(
          new DescribeSecurityGroupsCommand({ GroupIds: [this.groupId ?? ""] }),
          { abortSignal: context.signal },
        );
        return SecurityGroups[0]?.IpPermissionsEgress ?? [];
      },
    );
    return egress ?? [];
  }

  /** Brings each direction the definition lists from `current` to the desired rules. */
  private async setRules(
    client: EC2Client,
    current: Readonly<Record<RuleDirection, readonly IpPermission[]>>,
    context: RunContext,
  ): Promise<void> {
    const desired = this.desiredStateDefinition;
    for (const direction of ["IpPermissions", "IpPermissionsEgress"] as const) {
      const written = writtenRules(desired, direction);
      if (written === undefined) continue;
      const changes = ruleChanges(rulesOf(current[direction]), rulesOf(written));
      if (isEmptyChange(changes)) continue;
      try {
        await sendRuleChanges(client, this.groupId ?? "", direction, changes, context.signal);
      } catch (error) {
        const what = direction === "IpPermissions" ? "inbound" : "outbound";
        throw wrapAwsError(
          error,
          this.id,
          `set the ${what} rules of security group ${this.groupName}`,
        );
      }
    }
  }
}
