import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from "@aws-sdk/client-route-53";
import type { ParticleDefinition } from "../../../src/index.js";
import { Route53Record } from "../../../src/providers/aws/route53/record.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const route53 = verificationClient(Route53Client, import.meta.url);

/** The zone the records live in, made by the second client before the steps. */
let zoneId = "";

const ZONE = `${uniqueName(import.meta.url, "zone")}.example.com`;

/** The record's name as written: no trailing dot (Route 53 lists it with one). */
function name(label: string): string {
  return `${label}.${ZONE}`;
}

function record(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    HostedZoneId: zoneId,
    Name: name(label),
    Type: "A",
    TTL: 300,
    ResourceRecords: [{ Value: "10.0.0.1" }],
  };
  return definitionOf("route53_record", label, base, block);
}

/** Writes the A record of `label` with `ttl` by the second client, without the mark. */
async function upsert(label: string, ttl: number): Promise<void> {
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: [
          {
            Action: "UPSERT",
            ResourceRecordSet: {
              Name: name(label),
              Type: "A",
              TTL: ttl,
              ResourceRecords: [{ Value: "10.0.0.1" }],
            },
          },
        ],
      },
    }),
  );
}

/** route53_record: TTL and values update in place (UPSERT); nothing is fixed; no stopped form. */
export const route53RecordSpec: ConformanceSpec = {
  writesProvenance: false,
  flavor: Route53Record,
  testFileUrl: import.meta.url,
  beforeAll: async () => {
    const { HostedZone } = await route53.send(
      new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `${ZONE}-${Date.now()}` }),
    );
    zoneId = (HostedZone?.Id ?? "").replace("/hostedzone/", "");
  },
  definition: (label) => record(label),
  verify: async (label) => {
    const { ResourceRecordSets = [] } = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }),
    );
    const found = ResourceRecordSets.find(
      (set) => set.Name === `${name(label)}.` && set.Type === "A",
    );
    return found === undefined
      ? undefined
      : { TTL: found.TTL, Value: found.ResourceRecords?.map((entry) => entry.Value).join(",") };
  },
  drift: { apply: (label) => upsert(label, 999), field: "TTL" },
  update: {
    definition: (label) =>
      record(label, { TTL: 600, ResourceRecords: [{ Value: "10.0.0.2" }, { Value: "10.0.0.3" }] }),
    expected: { TTL: 600, Value: "10.0.0.2,10.0.0.3" },
  },
  replace: "none",
  stop: "none",
  createForeign: (label) => upsert(label, 300),
  createOperation: "ChangeResourceRecordSets",
};
