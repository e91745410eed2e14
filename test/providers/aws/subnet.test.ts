import {
  CreateSubnetCommand,
  CreateTagsCommand,
  DeleteSubnetCommand,
  DescribeSubnetsCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  type Subnet as Ec2Subnet,
} from "@aws-sdk/client-ec2";
import { beforeAll, describe, expect, it } from "vitest";
import { applyField, loadField } from "../../../src/index.js";
import { Subnet } from "../../../src/providers/aws/vpc/subnet.js";
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
  pcfNameFilter,
  pcfNameTagSpecifications,
  tagMap,
} from "../../support/aws-fixtures.js";

const ec2 = verificationClient(EC2Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

/** The VPC the subnets of this file live in, made by a separate client. */
let vpcId = "";
/** Each label gets its own /24 of 10.0.0.0/16, so subnets never overlap. */
const cidrs = new Map<string, string>();

beforeAll(async () => {
  vpcId = await createVpc(ec2, "10.0.0.0/16");
});

function cidrOf(label: string): string {
  if (!cidrs.has(label)) cidrs.set(label, `10.0.${cidrs.size + 1}.0/24`);
  return cidrs.get(label) ?? "";
}

function subnet(label: string, block: Record<string, unknown> = {}): Subnet {
  const base = {
    CidrBlock: cidrOf(label),
    VpcId: vpcId,
    custom_config: { subnet_name: name(label) },
  };
  return new Subnet(definitionOf("subnet", label, base, block));
}

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

async function subnetsNamed(label: string): Promise<Ec2Subnet[]> {
  const { Subnets = [] } = await ec2.send(
    new DescribeSubnetsCommand({ Filters: pcfNameFilter(name(label)) }),
  );
  return Subnets;
}

async function onlySubnet(label: string): Promise<Ec2Subnet & { SubnetId: string }> {
  return onlyOne(await subnetsNamed(label), "SubnetId", `subnet ${label}`);
}

describe("subnet", () => {
  it("creates the subnet in its VPC and zone, tagged with its PCFName, tags and ownership", async () => {
    const particle = subnet("create", {
      AvailabilityZone: "us-east-1b",
      custom_config: { Tags: [{ Key: "tier", Value: "web" }] },
    });
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    const found = await onlySubnet("create");
    expect(found).toMatchObject({
      VpcId: vpcId,
      CidrBlock: cidrOf("create"),
      AvailabilityZone: "us-east-1b",
      MapPublicIpOnLaunch: false,
    });
    expect(tagMap(found.Tags)).toEqual({
      PCFName: name("create"),
      tier: "web",
      ...OWNERSHIP,
    });
    expect(particle.currentStateDefinition).toMatchObject({
      SubnetId: found.SubnetId,
      VpcId: vpcId,
    });
  });

  it("creates a public subnet when asked, in either spelling", async () => {
    await subnet("public", { MapPublicIpOnLaunch: true }).apply({ providerOptions });
    expect((await onlySubnet("public")).MapPublicIpOnLaunch).toBe(true);
    await subnet("public-pcf", { custom_config: { public: true } }).apply({ providerOptions });
    expect((await onlySubnet("public-pcf")).MapPublicIpOnLaunch).toBe(true);
  });

  it("reports a second apply as unchanged, tags as a list or a map alike", async () => {
    await subnet("noop", {
      custom_config: { public: false, Tags: [{ Key: "version", Value: 2 }] },
    }).apply({ providerOptions });
    const again = await subnet("noop", {
      MapPublicIpOnLaunch: false,
      custom_config: { Tags: { version: "2" } },
    }).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("updates tags and MapPublicIpOnLaunch in place", async () => {
    await subnet("update", { custom_config: { Tags: { tier: "web", old: "x" } } }).apply({
      providerOptions,
    });
    const result = await subnet("update", {
      custom_config: { public: true, Tags: { tier: "app", added: "y" } },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    const found = await onlySubnet("update");
    expect(found.MapPublicIpOnLaunch).toBe(true);
    expect(tagMap(found.Tags)).toEqual({
      PCFName: name("update"),
      tier: "app",
      added: "y",
      ...OWNERSHIP,
    });
  });

  it("corrects MapPublicIpOnLaunch and tags changed behind its back", async () => {
    const particle = subnet("drift", { MapPublicIpOnLaunch: false, custom_config: { Tags: {} } });
    await particle.apply({ providerOptions });
    const { SubnetId } = await onlySubnet("drift");
    await ec2.send(
      new ModifySubnetAttributeCommand({ SubnetId, MapPublicIpOnLaunch: { Value: true } }),
    );
    await ec2.send(
      new CreateTagsCommand({ Resources: [SubnetId], Tags: [{ Key: "x", Value: "1" }] }),
    );
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    const found = await onlySubnet("drift");
    expect(found.MapPublicIpOnLaunch).toBe(false);
    expect(tagMap(found.Tags)).toEqual({ PCFName: name("drift"), ...OWNERSHIP });
  });

  it("leaves MapPublicIpOnLaunch alone when the definition does not set it", async () => {
    await subnet("untouched").apply({ providerOptions });
    const { SubnetId } = await onlySubnet("untouched");
    await ec2.send(
      new ModifySubnetAttributeCommand({ SubnetId, MapPublicIpOnLaunch: { Value: true } }),
    );
    const result = await subnet("untouched").apply({ providerOptions });
    expect(result.particles[0]?.outcome).toBe("unchanged");
    expect((await onlySubnet("untouched")).MapPublicIpOnLaunch).toBe(true);
  });

  it("refuses to move the subnet to another range unless allowed, naming the field", async () => {
    await subnet("move").apply({ providerOptions });
    const error = await failureOf(
      subnet("move", { CidrBlock: "10.0.250.0/24" }).apply({ providerOptions }),
    );
    expect(error.message).toMatch(
      /aws_resource\.CidrBlock 10\.0\.\d+\.0\/24 → 10\.0\.250\.0\/24 can only change by replacing/,
    );
    expect((await onlySubnet("move")).CidrBlock).toBe(cidrOf("move"));
  });

  it("terminates the subnet", async () => {
    await expectTerminates(import.meta.url, subnet, async (label) => {
      expect(await subnetsNamed(label)).toEqual([]);
    });
  });

  it("deletes the subnet when asked to stop, and then counts it as stopped", async () => {
    await expectStopDeletes(import.meta.url, subnet, async (label) => {
      expect(await subnetsNamed(label)).toEqual([]);
    });
  });

  it("terminates a subnet that is already gone", async () => {
    await expectTerminatesWhenGone(import.meta.url, subnet, async (label) =>
      ec2.send(new DeleteSubnetCommand({ SubnetId: (await onlySubnet(label)).SubnetId })),
    );
  });

  it("refuses to terminate a subnet it did not create, until told to adopt it", async () => {
    await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: cidrOf("foreign"),
        TagSpecifications: pcfNameTagSpecifications("subnet", name("foreign")),
      }),
    );
    const error = await failureOf(
      subnet("foreign").apply({ providerOptions, desiredState: "terminated" }),
    );
    expect(error.message).toMatch(
      /refusing to terminate: subnet ".*foreign" exists but was not created/,
    );
    expect(await subnetsNamed("foreign")).toHaveLength(1);
    await subnet("foreign", { custom_config: { adopt: true } }).apply({
      providerOptions,
      desiredState: "terminated",
    });
    expect(await subnetsNamed("foreign")).toEqual([]);
  });

  it("fails before creating anything when it has no VpcId and no VPC parent", async () => {
    const { counter, providerOptions: counted } = countedOptions(import.meta.url);
    const particle = new Subnet({
      pcf_name: "orphan",
      flavor: "subnet",
      aws_resource: { CidrBlock: cidrOf("orphan"), custom_config: { subnet_name: "orphan" } },
    });
    const error = await failureOf(particle.apply({ providerOptions: counted }));
    expect(error.message).toMatch(
      /no VpcId: write one .* or give the subnet one running vpc_instance parent/,
    );
    expect(counter.count("CreateSubnetCommand")).toBe(0);
  });

  it("reads a field of three subnets with one DescribeSubnets call", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    const { outcomes, counts } = await countReapply(import.meta.url, () =>
      labels.map((label) => subnet(label)),
    );
    expect(outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(counts).toEqual({ DescribeSubnetsCommand: 1 });
  });

  it("loads PCF's own example definitions and applies the one with a VPC parent", async () => {
    // From capitalone/Particle-Cloud-Framework examples/particle/aws/vpc/use_subnet/example_subnet/example_subnet.py.
    const plain = {
      pcf_name: "pcf_subnet",
      flavor: "subnet",
      aws_resource: {
        custom_config: { subnet_name: "test" },
        CidrBlock: "10.0.0.0/16",
        VpcId: "123456789",
      },
    };
    expect((await loadField([plain])).field.get("subnet:pcf_subnet")).toBeInstanceOf(Subnet);

    // From …/use_subnet/example_subnet_with_vpc/example_subnet_with_vpc.py: the subnet finds its
    // VPC through `parents` alone, with no VpcId.
    const withVpc = (vpcName: string, subnetName: string): unknown => ({
      pcf_name: "subnet_with_vpc_parent",
      flavor: "quasiparticle",
      particles: [
        {
          flavor: "vpc_instance",
          pcf_name: "vpc_parent",
          aws_resource: { custom_config: { vpc_name: vpcName }, CidrBlock: "10.0.0.0/16" },
        },
        {
          flavor: "subnet",
          parents: ["vpc_instance:vpc_parent"],
          aws_resource: {
            custom_config: { subnet_name: subnetName, Tags: [{ Key: "Name", Value: "test" }] },
            CidrBlock: "10.0.0.0/24",
          },
        },
      ],
    });
    expect((await loadField([withVpc("test", "test")])).field.particles).toHaveLength(2);

    const subnetName = name("example");
    const renamed = withVpc(name("example-vpc"), subnetName);
    await applyField((await loadField([renamed])).field, { providerOptions });
    const found = await onlySubnet("example");
    expect(tagMap(found.Tags)).toEqual({ PCFName: subnetName, Name: "test", ...OWNERSHIP });
    expect(found.VpcId).not.toBe(vpcId);
    const again = await applyField((await loadField([renamed])).field, { providerOptions });
    expect(again.particles.map((report) => report.outcome)).toEqual(["unchanged", "unchanged"]);
    await applyField((await loadField([renamed])).field, {
      providerOptions,
      desiredState: "terminated",
    });
    expect(await subnetsNamed("example")).toEqual([]);
  });

  it("rejects a definition without its subnet_name when constructed", () => {
    expect(
      () =>
        new Subnet({
          pcf_name: "nameless",
          flavor: "subnet",
          aws_resource: { CidrBlock: "10.0.0.0/24", VpcId: "vpc-1" },
        }),
    ).toThrow(/unique key aws_resource\.custom_config\.subnet_name is required/);
  });

  it("rejects wrong types, unknown fields and contradicting flags, listing every problem", async () => {
    const { issues } = await definitionErrorOf([
      {
        pcf_name: "typed",
        flavor: "subnet",
        aws_resource: {
          CidrBlock: ["10.0.0.0/24"],
          AvailabilityZon: "us-east-1a",
          MapPublicIpOnLaunch: "yes",
          custom_config: { subnet_name: "typed", Tags: [{ Key: "a" }] },
        },
      },
      {
        pcf_name: "contradiction",
        flavor: "subnet",
        aws_resource: {
          MapPublicIpOnLaunch: true,
          custom_config: { subnet_name: "contradiction", public: false },
        },
      },
    ]);
    expect(issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining([
        "aws_resource.CidrBlock",
        "aws_resource.MapPublicIpOnLaunch",
        "aws_resource.custom_config.Tags",
      ]),
    );
    expect(issues.some((issue) => /unknown field AvailabilityZon/.test(issue.message))).toBe(true);
    expect(issues).toContainEqual(
      expect.objectContaining({
        particle: "subnet:contradiction",
        message: "MapPublicIpOnLaunch and custom_config.public disagree",
      }),
    );
  });
});
