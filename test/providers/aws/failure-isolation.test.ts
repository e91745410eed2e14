import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { Field, applyField, planField } from "../../../src/index.js";
import { SqsQueue } from "../../../src/providers/aws/sqs/queue.js";
import { Subnet } from "../../../src/providers/aws/vpc/subnet.js";
import { VpcInstance } from "../../../src/providers/aws/vpc/vpc.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import {
  definitionOf,
  failureOf,
  pcfNameFilter,
  pcfNameTagSpecifications,
} from "../../support/aws-fixtures.js";

const ec2 = verificationClient(EC2Client, import.meta.url);
const sqs = verificationClient(SQSClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

/** Two VPCs carrying the PCFName of `label`; gives their ids. */
async function twinVpcs(label: string): Promise<string[]> {
  const ids: string[] = [];
  for (const CidrBlock of ["10.4.0.0/16", "10.5.0.0/16"]) {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({
        CidrBlock,
        TagSpecifications: pcfNameTagSpecifications("vpc", name(label)),
      }),
    );
    ids.push(Vpc?.VpcId ?? "?");
  }
  return ids;
}

/** A field: the VPC `label` with a subnet, a second VPC, and a queue. */
function fieldOf(label: string): Field {
  const vpc = (id: string): VpcInstance =>
    new VpcInstance(
      definitionOf("vpc_instance", id, {
        CidrBlock: "10.6.0.0/16",
        custom_config: { vpc_name: name(id) },
      }),
    );
  return new Field([
    vpc(label),
    new Subnet({
      ...definitionOf("subnet", `${label}-subnet`, {
        CidrBlock: "10.6.1.0/24",
        VpcId: `$inherit$vpc_instance:${label}$VpcId`,
        custom_config: { subnet_name: name(`${label}-subnet`) },
      }),
      parents: [`vpc_instance:${label}`],
    }),
    vpc(`${label}-other`),
    new SqsQueue(
      definitionOf("sqs_queue", `${label}-queue`, { QueueName: name(`${label}-queue`) }),
    ),
  ]).link();
}

describe("failure isolation on AWS", () => {
  it("fails the VPC two VPCs claim with DUPLICATE_RESOURCE and creates the rest of the field", async () => {
    const ids = await twinVpcs("twins");

    const error = await failureOf(applyField(fieldOf("twins"), { providerOptions }));

    const [vpc, subnet, other, queue] = error.result.particles;
    expect(vpc?.outcome).toBe("failed");
    expect(vpc?.error?.code).toBe("DUPLICATE_RESOURCE");
    expect(vpc?.error?.where.particle).toBe("vpc_instance:twins");
    for (const id of ids) expect(vpc?.error?.message).toContain(id);
    expect(vpc?.error?.message).toContain(
      `aws ec2 delete-tags --region us-east-1 --resources ${ids[1] ?? "?"} --tags Key=PCFName`,
    );
    expect(subnet).toMatchObject({ outcome: "not-started", blockedBy: ["vpc_instance:twins"] });
    expect([other?.outcome, queue?.outcome]).toEqual(["converged", "converged"]);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name("twins-queue") }));
    expect(QueueUrl).toBeDefined();
    const { Vpcs = [] } = await ec2.send(
      new DescribeVpcsCommand({ Filters: pcfNameFilter(name("twins")) }),
    );
    expect(Vpcs).toHaveLength(2);
  });

  it("plans the rest of the field when two VPCs claim one VPC's name", async () => {
    await twinVpcs("plan-twins");

    const plan = await planField(fieldOf("plan-twins"), { providerOptions });

    expect(plan.hasErrors).toBe(true);
    const byId = Object.fromEntries(plan.particles.map((entry) => [entry.particle, entry]));
    expect(byId["vpc_instance:plan-twins"]?.error?.code).toBe("DUPLICATE_RESOURCE");
    expect(byId["subnet:plan-twins-subnet"]).toMatchObject({
      transitions: ["start"],
      note: "not final: vpc_instance:plan-twins could not be read",
    });
    expect(byId["vpc_instance:plan-twins-other"]?.transitions).toEqual(["start"]);
    expect(byId["sqs_queue:plan-twins-queue"]?.transitions).toEqual(["start"]);
  });
});
