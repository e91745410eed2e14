import {
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import {
  FlavorRegistry,
  PcfError,
  loadField,
  type ParticleDefinition,
} from "../../../src/index.js";
import { EC2Extended } from "../../../examples/seed/ec2-extended.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import {
  countedOptions,
  definitionOf,
  pcfNameFilter,
  pcfNameTagSpecifications,
} from "../../support/aws-fixtures.js";

const ec2 = verificationClient(EC2Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);
const AMI = "ami-12c6146b";

function extendedDefinition(
  label: string,
  block: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
): ParticleDefinition {
  const base = {
    ImageId: AMI,
    custom_config: { instance_name: uniqueName(import.meta.url, label) },
  };
  return definitionOf("ec2_extended", label, base, { ...block, custom_config: config });
}

async function liveInstance(label: string): Promise<Instance | undefined> {
  const { Reservations = [] } = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        ...pcfNameFilter(uniqueName(import.meta.url, label)),
        { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
      ],
    }),
  );
  return Reservations[0]?.Instances?.[0];
}

async function groupsOf(label: string): Promise<(string | undefined)[]> {
  return ((await liveInstance(label))?.SecurityGroups ?? []).map((group) => group.GroupId).sort();
}

async function securityGroup(label: string): Promise<string> {
  const { GroupId } = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: uniqueName(import.meta.url, label),
      Description: label,
    }),
  );
  return GroupId ?? "";
}

async function rejection(promise: Promise<unknown>): Promise<PcfError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(PcfError);
  return error as PcfError;
}

describe("ec2_extended (the seed's EC2Extended)", () => {
  it("adds a security group to the running instance, and a later apply keeps it", async () => {
    const [web, ssh] = [await securityGroup("web"), await securityGroup("ssh")];
    const particle = new EC2Extended(extendedDefinition("add", { SecurityGroupIds: [web] }));
    await particle.apply({ providerOptions });

    const groups = await particle.addSecurityGroup(ssh, { providerOptions });
    expect(groups).toEqual([web, ssh]);
    expect(await groupsOf("add")).toEqual([web, ssh].sort());

    const again = await particle.apply({ providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
    expect(await groupsOf("add")).toEqual([web, ssh].sort());
  });

  it("adds a group to a stopped instance", async () => {
    const extra = await securityGroup("stopped-extra");
    const particle = new EC2Extended(extendedDefinition("stopped"));
    await particle.apply({ providerOptions, desiredState: "stopped" });
    await particle.addSecurityGroup(extra, { providerOptions });
    expect(await groupsOf("stopped")).toContain(extra);
  });

  it("changes nothing when the instance has the group already", async () => {
    const web = await securityGroup("present");
    const particle = new EC2Extended(extendedDefinition("present", { SecurityGroupIds: [web] }));
    await particle.apply({ providerOptions });
    const { counter, providerOptions: counted } = countedOptions(import.meta.url);
    const groups = await particle.addSecurityGroup(web, { providerOptions: counted });
    expect(groups).toEqual([web]);
    expect(counter.all()).toEqual({ DescribeInstancesCommand: 1 });
  });

  it("fails clearly when there is no live instance", async () => {
    const particle = new EC2Extended(extendedDefinition("absent"));
    const error = await rejection(particle.addSecurityGroup("sg-1", { providerOptions }));
    expect(error.code).toBe("TRANSITION_FAILED");
    expect(error.message).toMatch(/cannot add a security group: .*absent.* is terminated/);
  });

  it("refuses an instance it did not launch unless told to adopt it", async () => {
    const extra = await securityGroup("foreign-extra");
    await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: pcfNameTagSpecifications(
          "instance",
          uniqueName(import.meta.url, "foreign"),
        ),
      }),
    );
    const error = await rejection(
      new EC2Extended(extendedDefinition("foreign")).addSecurityGroup(extra, { providerOptions }),
    );
    expect(error.message).toMatch(/refusing to update/);
    expect(await groupsOf("foreign")).not.toContain(extra);

    await new EC2Extended(extendedDefinition("foreign", {}, { adopt: true })).addSecurityGroup(
      extra,
      { providerOptions },
    );
    expect(await groupsOf("foreign")).toContain(extra);
  });

  it("loads from a definition once its flavor is registered", async () => {
    const registry = new FlavorRegistry();
    registry.register(EC2Extended);
    const { field } = await loadField([extendedDefinition("loaded")], { registry });
    expect(field.get("ec2_extended:loaded")).toBeInstanceOf(EC2Extended);
  });
});
