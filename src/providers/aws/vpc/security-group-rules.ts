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
import type { FieldUpdater } from "../../kit/calls.js";

const Description = z.string().max(255).optional();
const id = z.string().min(1);

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
  IpRanges: z.array(z.strictObject({ CidrIp: id, Description })).optional(),
  Ipv6Ranges: z.array(z.strictObject({ CidrIpv6: id, Description })).optional(),
  PrefixListIds: z.array(z.strictObject({ PrefixListId: id, Description })).optional(),
  UserIdGroupPairs: z
    .array(
      z.strictObject({
        GroupId: id.optional(),
        GroupName: id.optional(),
        UserId: z.string().optional(),
        VpcId: z.string().optional(),
        VpcPeeringConnectionId: z.string().optional(),
        PeeringStatus: z.string().optional(),
        Description,
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

/** The lists of a permission that name its peers, with the fields that name one, first first. */
const PEER_FIELDS = {
  IpRanges: ["CidrIp"],
  Ipv6Ranges: ["CidrIpv6"],
  PrefixListIds: ["PrefixListId"],
  UserIdGroupPairs: ["GroupId", "GroupName"],
} as const;

/** One rule: a protocol and port range with a single source or destination. @internal */
export interface SecurityGroupRule {
  /** `tcp 80-81 sg-0ab`: protocol, ports and peer, without the description. */
  readonly key: string;
  /** `""` when the rule has none. */
  readonly description: string;
  /** The rule as EC2 takes it, its one peer without a description. */
  readonly permission: IpPermission;
  /** The list of {@link SecurityGroupRule.permission} that holds the peer. */
  readonly list: keyof typeof PEER_FIELDS;
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
    const text = String(permission.IpProtocol ?? "-1").toLowerCase();
    const IpProtocol = PROTOCOL_NAMES[text] ?? text;
    const hasPorts = PORTED_PROTOCOLS.has(IpProtocol);
    const [FromPort, ToPort] = hasPorts ? [permission.FromPort, permission.ToPort] : [];
    const ports = portsText(FromPort, ToPort);
    for (const list of Object.keys(PEER_FIELDS) as (keyof typeof PEER_FIELDS)[])
      for (const entry of (permission[list] ?? []) as Readonly<Record<string, string>>[]) {
        const field = PEER_FIELDS[list].find((name) => entry[name] !== undefined) ?? "";
        const peer = entry[field] ?? "";
        const key = `${IpProtocol === "-1" ? "all" : IpProtocol}${ports} ${field === "GroupName" ? "group-name:" : ""}${peer}`;
        const description = entry["Description"] ?? "";
        const single = { IpProtocol, FromPort, ToPort, [list]: [{ [field]: peer }] };
        rules.set(key, { key, description, permission: single, list });
      }
  }
  return [...rules.values()];
}

/** Rules as sorted one-line texts (`tcp 80 0.0.0.0/0 "web"`), for comparing and for messages. @internal */
export function comparableRules(rules: readonly SecurityGroupRule[]): string[] {
  return rules
    .map(({ key, description }) => (description === "" ? key : `${key} "${description}"`))
    .sort();
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

/**
 * The updater of one direction's rules: `(client, group, desired, context)` sends what turns the
 * group's live rules into the written ones: revokes first, so a rule replaced by an overlapping
 * one never exists twice, then authorizations, then description changes.
 * @internal
 */
export function rulesUpdater(
  direction: RuleDirection,
): FieldUpdater<Readonly<Record<string, unknown>>, SecurityGroup, EC2Client> {
  return async (client, { GroupId, [direction]: live = [] }, desired, { signal }) => {
    const current = new Map(rulesOf(live).map((rule) => [rule.key, rule]));
    const wanted = rulesOf(writtenRules(desired, direction) ?? []);
    const wantedKeys = new Set(wanted.map((rule) => rule.key));
    const changes = {
      revoke: [...current.values()]
        .filter((rule) => !wantedKeys.has(rule.key))
        .map((rule) => rule.permission),
      authorize: wanted.filter((rule) => !current.has(rule.key)).map((rule) => described(rule)),
      describe: wanted
        .filter((rule) => {
          const before = current.get(rule.key);
          return before !== undefined && before.description !== rule.description;
        })
        .map((rule) => described(rule, true)),
    };
    for (const step of ["revoke", "authorize", "describe"] as const) {
      const IpPermissions = changes[step];
      if (IpPermissions.length > 0)
        await RULE_CALLS[direction][step](
          client,
          { GroupId, IpPermissions },
          { abortSignal: signal },
        );
    }
  };
}

/** One rule call of a group: its input, as every rule call of EC2 takes it. */
type RuleCall = (
  client: EC2Client,
  input: { GroupId: string | undefined; IpPermissions: IpPermission[] },
  options: { abortSignal: AbortSignal },
) => Promise<unknown>;

/** The calls that revoke, authorize and redescribe one direction's rules. */
const RULE_CALLS: Readonly<
  Record<RuleDirection, Readonly<Record<"revoke" | "authorize" | "describe", RuleCall>>>
> = {
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

/** Protocols whose rules carry ports (ICMP's are type and code). */
const PORTED_PROTOCOLS = new Set(["tcp", "udp", "icmp", "icmpv6"]);
const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  "6": "tcp",
  "17": "udp",
  "1": "icmp",
  "58": "icmpv6",
  all: "-1",
};

/** ` 80`, ` 80-81`, or nothing without ports. */
function portsText(from: number | undefined, to: number | undefined): string {
  if (from === undefined && to === undefined) return "";
  return from === to ? ` ${from}` : ` ${from ?? ""}-${to ?? ""}`;
}

/**
 * The rule as a permission with its description; one without sends none, except in a
 * description change (`isDescribing`), where `""` clears the live one.
 */
function described(rule: SecurityGroupRule, isDescribing = false): IpPermission {
  const Description = rule.description === "" && !isDescribing ? undefined : rule.description;
  const [peer] = rule.permission[rule.list] ?? [];
  return { ...rule.permission, [rule.list]: [{ ...peer, Description }] };
}
