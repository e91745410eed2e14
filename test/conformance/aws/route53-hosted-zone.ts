import {
  CreateHostedZoneCommand,
  ListHostedZonesCommand,
  ListTagsForResourceCommand,
  Route53Client,
  UpdateHostedZoneCommentCommand,
  type HostedZone,
} from "@aws-sdk/client-route-53";
import { Route53HostedZone } from "../../../src/providers/aws/route53/hosted-zone.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const route53 = verificationClient(Route53Client, import.meta.url);

/** The zone's name as written: no trailing dot (Route 53 lists it with one). */
function name(label: string): string {
  return `${uniqueName(import.meta.url, label)}.example.com`;
}

function zone(label: string, block: Record<string, unknown> = {}): ReturnType<typeof definitionOf> {
  return definitionOf(
    "route53_hosted_zone",
    label,
    {
      Name: name(label),
      HostedZoneConfig: { Comment: "first" },
      custom_config: { Tags: [{ Key: "team", Value: "web" }] },
    },
    block,
  );
}

/** The zone of `label`, listed by a second client. */
async function listed(label: string): Promise<HostedZone | undefined> {
  const { HostedZones = [] } = await route53.send(new ListHostedZonesCommand({}));
  return HostedZones.find((candidate) => candidate.Name === `${name(label)}.`);
}

/** route53_hosted_zone: the comment and tags update in place; privacy is fixed; no stopped form. */
export const route53HostedZoneSpec: ConformanceSpec = {
  flavor: Route53HostedZone,
  testFileUrl: import.meta.url,
  definition: (label) => zone(label),
  verify: async (label) => {
    const found = await listed(label);
    if (found?.Id === undefined) return undefined;
    const { ResourceTagSet } = await route53.send(
      new ListTagsForResourceCommand({
        ResourceType: "hostedzone",
        ResourceId: found.Id.replace("/hostedzone/", ""),
      }),
    );
    return {
      Comment: found.Config?.Comment,
      PrivateZone: found.Config?.PrivateZone,
      team: ResourceTagSet?.Tags?.find((tag) => tag.Key === "team")?.Value,
    };
  },
  drift: {
    apply: async (label) => {
      const found = await listed(label);
      await route53.send(new UpdateHostedZoneCommentCommand({ Id: found?.Id, Comment: "drifted" }));
    },
    field: "Comment",
  },
  update: {
    definition: (label) =>
      zone(label, {
        HostedZoneConfig: { Comment: "second" },
        custom_config: { Tags: [{ Key: "team", Value: "ml" }] },
      }),
    expected: { Comment: "second", team: "ml" },
  },
  replace: {
    definition: (label) =>
      zone(label, {
        HostedZoneConfig: { Comment: "second", PrivateZone: true },
        VPC: { VPCRegion: "us-east-1", VPCId: "vpc-1a2b3c4d" },
        custom_config: { Tags: [{ Key: "team", Value: "ml" }] },
      }),
    expected: { PrivateZone: true },
    field: "HostedZoneConfig.PrivateZone",
  },
  stop: "none",
  createForeign: async (label) => {
    await route53.send(
      new CreateHostedZoneCommand({
        Name: name(label),
        CallerReference: `foreign-${label}-${Date.now()}`,
        HostedZoneConfig: { Comment: "first" },
      }),
    );
  },
  createOperation: "CreateHostedZone",
};
