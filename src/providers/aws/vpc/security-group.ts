import {
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  paginateDescribeSecurityGroups,
  type EC2Client,
  type SecurityGroup as Ec2SecurityGroup,
} from "@aws-sdk/client-ec2";
import * as z from "zod";
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import { byName, describeAll, describeFiltered, type Named } from "../ec2-describe.js";
import { ec2TagErrors } from "../ec2-tags.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { tagInputSchema } from "../tags.js";
import { NetworkResource } from "./network-resource.js";
import {
  comparableRules,
  ipPermissionsSchema,
  rulesOf,
  rulesUpdater,
  writtenRules,
  type RuleDirection,
} from "./security-group-rules.js";

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

/** The name of the group AWS makes with every VPC. */
const DEFAULT_GROUP = "default";

/** The fields AWS fixes when it creates a group. */
const CREATE_ONLY_FIELDS = ["Description", "VpcId"];

const GONE = { notFound: ["InvalidGroup.NotFound", "InvalidGroupId.NotFound"] };
const RULES = { ...GONE, invalid: ["InvalidPermission.Duplicate", "InvalidPermission.NotFound"] };
/** The rule calls a start or an update may send. */
const RULE_ACTIONS = [
  "ec2:AuthorizeSecurityGroupIngress",
  "ec2:AuthorizeSecurityGroupEgress",
  "ec2:RevokeSecurityGroupIngress",
  "ec2:RevokeSecurityGroupEgress",
  "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
  "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
];

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
export class SecurityGroup extends NetworkResource<SecurityGroupDefinition, Ec2SecurityGroup> {
  static override readonly flavor: string = "security_group";
  static override readonly definitionSchema = securityGroupSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.GroupName"];
  static override readonly fixedFields: readonly string[] = CREATE_ONLY_FIELDS;
  static override readonly inPlaceFields: readonly string[] = [
    "IpPermissions",
    "IpPermissionsEgress",
    "Tags",
  ];
  static override readonly readShape = "describe-by-key";
  static override readonly kind: string = "security groups";
  static override readonly createOperation: string = "CreateSecurityGroup";
  static override readonly operationErrors = {
    CreateSecurityGroup: {
      alreadyExists: ["InvalidGroup.Duplicate"],
      invalid: ["InvalidVpcID.NotFound", "InvalidParameterValue"],
    },
    DeleteSecurityGroup: { ...GONE, inUse: ["DependencyViolation", "InvalidGroup.InUse"] },
    ...Object.fromEntries(RULE_ACTIONS.map((action) => [action.slice("ec2:".length), RULES])),
    ...ec2TagErrors("InvalidGroup.NotFound"),
  };
  static override readonly actions = {
    read: ["ec2:DescribeSecurityGroups"],
    start: ["ec2:CreateSecurityGroup", "ec2:CreateTags", ...RULE_ACTIONS],
    update: [...RULE_ACTIONS, "ec2:CreateTags", "ec2:DeleteTags"],
    terminate: ["ec2:DeleteSecurityGroup"],
  };
  static override readonly inUseHint: string =
    "network interfaces or other groups' rules still use it: remove them first";

  protected override readonly updaters: FieldUpdaters<
    SecurityGroupDefinition,
    Ec2SecurityGroup,
    EC2Client
  > = {
    IpPermissions: rulesUpdater("IpPermissions"),
    IpPermissionsEgress: rulesUpdater("IpPermissionsEgress"),
  };

  /** The groups named in `names`, by name: DescribeSecurityGroups per 200 names, page by page. */
  protected override async list(
    client: EC2Client,
    names: readonly string[],
    { signal }: RunContext,
  ) {
    const groups = await describeFiltered(client, paginateDescribeSecurityGroups, {
      filterName: "group-name",
      values: names,
      itemsOf: (page) => page.SecurityGroups,
      abortSignal: signal,
    });
    return byName(groups, (group) => group.GroupName);
  }

  /**
   * Every security group of the region but the `default` group of each VPC: one
   * DescribeSecurityGroups. A default group is left out: AWS makes it with its VPC and refuses
   * to create or delete one, so no particle could own it.
   */
  protected override async listAll(client: EC2Client, { signal }: RunContext) {
    const groups = await describeAll(client, paginateDescribeSecurityGroups, {
      itemsOf: (page) => page.SecurityGroups,
      abortSignal: signal,
    });
    return groups.filter((group) => group.GroupName !== DEFAULT_GROUP);
  }

  /**
   * The group of its name in its VPC; without a VPC, the only group of its name.
   * @throws PcfError `DUPLICATE_RESOURCE` when, without a VPC, several groups have its name.
   */
  protected override async complete(
    _client: EC2Client,
    { namesakes = [], ...group }: Named<Ec2SecurityGroup>,
    context: RunContext,
  ) {
    const listed: readonly Ec2SecurityGroup[] = [group, ...namesakes];
    if (this.isScopedToVpc) {
      const vpcId = await this.vpcId(context);
      return listed.find((item) => vpcId !== undefined && item.VpcId === vpcId);
    }
    if (listed.length > 1)
      throw new PcfError(
        "DUPLICATE_RESOURCE",
        `${listed.length} security groups are named ${group.GroupName ?? "?"} (${listed.map((item) => `${item.GroupId ?? "?"} in ${item.VpcId ?? "?"}`).join(", ")}): set VpcId`,
        { particle: this.id, field: "aws_resource.VpcId" },
      );
    return group;
  }

  /** A listed group is running. */
  protected override observe(group: Named<Ec2SecurityGroup>, context: RunContext) {
    return this.observed(group, "running", context);
  }

  /**
   * CreateSecurityGroup in its VPC, tagged in the same call. A new group has no inbound rules
   * and AWS's allow-all outbound ones: where the definition lists outbound rules, the group is
   * given back undefined, so that the kit reads it, and the updaters change exactly those.
   * @throws PcfError `DEFINITION_INVALID` when its VPC is not running, before any call.
   */
  protected override async create(
    client: EC2Client,
    { GroupName, Description = GroupName, IpPermissionsEgress }: SecurityGroupDefinition,
    context: RunContext,
  ) {
    const VpcId = this.isScopedToVpc
      ? await this.requiredVpcId(
          context,
          "the VPC it names is not running (write a VpcId, or give the group one running vpc_instance parent)",
        )
      : undefined;
    const TagSpecifications = this.tagSpecifications("security-group");
    // The answer may carry no tags (moto's does not): the group has those sent.
    const {
      GroupId,
      SecurityGroupArn,
      Tags = TagSpecifications[0]?.Tags,
    } = await client.send(
      new CreateSecurityGroupCommand({ GroupName, Description, VpcId, TagSpecifications }),
      { abortSignal: context.signal },
    );
    if (IpPermissionsEgress !== undefined) return undefined;
    const created = { GroupName, Description, VpcId, SecurityGroupArn, IpPermissions: [], Tags };
    return { ...created, GroupId: required(GroupId, "group id") };
  }

  protected override async remove(
    client: EC2Client,
    { GroupId }: Ec2SecurityGroup,
    { signal }: RunContext,
  ) {
    await client.send(new DeleteSecurityGroupCommand({ GroupId }), { abortSignal: signal });
  }

  protected override idOf({ GroupId }: Ec2SecurityGroup): string | undefined {
    return GroupId;
  }

  /** The definition, with the rules PCF keeps in `custom_config` at the top level. */
  protected override desiredDefinition(): SecurityGroupDefinition {
    const desired = super.desiredDefinition();
    return {
      ...desired,
      IpPermissions: writtenRules(desired, "IpPermissions"),
      IpPermissionsEgress: writtenRules(desired, "IpPermissionsEgress"),
    };
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
      Tags: this.comparableTags(definition),
    };
  }
}
