import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  UpdateSecurityGroupRuleDescriptionsEgressCommand,
  UpdateSecurityGroupRuleDescriptionsIngressCommand,
  type EC2Client,
  type IpPermission,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import * as z from "zod";
import { isPlainObject } from "../../../core/values.js";

const descriptionSchema = z.string().max(255).optional();

/**
 * One permission as EC2 writes it (`IpPermissions` of DescribeSecurityGroups), which is how PCF
 * files write rules. `IpProtocol` is a name (`tcp`, `udp`, `icmp`, `icmpv6`), a protocol number,
 * or `-1` / `all` for every protocol; ports are ignored for `-1`. Other groups are named by
 * `GroupId` (a `GroupName` only matches groups of the default VPC).
 * @internal
 */
export const ipPermissionSchema = z.strictObject({
  IpProtocol: z.union([z.string().min(1), z.int()]),
  FromPort: z.int().optional(),
  ToPort: z.int().optional(),
  IpRanges: z
    .array(z.strictObject({ CidrIp: z.string().min(1), Description: descriptionSchema }))
    .optional(),
  Ipv6Ranges: z
    .array(z.strictObject({ CidrIpv6: z.string().min(1), Description: descriptionSchema }))
    .optional(),
  PrefixListIds: z
    .array(z.strictObject({ PrefixListId: z.string().min(1), Description: descriptionSchema }))
    .optional(),
  UserIdGroupPairs: z
    .array(
      z.strictObject({
        GroupId: z.string().min(1).optional(),
        GroupName: z.string().min(1).optional(),
        UserId: z.string().optional(),
        VpcId: z.string().optional(),
        VpcPeeringConnectionId: z.string().optional(),
        PeeringStatus: z.string().optional(),
        Description: descriptionSchema,
      }),
    )
    .optional(),
});

/** A written list of permissions: the whole rule set of one direction. @internal */
export const ipPermissionsSchema = z.array(ipPermissionSchema);

/** One permission as written. @internal */
export type IpPermissionDefinition = z.infer<typeof ipPermissionSchema>;

/** Which rules: inbound (`IpPermissions`) or outbound (`IpPermissionsEgress`). @internal */
export type RuleDirection = "IpPermissions" | "IpPermissionsEgress";

/** One rule: a protocol and port range with a single source or destination. @internal */
export interface SecurityGroupRule {
  readonly protocol: string;
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
  readonly peer:
    | { readonly kind: "cidr"; readonly CidrIp: string }
    | { readonly kind: "cidr6"; readonly CidrIpv6: string }
    | { readonly kind: "prefix"; readonly PrefixListId: string }
    | { readonly kind: "group"; readonly GroupId?: string; readonly GroupName?: string };
  /** `""` when the rule has none. */
  readonly description: string;
}

/** What to send to turn one direction's rules into the desired set. */
interface RuleChanges {
  /** Rules to revoke: live, not desired. */
  readonly revoke: IpPermission[];
  /** Rules to authorize: desired, not live. */
  readonly authorize: IpPermission[];
  /** Rules in both whose description differs. */
  readonly describe: IpPermission[];
}

/**
 * Permissions (written or read) as single rules, normalised so equal rules compare equal:
 * protocol numbers 6/17/1/58 as names, `all` as `-1`, no ports for `-1` or other protocols
 * without them, duplicates dropped.
 * @internal
 */
export function rulesOf(
  permissions: readonly (IpPermission | IpPermissionDefinition)[],
): SecurityGroupRule[] {
  const rules = new Map<string, SecurityGroupRule>();
  for (const permission of permissions) {
    const protocol = normalizeProtocol(permission.IpProtocol);
    const hasPorts = PORTED_PROTOCOLS.has(protocol);
    const base = {
      protocol,
      fromPort: hasPorts ? permission.FromPort : undefined,
      toPort: hasPorts ? permission.ToPort : undefined,
    };
    const peers = [
      ...(permission.IpRanges ?? []).map(({ CidrIp, Description }) => ({
        peer: { kind: "cidr" as const, CidrIp: CidrIp ?? "" },
        Description,
      })),
      ...(permission.Ipv6Ranges ?? []).map(({ CidrIpv6, Description }) => ({
        peer: { kind: "cidr6" as const, CidrIpv6: CidrIpv6 ?? "" },
        Description,
      })),
      ...(permission.PrefixListIds ?? []).map(({ PrefixListId, Description }) => ({
        peer: { kind: "prefix" as const, PrefixListId: PrefixListId ?? "" },
        Description,
      })),
      ...(permission.UserIdGroupPairs ?? []).map(({ GroupId, GroupName, Description }) => ({
        peer:
          GroupId === undefined
            ? { kind: "group" as const, GroupName: GroupName ?? "" }
            : { kind: "group" as const, GroupId },
        Description,
      })),
    ];
    for (const { peer, Description } of peers) {
      const rule = { ...base, peer, description: Description ?? "" };
      rules.set(ruleKey(rule), rule);
    }
  }
  return [...rules.values()];
}

/** Rules as sorted one-line texts (`tcp 80 0.0.0.0/0 "web"`), for comparing and for messages. @internal */
export function comparableRules(rules: readonly SecurityGroupRule[]): string[] {
  return rules
    .map((rule) =>
      rule.description === "" ? ruleKey(rule) : `${ruleKey(rule)} "${rule.description}"`,
    )
    .sort();
}

/** The revokes, authorizations and description changes that turn `current` into `desired`. */
function ruleChanges(
  current: readonly SecurityGroupRule[],
  desired: readonly SecurityGroupRule[],
): RuleChanges {
  const live = new Map(current.map((rule) => [ruleKey(rule), rule]));
  const wanted = new Map(desired.map((rule) => [ruleKey(rule), rule]));
  return {
    revoke: current
      .filter((rule) => !wanted.has(ruleKey(rule)))
      .map((rule) => toPermission({ ...rule, description: "" })),
    authorize: desired.filter((rule) => !live.has(ruleKey(rule))).map((rule) => toPermission(rule)),
    describe: desired
      .filter((rule) => {
        const before = live.get(ruleKey(rule));
        return before !== undefined && before.description !== rule.description;
      })
      .map((rule) => toPermission(rule, true)),
  };
}

/**
 * One direction's rules as a definition lists them, at the top level or in `custom_config` (where
 * PCF keeps them); `undefined` when it does not list them.
 * @internal
 */
export function writtenRules(
  definition: Readonly<Record<string, unknown>>,
  direction: RuleDirection,
): IpPermissionDefinition[] | undefined {
  const config = definition["custom_config"];
  const written =
    isPlainObject(config) && config[direction] !== undefined
      ? config[direction]
      : definition[direction];
  const parsed = ipPermissionsSchema.safeParse(written);
  return parsed.success ? parsed.data : undefined;
}

/** One rule call of a group: its input, as every rule call of EC2 takes it. */
type RuleCall = (
  client: EC2Client,
  input: { GroupId: string | undefined; IpPermissions: IpPermission[] },
  options: { abortSignal: AbortSignal },
) => Promise<unknown>;

/** The calls that revoke, authorize and redescribe one direction's rules. */
const RULE_CALLS: Readonly<Record<RuleDirection, Readonly<Record<keyof RuleChanges, RuleCall>>>> = {
  IpPermissions: {
    revoke: (client, input, options) =>
      client.send(new RevokeSecurityGroupIngressCommand(input), options),
    authorize: (client, input, options) =>
      client.send(new AuthorizeSecurityGroupIngressCommand(input), options),
    describe: (client, input, options) =>
      client.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand(input), options),
  },
  IpPermissionsEgress: {
    revoke: (client, input, options) =>
      client.send(new RevokeSecurityGroupEgressCommand(input), options),
    authorize: (client, input, options) =>
      client.send(new AuthorizeSecurityGroupEgressCommand(input), options),
    describe: (client, input, options) =>
      client.send(new UpdateSecurityGroupRuleDescriptionsEgressCommand(input), options),
  },
};

/**
 * The updater of one direction's rules: `(client, group, desired, context)` sends what turns the
 * group's live rules into the written ones: revokes first, so a rule replaced by an overlapping
 * one never exists twice, then authorizations, then description changes.
 * @internal
 */
export function rulesUpdater(
  direction: RuleDirection,
): (
  client: EC2Client,
  group: SecurityGroup,
  desired: Readonly<Record<string, unknown>>,
  context: { readonly signal: AbortSignal },
) => Promise<void> {
  return async (client, group, desired, { signal }) => {
    const changes = ruleChanges(
      rulesOf(group[direction] ?? []),
      rulesOf(writtenRules(desired, direction) ?? []),
    );
    for (const step of ["revoke", "authorize", "describe"] as const) {
      const IpPermissions = changes[step];
      if (IpPermissions.length === 0) continue;
      await RULE_CALLS[direction][step](
        client,
        { GroupId: group.GroupId, IpPermissions },
        { abortSignal: signal },
      );
    }
  };
}

/** Protocols whose rules carry ports (ICMP's are type and code). */
const PORTED_PROTOCOLS = new Set(["tcp", "udp", "icmp", "icmpv6"]);
const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  "6": "tcp",
  "17": "udp",
  "1": "icmp",
  "58": "icmpv6",
  all: "-1",
};

function normalizeProtocol(protocol: string | number | undefined): string {
  const text = String(protocol ?? "-1").toLowerCase();
  return PROTOCOL_NAMES[text] ?? text;
}

/** `tcp 80-81 sg-0ab`: protocol, ports and peer, without the description. */
function ruleKey(rule: SecurityGroupRule): string {
  const ports =
    rule.fromPort === undefined && rule.toPort === undefined
      ? ""
      : rule.fromPort === rule.toPort
        ? ` ${rule.fromPort}`
        : ` ${rule.fromPort ?? ""}-${rule.toPort ?? ""}`;
  const protocol = rule.protocol === "-1" ? "all" : rule.protocol;
  return `${protocol}${ports} ${peerText(rule.peer)}`;
}

function peerText(peer: SecurityGroupRule["peer"]): string {
  switch (peer.kind) {
    case "cidr":
      return peer.CidrIp;
    case "cidr6":
      return peer.CidrIpv6;
    case "prefix":
      return peer.PrefixListId;
    case "group":
      return peer.GroupId ?? `group-name:${peer.GroupName ?? ""}`;
  }
}

/**
 * One rule as a permission EC2 takes. A rule without a description sends none, except in a
 * description change (`isDescribing`), where `""` clears the live one.
 */
function toPermission(rule: SecurityGroupRule, isDescribing = false): IpPermission {
  const Description = rule.description === "" && !isDescribing ? undefined : rule.description;
  const { peer } = rule;
  const base = { IpProtocol: rule.protocol, FromPort: rule.fromPort, ToPort: rule.toPort };
  switch (peer.kind) {
    case "cidr":
      return { ...base, IpRanges: [{ CidrIp: peer.CidrIp, Description }] };
    case "cidr6":
      return { ...base, Ipv6Ranges: [{ CidrIpv6: peer.CidrIpv6, Description }] };
    case "prefix":
      return { ...base, PrefixListIds: [{ PrefixListId: peer.PrefixListId, Description }] };
    case "group":
      return {
        ...base,
        UserIdGroupPairs: [{ GroupId: peer.GroupId, GroupName: peer.GroupName, Description }],
      };
  }
}
