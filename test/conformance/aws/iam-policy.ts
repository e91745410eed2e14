import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListPoliciesCommand,
} from "@aws-sdk/client-iam";
import type { ParticleDefinition } from "../../../src/index.js";
import { IamPolicy } from "../../../src/providers/aws/iam/policy.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const iam = verificationClient(IAMClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

/** A document allowing `action` on everything. */
function allow(action: string): Record<string, unknown> {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] };
}

function policy(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = { PolicyName: name(label), PolicyDocument: allow("s3:GetObject") };
  return definitionOf("iam_policy", label, base, block);
}

/** The policy's ARN, found by its name in whatever Path it is. */
async function arnOf(label: string): Promise<string | undefined> {
  const { Policies = [] } = await iam.send(new ListPoliciesCommand({ Scope: "Local" }));
  return Policies.find((found) => found.PolicyName === name(label))?.Arn;
}

/** iam_policy: the document updates in place (a new default version); Path and Description are fixed. */
export const iamPolicySpec: ConformanceSpec = {
  flavor: IamPolicy,
  testFileUrl: import.meta.url,
  definition: (label) => policy(label),
  verify: async (label) => {
    const { Policies = [] } = await iam.send(new ListPoliciesCommand({ Scope: "Local" }));
    const found = Policies.find((candidate) => candidate.PolicyName === name(label));
    if (found === undefined) return undefined;
    const { PolicyVersion } = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: found.Arn, VersionId: found.DefaultVersionId }),
    );
    const text = PolicyVersion?.Document ?? "";
    // IAM returns the document URL-encoded; moto does not.
    const document: unknown = JSON.parse(text.startsWith("%") ? decodeURIComponent(text) : text);
    return { Path: found.Path, document };
  },
  drift: {
    apply: async (label) => {
      await iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: await arnOf(label),
          PolicyDocument: JSON.stringify(allow("*")),
          SetAsDefault: true,
        }),
      );
    },
    field: "document",
  },
  update: {
    definition: (label) => policy(label, { PolicyDocument: allow("s3:PutObject") }),
    expected: { document: allow("s3:PutObject") },
  },
  replace: {
    definition: (label) => policy(label, { Path: "/moved/" }),
    field: "Path",
    expected: { Path: "/moved/", document: allow("s3:GetObject") },
  },
  stop: "none",
  createForeign: async (label) => {
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: name(label),
        PolicyDocument: JSON.stringify(allow("s3:GetObject")),
      }),
    );
  },
  createOperation: "CreatePolicy",
};
