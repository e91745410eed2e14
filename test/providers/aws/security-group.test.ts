import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
  type SecurityGroup as Ec2SecurityGroup,
} from "@aws-sdk/client-ec2";
import { beforeAll, describe, expect, it } from "vitest";
import { applyField, loadField } from "../../../src/index.js";
import { createRunContext } from "../../../src/core/run-context.js";
import { discoverFlavor } from "../../../src/providers/kit/discovery.js";
import { comparableRules, rulesOf } from "../../../src/providers/aws/vpc/security-group-rules.js";
import { SecurityGroup } from "../../../src/providers/aws/vpc/security-group.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import {
  OWNERSHIP,
  countReapply,
  countedOptions,
  createVpc,
  definitionErrorOf,
  definitionOf,
  expectStopDeletes,
  expectTerminates,
  expectTerminatesWhenGone,
  failureOf,
  onlyOne,
  tagMap,
} from "../../support/aws-fixtures.js";

const ec2 = verificationClient(EC2Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

const HTTP = { IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }] };
const HTTPS = {
  IpProtocol: "tcp",
  FromPort: 443,
  ToPort: 443,
  IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "internal" }],
};
const ALL_OUT = { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] };

/** The VPC the groups of this file live in, made by a separate client. */
let vpcId = "";

beforeAll(async () => {
  vpcId = await createVpc(ec2, "10.0.0.0/16");
});

function group(label: string, block: Record<string, unknown> = {}): SecurityGroup {
  const base = { GroupName: name(label), Description: `group ${label}`, VpcId: vpcId };
  return new SecurityGroup(definitionOf("security_group", label, base, block));
}

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

async function groupsNamed(
  label: string,
  inVpc: string | null = vpcId,
): Promise<Ec2SecurityGroup[]> {
  const { SecurityGroups = [] } = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "group-name", Values: [name(label)] },
        ...(inVpc === null ? [] : [{ Name: "vpc-id", Values: [inVpc] }]),
      ],
    }),
  );
  return SecurityGroups;
}

async function onlyGroup(label: string): Promise<Ec2SecurityGroup & { GroupId: string }> {
  return onlyOne(await groupsNamed(label), "GroupId", `group ${label}`);
}

/** A group's rules of one direction, as comparable one-line texts. */
function rulesText(permissions: readonly IpPermission[] | undefined): string[] {
  return comparableRules(rulesOf(permissions ?? []));
}

describe("security_group", () => {
  it("creates the group in its VPC with its rules and tags, keeping AWS's outbound rule", async () => {
    const particle = group("create", {
      custom_config: { IpPermissions: [HTTP, HTTPS], Tags: [{ Key: "tier", Value: "web" }] },
    });
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    const found = await onlyGroup("create");
    expect(found).toMatchObject({ VpcId: vpcId, Description: "group create" });
    expect(rulesText(found.IpPermissions)).toEqual([
      'tcp 443 10.0.0.0/8 "internal"',
      "tcp 80 0.0.0.0/0",
    ]);
    expect(rulesText(found.IpPermissionsEgress)).toEqual(["all 0.0.0.0/0"]);
    expect(tagMap(found.Tags)).toEqual({ tier: "web", ...OWNERSHIP });
    expect(particle.currentStateDefinition).toMatchObject({ GroupId: found.GroupId, VpcId: vpcId });
  });

  it("creates the outbound rules it lists in place of AWS's, and none for []", async () => {
    const result = await group("egress", { IpPermissionsEgress: [HTTPS] }).apply({
      providerOptions,
    });
    expect(result.particles[0]?.transitions).toEqual(["start"]);
    expect(rulesText((await onlyGroup("egress")).IpPermissionsEgress)).toEqual([
      'tcp 443 10.0.0.0/8 "internal"',
    ]);
    await group("no-egress", { custom_config: { IpPermissionsEgress: [] } }).apply({
      providerOptions,
    });
    expect((await onlyGroup("no-egress")).IpPermissionsEgress).toEqual([]);
  });

  it("compares rules as sets: order, duplicates, protocol numbers and empty lists do not matter", async () => {
    await group("noop", {
      custom_config: { IpPermissions: [HTTP, HTTPS], IpPermissionsEgress: [ALL_OUT] },
    }).apply({ providerOptions });
    const again = await group("noop", {
      custom_config: {
        IpPermissions: [
          { ...HTTPS, IpProtocol: 6, UserIdGroupPairs: [], Ipv6Ranges: [], PrefixListIds: [] },
          HTTP,
          HTTP,
        ],
        IpPermissionsEgress: [{ ...ALL_OUT, IpProtocol: "all", FromPort: -1, ToPort: -1 }],
      },
    }).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("updates rules by sending only the difference", async () => {
    const ssh = {
      IpProtocol: "tcp",
      FromPort: 22,
      ToPort: 22,
      IpRanges: [{ CidrIp: "10.1.0.0/16" }],
    };
    await group("update", { IpPermissions: [HTTP, HTTPS, ssh] }).apply({ providerOptions });

    const { counter, providerOptions: counted } = countedOptions(import.meta.url);
    const dns = {
      IpProtocol: "udp",
      FromPort: 53,
      ToPort: 53,
      IpRanges: [{ CidrIp: "10.0.0.0/8" }],
    };
    const renamed = { ...HTTPS, IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "private" }] };
    const result = await group("update", { IpPermissions: [HTTP, renamed, dns] }).apply({
      providerOptions: counted,
    });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect(rulesText((await onlyGroup("update")).IpPermissions)).toEqual([
      'tcp 443 10.0.0.0/8 "private"',
      "tcp 80 0.0.0.0/0",
      "udp 53 10.0.0.0/8",
    ]);
    expect(counter.count("RevokeSecurityGroupIngressCommand")).toBe(1);
    expect(counter.count("AuthorizeSecurityGroupIngressCommand")).toBe(1);
    expect(counter.count("UpdateSecurityGroupRuleDescriptionsIngressCommand")).toBe(1);
  });

  it("corrects rules and tags changed behind its back", async () => {
    const particle = group("drift", { IpPermissions: [HTTP], custom_config: { Tags: { a: "1" } } });
    await particle.apply({ providerOptions });
    const { GroupId } = await onlyGroup("drift");
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [HTTP] }));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [HTTPS] }));
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    const found = await onlyGroup("drift");
    expect(rulesText(found.IpPermissions)).toEqual(["tcp 80 0.0.0.0/0"]);
    expect(tagMap(found.Tags)).toEqual({ a: "1", ...OWNERSHIP });
  });

  it("updates tags in place", async () => {
    await group("tags", { custom_config: { Tags: { tier: "web", old: "x" } } }).apply({
      providerOptions,
    });
    await group("tags", { custom_config: { Tags: [{ Key: "tier", Value: "app" }] } }).apply({
      providerOptions,
    });
    expect(tagMap((await onlyGroup("tags")).Tags)).toEqual({ tier: "app", ...OWNERSHIP });
  });

  it("refuses to change the description unless allowed, naming the field", async () => {
    await group("described").apply({ providerOptions });
    const error = await failureOf(
      group("described", { Description: "new words" }).apply({ providerOptions }),
    );
    expect(error.message).toMatch(
      /aws_resource\.Description group described → new words can only change by replacing/,
    );
  });

  it("finds its group in its own VPC, not a namesake in another", async () => {
    await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name("namesake"),
        Description: "elsewhere",
        VpcId: await createVpc(ec2, "10.5.0.0/16"),
      }),
    );
    const result = await group("namesake").apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["start"]);
    expect(await groupsNamed("namesake", null)).toHaveLength(2);
    expect((await onlyGroup("namesake")).Description).toBe("group namesake");
  });

  it("creates a group without VpcId in the default VPC, and needs VpcId once the name is ambiguous", async () => {
    const { Vpcs = [] } = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
    );
    const unscoped = (): SecurityGroup => group("default-vpc", { VpcId: undefined });
    await unscoped().apply({ providerOptions });
    expect((await groupsNamed("default-vpc", Vpcs[0]?.VpcId ?? ""))[0]?.GroupName).toBe(
      name("default-vpc"),
    );
    expect((await unscoped().apply({ providerOptions })).particles[0]?.outcome).toBe("unchanged");

    await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name("default-vpc"),
        Description: "twin",
        VpcId: vpcId,
      }),
    );
    const error = await failureOf(unscoped().apply({ providerOptions }));
    expect(error.message).toMatch(/2 security groups are named .*default-vpc .*: set VpcId/);
  });

  it("terminates the group", async () => {
    await expectTerminates(import.meta.url, group, async (label) => {
      expect(await groupsNamed(label)).toEqual([]);
    });
  });

  it("deletes the group when asked to stop, and then counts it as stopped", async () => {
    await expectStopDeletes(import.meta.url, group, async (label) => {
      expect(await groupsNamed(label)).toEqual([]);
    });
  });

  it("terminates a group that is already gone", async () => {
    await expectTerminatesWhenGone(import.meta.url, group, async (label) =>
      ec2.send(new DeleteSecurityGroupCommand({ GroupId: (await onlyGroup(label)).GroupId })),
    );
  });

  it("refuses to change a group it did not create, until told to adopt it", async () => {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name("foreign"),
        Description: "group foreign",
        VpcId: vpcId,
      }),
    );
    const error = await failureOf(
      group("foreign", { IpPermissions: [HTTP] }).apply({ providerOptions }),
    );
    expect(error.message).toMatch(
      /refusing to update: security_group ".*foreign" exists but was not created/,
    );
    expect((await onlyGroup("foreign")).IpPermissions).toEqual([]);

    await group("foreign", { IpPermissions: [HTTP], custom_config: { adopt: true } }).apply({
      providerOptions,
    });
    expect(rulesText((await onlyGroup("foreign")).IpPermissions)).toEqual(["tcp 80 0.0.0.0/0"]);
    await group("foreign", { custom_config: { adopt: true } }).apply({
      providerOptions,
      desiredState: "terminated",
    });
    expect((await groupsNamed("foreign")).map((found) => found.GroupId)).not.toContain(GroupId);
  });

  it("reads a field of three groups with one DescribeSecurityGroups call", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    const { outcomes, counts } = await countReapply(import.meta.url, () =>
      labels.map((label) => group(label)),
    );
    expect(outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(counts).toEqual({ DescribeSecurityGroupsCommand: 1 });
  });

  it("loads PCF's own example definition and applies it and its update", async () => {
    // From capitalone/Particle-Cloud-Framework examples/particle/aws/vpc/use_security_group/example_security_group.py.
    const example = {
      pcf_name: "pcf_sg",
      flavor: "security_group",
      aws_resource: {
        Description: "pcf security group",
        GroupName: "hoos_security_group",
        VpcId: "vpc-1234567",
        DryRun: false,
        custom_config: {
          Tags: [{ Key: "Owner", Value: "Hoos" }],
          IpPermissionsEgress: [] as unknown[],
          IpPermissions: [
            {
              FromPort: 80,
              IpProtocol: "tcp",
              IpRanges: [{ CidrIp: "0.0.0.0/0" }],
              ToPort: 80,
              Ipv6Ranges: [],
              PrefixListIds: [],
              UserIdGroupPairs: [],
            },
          ],
        },
      },
    };
    expect((await loadField([example])).field.get("security_group:pcf_sg")).toBeInstanceOf(
      SecurityGroup,
    );

    const created = {
      ...example,
      aws_resource: { ...example.aws_resource, GroupName: name("example"), VpcId: vpcId },
    };
    await applyField((await loadField([created])).field, { providerOptions });
    const found = await onlyGroup("example");
    expect(rulesText(found.IpPermissions)).toEqual(["tcp 80 0.0.0.0/0"]);
    expect(found.IpPermissionsEgress).toEqual([]);

    // PCF's update: a tag changed and one added, an outbound rule, an inbound rule changed and one added.
    const rule = (IpProtocol: string, port: number, CidrIp: string): unknown => ({
      FromPort: port,
      IpProtocol,
      IpRanges: [{ CidrIp }],
      ToPort: port,
      Ipv6Ranges: [],
      PrefixListIds: [],
      UserIdGroupPairs: [],
    });
    const updated = {
      ...created,
      aws_resource: {
        ...created.aws_resource,
        custom_config: {
          Tags: [
            { Key: "Owner", Value: "WaHoo" },
            { Key: "PCF", Value: "pcf" },
          ],
          IpPermissionsEgress: [rule("tcp", 80, "0.0.0.0/0")],
          IpPermissions: [rule("tcp", 80, "0.0.0.0/16"), rule("udp", 9090, "0.0.0.0/32")],
        },
      },
    };
    const result = await applyField((await loadField([updated])).field, { providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    const after = await onlyGroup("example");
    expect(rulesText(after.IpPermissions)).toEqual(["tcp 80 0.0.0.0/16", "udp 9090 0.0.0.0/32"]);
    expect(rulesText(after.IpPermissionsEgress)).toEqual(["tcp 80 0.0.0.0/0"]);
    expect(tagMap(after.Tags)).toEqual({ Owner: "WaHoo", PCF: "pcf", ...OWNERSHIP });
    await applyField((await loadField([updated])).field, {
      providerOptions,
      desiredState: "terminated",
    });
    expect(await groupsNamed("example")).toEqual([]);
  });

  it("loads and applies PCF's example with the VPC as a parent and no VpcId", async () => {
    // From …/use_security_group/example_security_group_with_vpc_parent.py.
    const example = (vpcName: string, groupName: string): unknown => ({
      pcf_name: "sg_with_parent_vpc",
      flavor: "quasiparticle",
      particles: [
        {
          flavor: "vpc_instance",
          pcf_name: "vpc_parent",
          aws_resource: { custom_config: { vpc_name: vpcName }, CidrBlock: "10.0.0.0/16" },
        },
        {
          flavor: "security_group",
          parents: ["vpc_instance:vpc_parent"],
          aws_resource: {
            Description: "pcf security group",
            GroupName: groupName,
            DryRun: false,
            custom_config: {
              Tags: [{ Key: "Owner", Value: "Hoos" }],
              IpPermissionsEgress: [],
              IpPermissions: [],
            },
          },
        },
      ],
    });
    expect((await loadField([example("test", "Hoos")])).field.particles).toHaveLength(2);

    const renamed = example(name("parent-vpc"), name("parent"));
    const { field } = await loadField([renamed]);
    await applyField(field, { providerOptions });
    const vpcIdOfParent = field.get("vpc_instance:vpc_parent")?.currentStateDefinition["VpcId"];
    const [found] = await groupsNamed("parent", String(vpcIdOfParent));
    expect(found).toMatchObject({ Description: "pcf security group", IpPermissionsEgress: [] });

    const again = await applyField((await loadField([renamed])).field, { providerOptions });
    expect(again.particles.map((report) => report.outcome)).toEqual(["unchanged", "unchanged"]);
    await applyField((await loadField([renamed])).field, {
      providerOptions,
      desiredState: "terminated",
    });
    expect(await groupsNamed("parent", null)).toEqual([]);
  });

  it("discovers every group, others' too, but the default group of each VPC", async () => {
    await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name("discover"),
        Description: "someone else's",
        VpcId: vpcId,
      }),
    );
    const found = await discoverFlavor(SecurityGroup, createRunContext({ providerOptions }));
    const names = found?.map((entry) => entry.key) ?? [];
    expect(names).toContain(name("discover"));
    expect(names).not.toContain("default");
  });

  it("rejects a definition without its GroupName when constructed", () => {
    expect(
      () =>
        new SecurityGroup({
          pcf_name: "nameless",
          flavor: "security_group",
          aws_resource: { Description: "d", VpcId: "vpc-1" },
        }),
    ).toThrow(/unique key aws_resource\.GroupName is required/);
  });

  it("rejects wrong types, unknown fields and rules written twice, listing every problem", async () => {
    const { issues } = await definitionErrorOf([
      {
        pcf_name: "typed",
        flavor: "security_group",
        aws_resource: {
          GroupName: "typed",
          Description: 5,
          DryRun: true,
          Vpc: "vpc-1",
          IpPermissions: [{ IpProtocol: "tcp", FromPort: "80", IpRange: [] }],
          custom_config: { Tags: "team=net" },
        },
      },
      {
        pcf_name: "twice",
        flavor: "security_group",
        aws_resource: {
          GroupName: "twice",
          IpPermissions: [HTTP],
          custom_config: { IpPermissions: [HTTPS] },
        },
      },
    ]);
    expect(issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining([
        "aws_resource.Description",
        "aws_resource.DryRun",
        "aws_resource.IpPermissions[0].FromPort",
        "aws_resource.custom_config.Tags",
      ]),
    );
    expect(issues.some((issue) => /unknown field Vpc\b/.test(issue.message))).toBe(true);
    expect(issues.some((issue) => /unknown field IpRange\b/.test(issue.message))).toBe(true);
    expect(issues).toContainEqual(
      expect.objectContaining({
        particle: "security_group:twice",
        message: "write IpPermissions here or in custom_config, not both",
      }),
    );
  });
});
