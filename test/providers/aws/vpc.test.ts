import {
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
  type Vpc,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { Field, applyField, loadField, planField } from "../../../src/index.js";
import { createRunContext } from "../../../src/core/run-context.js";
import { discoverFlavor } from "../../../src/providers/kit/discovery.js";
import { dnsChanges } from "../../../src/providers/aws/vpc/vpc-dns.js";
import { VpcInstance } from "../../../src/providers/aws/vpc/vpc.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import {
  OWNERSHIP,
  countReapply,
  definitionErrorOf,
  definitionOf,
  expectStopDeletes,
  expectTerminates,
  expectTerminatesWhenGone,
  failureOf,
  onlyOne,
  pcfNameFilter,
  pcfNameTagSpecifications,
  tagMap,
} from "../../support/aws-fixtures.js";

const ec2 = verificationClient(EC2Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

function vpc(label: string, block: Record<string, unknown> = {}): VpcInstance {
  const base = { CidrBlock: "10.0.0.0/16", custom_config: { vpc_name: name(label) } };
  return new VpcInstance(definitionOf("vpc_instance", label, base, block));
}

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

/** The VPCs tagged PCFName=`name`, as a separate client sees them. */
async function vpcsNamed(label: string): Promise<Vpc[]> {
  const { Vpcs = [] } = await ec2.send(
    new DescribeVpcsCommand({ Filters: pcfNameFilter(name(label)) }),
  );
  return Vpcs;
}

async function onlyVpc(label: string): Promise<Vpc & { VpcId: string }> {
  return onlyOne(await vpcsNamed(label), "VpcId", `VPC ${label}`);
}

async function dnsOf(vpcId: string): Promise<{ hostnames?: boolean; support?: boolean }> {
  const [hostnames, support] = await Promise.all([
    ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: "enableDnsHostnames" })),
    ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: "enableDnsSupport" })),
  ]);
  return {
    hostnames: hostnames.EnableDnsHostnames?.Value,
    support: support.EnableDnsSupport?.Value,
  };
}

describe("vpc_instance", () => {
  it("creates the VPC tagged with its PCFName, its tags and the ownership tag, DNS set", async () => {
    const particle = vpc("create", {
      EnableDnsHostnames: true,
      custom_config: { Tags: [{ Key: "team", Value: "net" }] },
    });
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    const found = await onlyVpc("create");
    expect(found).toMatchObject({ CidrBlock: "10.0.0.0/16", State: "available" });
    expect(tagMap(found.Tags)).toEqual({
      PCFName: name("create"),
      team: "net",
      ...OWNERSHIP,
    });
    expect(await dnsOf(found.VpcId)).toEqual({ hostnames: true, support: true });
    expect(particle.currentStateDefinition).toMatchObject({ VpcId: found.VpcId });
  });

  it("reports a second apply as unchanged, tags as a list or a map alike", async () => {
    await vpc("noop", {
      EnableDnsSupport: { Value: true },
      custom_config: { Tags: [{ Key: "version", Value: 2 }] },
    }).apply({ providerOptions });
    const again = await vpc("noop", {
      EnableDnsSupport: true,
      custom_config: { Tags: { version: "2" } },
    }).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("updates tags and DNS attributes in place", async () => {
    await vpc("update", { custom_config: { Tags: { team: "net", old: "x" } } }).apply({
      providerOptions,
    });
    const result = await vpc("update", {
      EnableDnsHostnames: true,
      custom_config: { Tags: { team: "platform", added: "y" } },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    const found = await onlyVpc("update");
    expect(tagMap(found.Tags)).toEqual({
      PCFName: name("update"),
      team: "platform",
      added: "y",
      ...OWNERSHIP,
    });
    expect((await dnsOf(found.VpcId)).hostnames).toBe(true);
  });

  it("turns DNS support and host names off together", async () => {
    await vpc("dns-off", { EnableDnsHostnames: true, EnableDnsSupport: true }).apply({
      providerOptions,
    });
    await vpc("dns-off", { EnableDnsHostnames: false, EnableDnsSupport: false }).apply({
      providerOptions,
    });
    expect(await dnsOf((await onlyVpc("dns-off")).VpcId)).toEqual({
      hostnames: false,
      support: false,
    });
  });

  it("orders DNS changes so host names are never on without DNS support", () => {
    expect(
      dnsChanges({ EnableDnsHostnames: true, EnableDnsSupport: true }, {}).map((c) => c.field),
    ).toEqual(["EnableDnsSupport", "EnableDnsHostnames"]);
    expect(
      dnsChanges({ EnableDnsHostnames: false, EnableDnsSupport: { Value: false } }, {}).map(
        (c) => c.field,
      ),
    ).toEqual(["EnableDnsHostnames", "EnableDnsSupport"]);
    expect(dnsChanges({ EnableDnsHostnames: true }, { EnableDnsHostnames: true })).toEqual([]);
  });

  it("corrects tags and DNS attributes changed behind its back", async () => {
    const particle = vpc("drift", {
      EnableDnsHostnames: true,
      custom_config: { Tags: { a: "1" } },
    });
    await particle.apply({ providerOptions });
    const { VpcId } = await onlyVpc("drift");
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsHostnames: { Value: false } }));
    await ec2.send(new DeleteTagsCommand({ Resources: [VpcId], Tags: [{ Key: "a" }] }));
    await ec2.send(new CreateTagsCommand({ Resources: [VpcId], Tags: [{ Key: "b", Value: "2" }] }));
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(tagMap((await onlyVpc("drift")).Tags)).toEqual({
      PCFName: name("drift"),
      a: "1",
      ...OWNERSHIP,
    });
    expect((await dnsOf(VpcId)).hostnames).toBe(true);
  });

  it("refuses to change the CIDR block unless allowed, naming the field and the way out", async () => {
    await vpc("cidr").apply({ providerOptions });
    const error = await failureOf(
      vpc("cidr", { CidrBlock: "10.9.0.0/16" }).apply({ providerOptions }),
    );
    expect(error.message).toMatch(
      /aws_resource\.CidrBlock 10\.0\.0\.0\/16 → 10\.9\.0\.0\/16 can only change by replacing the resource .*--allow-replace/,
    );
    expect((await onlyVpc("cidr")).CidrBlock).toBe("10.0.0.0/16");
  });

  it("replaces the VPC for a new CIDR block when custom_config.replace_on_change allows it", async () => {
    await vpc("recidr").apply({ providerOptions });
    const before = (await onlyVpc("recidr")).VpcId;
    const result = await vpc("recidr", {
      CidrBlock: "10.9.0.0/16",
      custom_config: { vpc_name: name("recidr"), replace_on_change: true },
    }).apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["terminate", "start"]);
    const after = await onlyVpc("recidr");
    expect(after.CidrBlock).toBe("10.9.0.0/16");
    expect(after.VpcId).not.toBe(before);
  });

  it("terminates the VPC", async () => {
    await expectTerminates(import.meta.url, vpc, async (label) => {
      expect(await vpcsNamed(label)).toEqual([]);
    });
  });

  it("deletes the VPC when asked to stop, and then counts it as stopped", async () => {
    await expectStopDeletes(import.meta.url, vpc, async (label) => {
      expect(await vpcsNamed(label)).toEqual([]);
    });
  });

  it("terminates a VPC that is already gone", async () => {
    await expectTerminatesWhenGone(import.meta.url, vpc, async (label) =>
      ec2.send(new DeleteVpcCommand({ VpcId: (await onlyVpc(label)).VpcId })),
    );
  });

  it("fails to delete a VPC that still has a subnet, naming the subnet", async () => {
    await vpc("busy").apply({ providerOptions });
    const { VpcId } = await onlyVpc("busy");
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({
        VpcId,
        CidrBlock: "10.0.1.0/24",
        TagSpecifications: [
          { ResourceType: "subnet", Tags: [{ Key: "Name", Value: "left-over" }] },
        ],
      }),
    );
    const error = await failureOf(
      vpc("busy").apply({ providerOptions, desiredState: "terminated" }),
    );
    expect(error.message).toContain(`delete vpc_instance "${name("busy")}"`);
    expect(error.message).toMatch(/DependencyViolation/);
    expect(error.message).toContain(`still in it: subnet ${Subnet?.SubnetId ?? "?"} (left-over)`);
    expect(await vpcsNamed("busy")).toHaveLength(1);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: Subnet?.SubnetId }));
    await vpc("busy").apply({ providerOptions, desiredState: "terminated" });
    expect(await vpcsNamed("busy")).toEqual([]);
  });

  it("refuses to terminate a VPC it did not create, until told to adopt it", async () => {
    await ec2.send(
      new CreateVpcCommand({
        CidrBlock: "10.1.0.0/16",
        TagSpecifications: pcfNameTagSpecifications("vpc", name("foreign")),
      }),
    );
    const error = await failureOf(
      vpc("foreign").apply({ providerOptions, desiredState: "terminated" }),
    );
    expect(error.message).toMatch(
      /refusing to terminate: vpc_instance ".*foreign" exists but was not created by particle-cloud.*adopt: true/,
    );
    expect(await vpcsNamed("foreign")).toHaveLength(1);

    await vpc("foreign", { custom_config: { adopt: true } }).apply({
      providerOptions,
      desiredState: "terminated",
    });
    expect(await vpcsNamed("foreign")).toEqual([]);
  });

  it("plans a VPC it did not create as not its own, never as silently unchanged", async () => {
    await ec2.send(
      new CreateVpcCommand({
        CidrBlock: "10.0.0.0/16",
        TagSpecifications: pcfNameTagSpecifications("vpc", name("unowned")),
      }),
    );
    const plan = await planField(new Field([vpc("unowned")]), { providerOptions });
    expect(plan.particles[0]).toMatchObject({
      transitions: [],
      note: expect.stringMatching(/not created by particle-cloud.*`pcf apply --adopt unowned`/),
    });
    const adopted = await planField(
      new Field([vpc("unowned", { custom_config: { vpc_name: name("unowned"), adopt: true } })]),
      { providerOptions },
    );
    // Adopting writes the ownership tag: one update, and no note.
    expect(adopted.particles[0]?.note).toBeUndefined();
    expect(adopted.particles[0]?.transitions).toEqual(["update"]);
  });

  it("fails clearly when two VPCs carry its name, instead of creating a third", async () => {
    for (const CidrBlock of ["10.2.0.0/16", "10.3.0.0/16"])
      await ec2.send(
        new CreateVpcCommand({
          CidrBlock,
          TagSpecifications: pcfNameTagSpecifications("vpc", name("twice")),
        }),
      );
    const error = await failureOf(vpc("twice").apply({ providerOptions }));
    expect(error.message).toMatch(/2 VPCs carry the tag PCFName=.*twice \(vpc-.*, vpc-.*\)/);
    expect(await vpcsNamed("twice")).toHaveLength(2);
  });

  it("reads a field of three VPCs with one DescribeVpcs call", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    const { outcomes, counts } = await countReapply(import.meta.url, () =>
      labels.map((label) => vpc(label)),
    );
    expect(outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(counts).toEqual({ DescribeVpcsCommand: 1 });
  });

  it("loads and applies PCF's own example definition", async () => {
    // From capitalone/Particle-Cloud-Framework examples/particle/aws/vpc/use_vpc/example_vpc_instance.py.
    const example = {
      pcf_name: "pcf_vpc",
      flavor: "vpc_instance",
      aws_resource: {
        custom_config: { vpc_name: "test", Tags: [{ Key: "Name", Value: "test" }] },
        CidrBlock: "10.0.0.0/16",
        AmazonProvidedIpv6CidrBlock: true,
      },
    };
    const { field } = await loadField([example]);
    expect(field.get("vpc_instance:pcf_vpc")).toBeInstanceOf(VpcInstance);

    const renamed = {
      ...example,
      aws_resource: {
        ...example.aws_resource,
        custom_config: { ...example.aws_resource.custom_config, vpc_name: name("example") },
      },
    };
    await applyField((await loadField([renamed])).field, { providerOptions });
    const found = await onlyVpc("example");
    expect(tagMap(found.Tags)).toEqual({ PCFName: name("example"), Name: "test", ...OWNERSHIP });
    expect(found.Ipv6CidrBlockAssociationSet).toHaveLength(1);
    const again = await applyField((await loadField([renamed])).field, { providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
    await applyField((await loadField([renamed])).field, {
      providerOptions,
      desiredState: "terminated",
    });
    expect(await vpcsNamed("example")).toEqual([]);
  });

  it("discovers the VPCs named by a PCFName tag, leaving out the default VPC and untagged ones", async () => {
    await vpc("discover").apply({ providerOptions });
    const { Vpc: untagged } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }));
    const found = await discoverFlavor(VpcInstance, createRunContext({ providerOptions }));
    const { Vpcs: defaults = [] } = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
    );
    expect(defaults).not.toHaveLength(0);
    expect(found?.map((entry) => entry.key)).toContain(name("discover"));
    expect(found?.every((entry) => entry.key !== "undefined")).toBe(true);
    await ec2.send(new DeleteVpcCommand({ VpcId: untagged?.VpcId }));
  });

  it("rejects a definition without its vpc_name when constructed", () => {
    expect(
      () =>
        new VpcInstance({
          pcf_name: "nameless",
          flavor: "vpc_instance",
          aws_resource: { CidrBlock: "10.0.0.0/16" },
        }),
    ).toThrow(/unique key aws_resource\.custom_config\.vpc_name is required/);
  });

  it("rejects wrong types and unknown fields, listing every problem", async () => {
    const { issues } = await definitionErrorOf([
      {
        pcf_name: "typed",
        flavor: "vpc_instance",
        aws_resource: {
          CidrBlock: 10,
          EnableDnsHostnames: "yes",
          CidrBlok: "10.0.0.0/16",
          custom_config: { vpc_name: "typed", Tags: "team=net" },
        },
      },
    ]);
    expect(issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining([
        "aws_resource.CidrBlock",
        "aws_resource.EnableDnsHostnames",
        "aws_resource.custom_config.Tags",
      ]),
    );
    expect(issues.some((issue) => /unknown field CidrBlok/.test(issue.message))).toBe(true);
  });
});
