import {
  CreateImageCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { CreateInstanceProfileCommand, CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { DefinitionError, PcfError } from "../../../src/index.js";
import { createRunContext, type RunContext } from "../../../src/core/run-context.js";
import { AWSResource } from "../../../src/providers/aws/resource.js";
import { OWNERSHIP_TAGS } from "../../../src/providers/aws/tags.js";
import type { Observation } from "../../../src/providers/kit/facts.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import { countedOptions } from "../../support/aws-fixtures.js";

/** A particle that only holds an `aws_resource` block, to watch its lookups resolve. */
class LookupProbe extends AWSResource<Record<string, unknown>, Record<string, unknown>> {
  static override readonly flavor: string = "lookup_probe";
  static override readonly Client = EC2Client;
  /** The definition `create` saw, once lookups were resolved: the probe's "cloud". */
  started: Record<string, unknown> | undefined;

  protected override list(): Promise<ReadonlyMap<string, Record<string, unknown>>> {
    return Promise.resolve(new Map(this.started === undefined ? [] : [[this.key, this.started]]));
  }
  protected override observe(live: Record<string, unknown>): Observation {
    return { state: "running", definition: live, tags: OWNERSHIP_TAGS };
  }
  protected override create(): Promise<Record<string, unknown>> {
    this.started = this.desiredStateDefinition;
    return Promise.resolve(this.started);
  }
  protected override remove(): Promise<void> {
    this.started = undefined;
    return Promise.resolve();
  }
}

function probe(block: Record<string, unknown>, name = "probe"): LookupProbe {
  return new LookupProbe({ pcf_name: name, flavor: "lookup_probe", aws_resource: block });
}

const ec2 = verificationClient(EC2Client, import.meta.url);
const iam = verificationClient(IAMClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);
const names = {
  image: uniqueName(import.meta.url, "image"),
  subnet: uniqueName(import.meta.url, "subnet"),
  web: uniqueName(import.meta.url, "web"),
  ssh: uniqueName(import.meta.url, "ssh"),
  role: uniqueName(import.meta.url, "role"),
  profile: uniqueName(import.meta.url, "profile"),
};
const ids = { image: "", subnet: "", web: "", ssh: "", role: "", profile: "", euSubnet: "" };

function context(options = providerOptions): RunContext {
  return createRunContext({ providerOptions: options });
}

beforeAll(async () => {
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.40.0.0/16" }));
  const VpcId = Vpc?.VpcId;
  const { Subnet } = await ec2.send(
    new CreateSubnetCommand({
      VpcId,
      CidrBlock: "10.40.1.0/24",
      TagSpecifications: [{ ResourceType: "subnet", Tags: [{ Key: "Name", Value: names.subnet }] }],
    }),
  );
  ids.subnet = Subnet?.SubnetId ?? "";
  ids.web =
    (
      await ec2.send(
        new CreateSecurityGroupCommand({ GroupName: names.web, Description: "web", VpcId }),
      )
    ).GroupId ?? "";
  ids.ssh =
    (
      await ec2.send(
        new CreateSecurityGroupCommand({ GroupName: names.ssh, Description: "ssh", VpcId }),
      )
    ).GroupId ?? "";
  const { Instances = [] } = await ec2.send(
    new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: 1, MaxCount: 1 }),
  );
  const InstanceId = Instances[0]?.InstanceId;
  ids.image =
    (await ec2.send(new CreateImageCommand({ InstanceId, Name: names.image }))).ImageId ?? "";
  await ec2.send(new CreateImageCommand({ InstanceId, Name: `${names.image}-twin` }));
  ids.role =
    (
      await iam.send(
        new CreateRoleCommand({ RoleName: names.role, AssumeRolePolicyDocument: "{}" }),
      )
    ).Role?.Arn ?? "";
  ids.profile =
    (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: names.profile })))
      .InstanceProfile?.Arn ?? "";

  const euEc2 = verificationClient(EC2Client, import.meta.url, { region: "eu-west-1" });
  const euVpc = await euEc2.send(new CreateVpcCommand({ CidrBlock: "10.41.0.0/16" }));
  const euSubnet = await euEc2.send(
    new CreateSubnetCommand({
      VpcId: euVpc.Vpc?.VpcId,
      CidrBlock: "10.41.1.0/24",
      TagSpecifications: [{ ResourceType: "subnet", Tags: [{ Key: "Name", Value: names.subnet }] }],
    }),
  );
  ids.euSubnet = euSubnet.Subnet?.SubnetId ?? "";
}, 60_000);

describe("$lookup$", () => {
  it("resolves an AMI by its exact name", async () => {
    const resolved = await probe({ ImageId: `$lookup$ami$${names.image}` }).resolveDefinition(
      { ImageId: `$lookup$ami$${names.image}` },
      context(),
    );
    expect(resolved).toEqual({ ImageId: ids.image });
  });

  it("refuses an AMI name that matches more than one image", async () => {
    const block = { ImageId: `$lookup$ami$${names.image}*` };
    await expect(probe(block).resolveDefinition(block, context())).rejects.toMatchObject({
      code: "REFERENCE_UNRESOLVED",
      message: expect.stringMatching(/2 matches for image named .*expected exactly one/) as unknown,
    });
  });

  it("resolves a subnet by its Name tag in the particle's region", async () => {
    const block = { SubnetId: `$lookup$subnet$${names.subnet}` };
    expect(await probe(block).resolveDefinition(block, context())).toEqual({
      SubnetId: ids.subnet,
    });
    const inEurope = { ...block, region_name: "eu-west-1" };
    expect(await probe(inEurope).resolveDefinition(inEurope, context())).toEqual({
      SubnetId: ids.euSubnet,
      region_name: "eu-west-1",
    });
  });

  it("resolves security groups named with ':' into a list, spliced into an enclosing list", async () => {
    const block = {
      SecurityGroupIds: `$lookup$security_group$${names.web}:${names.ssh}`,
      NetworkInterfaces: [
        { Groups: ["sg-fixed", `$lookup$security_group$${names.ssh}:${names.web}`] },
      ],
    };
    expect(await probe(block).resolveDefinition(block, context())).toEqual({
      SecurityGroupIds: [ids.web, ids.ssh],
      NetworkInterfaces: [{ Groups: ["sg-fixed", ids.ssh, ids.web] }],
    });
  });

  it("resolves an IAM role and an instance profile to their ARNs", async () => {
    const block = {
      RoleArn: `$lookup$iam$role:${names.role}`,
      Profile: { Arn: `$lookup$iam$instance-profile:${names.profile}` },
    };
    expect(await probe(block).resolveDefinition(block, context())).toEqual({
      RoleArn: ids.role,
      Profile: { Arn: ids.profile },
    });
  });

  it("reports an unresolvable lookup with the lookup, the particle and the field", async () => {
    const block = { Nested: { RoleArn: "$lookup$iam$role:no-such-role" } };
    const error = await probe(block, "needs-role")
      .resolveDefinition(block, context())
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(PcfError);
    expect(error).toMatchObject({
      code: "REFERENCE_UNRESOLVED",
      where: { particle: "lookup_probe:needs-role", field: "aws_resource.Nested.RoleArn" },
      message: expect.stringMatching(
        /\$lookup\$iam\$role:no-such-role.*no role named "no-such-role"/,
      ) as unknown,
    });
    await expect(
      probe({ SubnetId: "$lookup$subnet$nowhere" }, "needs-subnet").apply({ providerOptions }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/no subnet tagged Name="nowhere" in us-east-1/) as unknown,
    });
  });

  it("rejects unknown kinds and malformed names when the particle is constructed", () => {
    const make = (): LookupProbe =>
      probe({ A: "$lookup$instance$web", B: "$lookup$iam$user:bob", C: "$lookup$subnet$" });
    expect(make).toThrow(DefinitionError);
    try {
      make();
    } catch (error) {
      expect((error as DefinitionError).issues.map((issue) => issue.field)).toEqual([
        "aws_resource.A",
        "aws_resource.B",
        "aws_resource.C",
      ]);
    }
  });

  it("runs each distinct lookup once per run, however many particles use it", async () => {
    const { counter, providerOptions: counted } = countedOptions(import.meta.url);
    const run = context(counted);
    const block = {
      SubnetId: `$lookup$subnet$${names.subnet}`,
      Groups: `$lookup$security_group$${names.web}`,
    };
    await Promise.all(
      [probe(block, "one"), probe(block, "two"), probe(block, "three")].map((particle) =>
        particle.resolveDefinition(block, run),
      ),
    );
    expect(counter.all()).toEqual({ DescribeSubnetsCommand: 1, DescribeSecurityGroupsCommand: 1 });
  });

  it("hands resolved values to transitions, and leaves unresolvable ones alone when going down", async () => {
    const particle = probe({ SubnetId: `$lookup$subnet$${names.subnet}` });
    await particle.apply({ providerOptions });
    expect(particle.started).toEqual({ SubnetId: ids.subnet });

    const orphan = probe({ SubnetId: "$lookup$subnet$deleted-already" }, "orphan");
    orphan.started = {};
    const result = await orphan.apply({ providerOptions, desiredState: "terminated" });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
  });
});
