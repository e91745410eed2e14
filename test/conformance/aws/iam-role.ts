import {
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  UpdateRoleCommand,
} from "@aws-sdk/client-iam";
import type { ParticleDefinition } from "../../../src/index.js";
import { IamRole } from "../../../src/providers/aws/iam/role.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const iam = verificationClient(IAMClient, import.meta.url);

const TRUST = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
};

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function role(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = { RoleName: name(label), AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 3600 };
  return definitionOf("iam_role", label, base, block);
}

/** iam_role: the session duration updates in place; the Path is fixed. */
export const iamRoleSpec: ConformanceSpec = {
  flavor: IamRole,
  testFileUrl: import.meta.url,
  definition: (label) => role(label),
  verify: async (label) => {
    try {
      const { Role } = await iam.send(new GetRoleCommand({ RoleName: name(label) }));
      return { Path: Role?.Path, MaxSessionDuration: Role?.MaxSessionDuration };
    } catch {
      return undefined;
    }
  },
  drift: {
    apply: async (label) => {
      await iam.send(new UpdateRoleCommand({ RoleName: name(label), MaxSessionDuration: 7200 }));
    },
    field: "MaxSessionDuration",
  },
  update: {
    definition: (label) => role(label, { MaxSessionDuration: 14_400 }),
    expected: { MaxSessionDuration: 14_400 },
  },
  replace: {
    definition: (label) => role(label, { Path: "/moved/" }),
    field: "Path",
    expected: { Path: "/moved/", MaxSessionDuration: 3600 },
  },
  stop: "none",
  createForeign: async (label) => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: name(label),
        AssumeRolePolicyDocument: JSON.stringify(TRUST),
        MaxSessionDuration: 3600,
      }),
    );
  },
  createOperation: "CreateRole",
};
