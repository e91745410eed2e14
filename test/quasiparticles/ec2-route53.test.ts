import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from "@aws-sdk/client-route-53";
import { describe, expect, it } from "vitest";
import {
  DefinitionError,
  applyField,
  loadField,
  loadFiles,
  planField,
  readDefinitionFile,
} from "../../src/index.js";
import { awsTestOptions, verificationClient } from "../support/aws.js";

const FILE = "examples/ec2-route53/pcf.yml";
const providerOptions = awsTestOptions(import.meta.url);
const ec2 = verificationClient(EC2Client, import.meta.url);
const route53 = verificationClient(Route53Client, import.meta.url);

/** The example's definition with the instances' multiplier set to `multiplier`. */
async function withMultiplier(multiplier: number): Promise<unknown> {
  const [quasi] = (await readDefinitionFile(FILE)) as { particles: Record<string, unknown>[] }[];
  const particles = quasi?.particles.map((member) =>
    member["flavor"] === "ec2_instance" ? { ...member, multiplier } : member,
  );
  return [{ ...quasi, particles }];
}

/** The private IPs of the example's running instances, sorted, as a second client reads them. */
async function instanceIps(): Promise<string[]> {
  const { Reservations = [] } = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: "tag:PCFName", Values: ["pcf-example-web-*"] },
        { Name: "instance-state-name", Values: ["pending", "running"] },
      ],
    }),
  );
  return Reservations.flatMap(({ Instances = [] }) => Instances)
    .flatMap(({ PrivateIpAddress }) => PrivateIpAddress ?? [])
    .sort();
}

/** The A values of the example's record, sorted; `undefined` when there is no record. */
async function recordValues(): Promise<string[] | undefined> {
  const { HostedZones = [] } = await route53.send(
    new ListHostedZonesByNameCommand({ DNSName: "pcf-example.internal." }),
  );
  const zone = HostedZones.find(({ Name }) => Name === "pcf-example.internal.");
  if (zone?.Id === undefined) return undefined;
  const { ResourceRecordSets = [] } = await route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }),
  );
  const record = ResourceRecordSets.find(
    ({ Name, Type }) => Name === "www.pcf-example.internal." && Type === "A",
  );
  return record?.ResourceRecords?.map(({ Value }) => Value ?? "").sort();
}

describe("ec2_route53 (examples/ec2-route53/pcf.yml) on moto", () => {
  it("points the record at every instance's private IP, follows the multiplier, and terminates", async () => {
    const { field } = await loadFiles([FILE]);
    const order: string[] = [];
    await applyField(field, {
      providerOptions,
      onEvent: (event) =>
        event.type === "transition.start" ? order.push(event.particle) : undefined,
    });
    expect(order.indexOf("ec2_instance:web-1")).toBeLessThan(order.indexOf("route53_record:www"));
    const ips = await instanceIps();
    expect(ips).toHaveLength(2);
    expect(await recordValues()).toEqual(ips);
    // A new run reads the record under its zone's id, known only once the zone is read.
    const again = await planField((await loadFiles([FILE])).field, { providerOptions });
    expect(again.hasChanges).toBe(false);

    const grown = (await loadField(await withMultiplier(3))).field;
    const result = await applyField(grown, { providerOptions });
    expect(
      result.particles.find((report) => report.particle === "route53_record:www")?.transitions,
    ).toEqual(["update"]);
    const more = await instanceIps();
    expect(more).toHaveLength(3);
    expect(await recordValues()).toEqual(more);

    await applyField(grown, { desiredState: "terminated", providerOptions });
    expect(new Set(grown.particles.map((particle) => particle.state))).toEqual(
      new Set(["terminated"]),
    );
    expect(await recordValues()).toBeUndefined();
    expect(await instanceIps()).toEqual([]);
  });

  it("loads PCF's form of the record, with `ResourceRecords: []`", async () => {
    const [quasi] = (await readDefinitionFile(FILE)) as { particles: Record<string, unknown>[] }[];
    const particles = quasi?.particles.map((member) =>
      member["flavor"] === "route53_record"
        ? {
            ...member,
            aws_resource: { ...(member["aws_resource"] as object), ResourceRecords: [] },
          }
        : member,
    );
    const { field } = await loadField([{ ...quasi, particles }]);
    const record = field.particles.find((particle) => particle.flavor === "route53_record");
    // Its parents: the hosted zone it inherits from, and each instance whose IP it takes.
    expect([...(record?.parents ?? [])].map((parent) => parent.flavor).sort()).toEqual([
      "ec2_instance",
      "ec2_instance",
      "route53_hosted_zone",
    ]);
  });

  it("refuses a definition without one A record and instances to point it at", async () => {
    const load = loadField([
      {
        pcf_name: "bad",
        flavor: "ec2_route53",
        particles: [
          {
            flavor: "route53_record",
            pcf_name: "txt",
            aws_resource: {
              HostedZoneId: "Z1",
              Name: "x.example.com",
              Type: "TXT",
              TTL: 60,
              ResourceRecords: [],
            },
          },
        ],
      },
    ]);
    await expect(load).rejects.toThrow(DefinitionError);
    await expect(load).rejects.toThrow(/expected ec2_instance members/);
    await expect(load).rejects.toThrow(/must be of Type A \(found TXT\)/);
  });
});
