import {
  CloudFrontClient,
  CreateDistributionCommand,
  GetDistributionCommand,
  ListDistributionsCommand,
  UpdateDistributionCommand,
  type Distribution,
  type DistributionConfig,
} from "@aws-sdk/client-cloudfront";
import type { ParticleDefinition } from "../../../src/index.js";
import { CloudfrontDistribution } from "../../../src/providers/aws/cloudfront/distribution.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const cloudfront = verificationClient(CloudFrontClient, import.meta.url);

/** The smallest valid configuration: one custom origin and the default behaviour. */
const CONFIG: Pick<DistributionConfig, "Origins" | "DefaultCacheBehavior" | "PriceClass"> = {
  Origins: {
    Quantity: 1,
    Items: [
      {
        Id: "web",
        DomainName: "example.com",
        CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only" },
      },
    ],
  },
  DefaultCacheBehavior: {
    TargetOriginId: "web",
    ViewerProtocolPolicy: "redirect-to-https",
    // AWS's managed CachingOptimized policy.
    CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  },
  PriceClass: "PriceClass_100",
};

function comment(label: string): string {
  return uniqueName(import.meta.url, label);
}

function distribution(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  return definitionOf(
    "cloudfront",
    label,
    { Comment: comment(label), Enabled: true, ...CONFIG, Tags: [{ Key: "team", Value: "web" }] },
    block,
  );
}

/** The distribution of `label`, as a second client reads it; `undefined` when none. */
async function found(label: string): Promise<Distribution | undefined> {
  const { DistributionList } = await cloudfront.send(new ListDistributionsCommand({}));
  for (const { Id } of DistributionList?.Items ?? []) {
    const { Distribution } = await cloudfront.send(new GetDistributionCommand({ Id }));
    if (Distribution?.DistributionConfig?.Comment === comment(label)) return Distribution;
  }
  return undefined;
}

/** cloudfront: the configuration updates in place; disabled is the stopped form; nothing is fixed. */
export const cloudfrontSpec: ConformanceSpec = {
  flavor: CloudfrontDistribution,
  testFileUrl: import.meta.url,
  definition: (label) => distribution(label),
  verify: async (label) => {
    const live = await found(label);
    return live === undefined
      ? undefined
      : {
          PriceClass: live.DistributionConfig?.PriceClass,
          DefaultRootObject: live.DistributionConfig?.DefaultRootObject,
          Enabled: live.DistributionConfig?.Enabled,
        };
  },
  drift: {
    apply: async (label) => {
      const live = await found(label);
      const { DistributionConfig, ETag } = await cloudfront
        .send(new GetDistributionCommand({ Id: live?.Id }))
        .then((answer) => ({ ...answer.Distribution, ETag: answer.ETag }));
      await cloudfront.send(
        new UpdateDistributionCommand({
          Id: live?.Id,
          IfMatch: ETag,
          DistributionConfig: DistributionConfig && {
            ...DistributionConfig,
            PriceClass: "PriceClass_All",
          },
        }),
      );
    },
    field: "PriceClass",
  },
  update: {
    definition: (label) => distribution(label, { DefaultRootObject: "index.html" }),
    expected: { DefaultRootObject: "index.html" },
  },
  replace: "none",
  stop: { stopped: { Enabled: false }, running: { Enabled: true } },
  createForeign: async (label) => {
    await cloudfront.send(
      new CreateDistributionCommand({
        DistributionConfig: {
          ...CONFIG,
          CallerReference: `foreign-${comment(label)}`,
          Comment: comment(label),
          Enabled: true,
        },
      }),
    );
  },
  createOperation: "CreateDistributionWithTags",
};
