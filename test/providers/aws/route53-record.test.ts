import { CreateHostedZoneCommand, Route53Client } from "@aws-sdk/client-route-53";
import { beforeAll, describe, expect, it } from "vitest";
import { createRunContext } from "../../../src/core/run-context.js";
import { Route53Record } from "../../../src/providers/aws/route53/record.js";
import { discoverFlavor } from "../../../src/providers/kit/discovery.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";

const route53 = verificationClient(Route53Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

const ZONE = `${uniqueName(import.meta.url, "zone")}.example.com`;

/** The zone the records of this file live in, made by a separate client. */
let zoneId = "";

beforeAll(async () => {
  const { HostedZone } = await route53.send(
    new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `${ZONE}-${Date.now()}` }),
  );
  zoneId = (HostedZone?.Id ?? "").replace("/hostedzone/", "");
});

describe("route53_record", () => {
  it("discovers a zone's records, but their marks and the apex SOA and NS records", async () => {
    const base = {
      HostedZoneId: zoneId,
      Name: `www.${ZONE}`,
      Type: "A",
      TTL: 60,
      ResourceRecords: [{ Value: "10.0.0.1" }],
    };
    await new Route53Record(definitionOf("route53_record", "www", base)).apply({ providerOptions });
    const found = await discoverFlavor(Route53Record, createRunContext({ providerOptions }));
    expect(found?.map((entry) => entry.key)).toEqual([`${zoneId}/www.${ZONE}./A`]);
  });
});
