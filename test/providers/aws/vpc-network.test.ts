import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { applyField, loadField, type EngineEvent } from "../../../src/index.js";
import {
  RequestCounter,
  awsTestOptions,
  uniqueName,
  verificationClient,
} from "../../support/aws.js";
import { pcfNameFilter } from "../../support/aws-fixtures.js";

const ec2 = verificationClient(EC2Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);
const name = (label: string): string => uniqueName(import.meta.url, label);

/**
 * A VPC with a subnet and two security groups, as a PCF file would write them: the children take
 * the VPC's id with `$inherit$`, and the app group admits the web group by its inherited id.
 */
function network(): unknown[] {
  return [
    {
      pcf_name: "net",
      flavor: "vpc_instance",
      aws_resource: {
        CidrBlock: "10.20.0.0/16",
        EnableDnsHostnames: true,
        custom_config: { vpc_name: name("net"), Tags: [{ Key: "Name", Value: "net" }] },
      },
    },
    {
      pcf_name: "web",
      flavor: "subnet",
      aws_resource: {
        CidrBlock: "10.20.1.0/24",
        AvailabilityZone: "us-east-1a",
        VpcId: "$inherit$vpc_instance:net$VpcId",
        custom_config: { subnet_name: name("web") },
      },
    },
    {
      pcf_name: "web",
      flavor: "security_group",
      aws_resource: {
        GroupName: name("web"),
        Description: "web servers",
        VpcId: "$inherit$vpc_instance:net$VpcId",
        custom_config: {
          IpPermissions: [
            { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
          ],
        },
      },
    },
    {
      pcf_name: "app",
      flavor: "security_group",
      aws_resource: {
        GroupName: name("app"),
        Description: "app servers",
        VpcId: "$inherit$vpc_instance:net$VpcId",
        custom_config: {
          IpPermissions: [
            {
              IpProtocol: "tcp",
              FromPort: 8080,
              ToPort: 8080,
              UserIdGroupPairs: [{ GroupId: "$inherit$security_group:web$GroupId" }],
            },
          ],
        },
      },
    },
  ];
}

/** Runs `apply` on a freshly loaded field and returns the events it emitted. */
async function applyNetwork(
  desiredState: "running" | "terminated",
  options: { counter?: RequestCounter } = {},
): Promise<{ events: EngineEvent[]; outcomes: string[] }> {
  const events: EngineEvent[] = [];
  const { field } = await loadField(network());
  const result = await applyField(field, {
    desiredState,
    onEvent: (event) => events.push(event),
    providerOptions:
      options.counter === undefined
        ? providerOptions
        : awsTestOptions(import.meta.url, { configureClient: options.counter.attach }),
  });
  return { events, outcomes: result.particles.map((report) => report.outcome) };
}

/** The `seq` of the first event of `type` for `particle`. */
function seqOf(events: readonly EngineEvent[], type: string, particle: string): number {
  const found = events.find(
    (event) => event.type === type && "particle" in event && event.particle === particle,
  );
  if (found === undefined) throw new Error(`no ${type} for ${particle}`);
  return found.seq;
}

async function live(): Promise<{
  vpcIds: string[];
  subnetVpcs: string[];
  groups: Map<string, string>;
}> {
  const [vpcs, subnets, groups] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ Filters: pcfNameFilter(name("net")) })),
    ec2.send(new DescribeSubnetsCommand({ Filters: pcfNameFilter(name("web")) })),
    ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "group-name", Values: [name("web"), name("app")] }],
      }),
    ),
  ]);
  return {
    vpcIds: (vpcs.Vpcs ?? []).map((vpc) => vpc.VpcId ?? ""),
    subnetVpcs: (subnets.Subnets ?? []).map((subnet) => subnet.VpcId ?? ""),
    groups: new Map(
      (groups.SecurityGroups ?? []).map((group) => [group.GroupName ?? "", group.VpcId ?? ""]),
    ),
  };
}

describe("a VPC with a subnet and security groups", () => {
  it("creates the VPC first, then the children inside it, then leaves them unchanged", async () => {
    const { events, outcomes } = await applyNetwork("running");
    expect(outcomes).toEqual(["converged", "converged", "converged", "converged"]);
    const vpcCreated = seqOf(events, "transition.end", "vpc_instance:net");
    for (const child of ["subnet:web", "security_group:web", "security_group:app"])
      expect(seqOf(events, "transition.start", child)).toBeGreaterThan(vpcCreated);
    expect(seqOf(events, "transition.start", "security_group:app")).toBeGreaterThan(
      seqOf(events, "transition.end", "security_group:web"),
    );

    const { vpcIds, subnetVpcs, groups } = await live();
    expect(vpcIds).toHaveLength(1);
    const [vpcId] = vpcIds;
    expect(subnetVpcs).toEqual([vpcId]);
    expect(groups).toEqual(
      new Map([
        [name("web"), vpcId],
        [name("app"), vpcId],
      ]),
    );
    const { SecurityGroups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "group-name", Values: [name("app"), name("web")] }],
      }),
    );
    const webId = SecurityGroups.find((group) => group.GroupName === name("web"))?.GroupId;
    const app = SecurityGroups.find((group) => group.GroupName === name("app"));
    expect(app?.IpPermissions?.[0]?.UserIdGroupPairs?.[0]?.GroupId).toBe(webId);

    const counter = new RequestCounter();
    const again = await applyNetwork("running", { counter });
    expect(again.outcomes).toEqual(["unchanged", "unchanged", "unchanged", "unchanged"]);
    expect(counter.all()).toEqual({
      DescribeVpcsCommand: 1,
      DescribeVpcAttributeCommand: 1,
      DescribeSubnetsCommand: 1,
      DescribeSecurityGroupsCommand: 1,
    });
  });

  it("terminates the children before the VPC, though they inherit from it", async () => {
    await applyNetwork("running");
    const { events, outcomes } = await applyNetwork("terminated");
    expect(outcomes).toEqual(["converged", "converged", "converged", "converged"]);
    const vpcDeleteStart = seqOf(events, "transition.start", "vpc_instance:net");
    for (const child of ["subnet:web", "security_group:web", "security_group:app"])
      expect(seqOf(events, "transition.end", child)).toBeLessThan(vpcDeleteStart);
    expect(seqOf(events, "transition.end", "security_group:app")).toBeLessThan(
      seqOf(events, "transition.start", "security_group:web"),
    );
    expect(await live()).toEqual({ vpcIds: [], subnetVpcs: [], groups: new Map() });

    const again = await applyNetwork("terminated");
    expect(again.outcomes).toEqual(["unchanged", "unchanged", "unchanged", "unchanged"]);
  });
});
