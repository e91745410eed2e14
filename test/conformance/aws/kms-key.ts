import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
  UpdateKeyDescriptionCommand,
} from "@aws-sdk/client-kms";
import type { ParticleDefinition } from "../../../src/index.js";
import { KmsKey } from "../../../src/providers/aws/kms/key.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const kms = verificationClient(KMSClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function key(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = { Description: "conformance", custom_config: { key_name: name(label) } };
  return definitionOf("kms_key", label, base, block);
}

/** kms_key: the description updates in place; a disabled key is its stopped form; the usage is fixed. */
export const kmsKeySpec: ConformanceSpec = {
  flavor: KmsKey,
  testFileUrl: import.meta.url,
  definition: (label) => key(label),
  verify: async (label) => {
    try {
      const { KeyMetadata } = await kms.send(
        new DescribeKeyCommand({ KeyId: `alias/${name(label)}` }),
      );
      return {
        Description: KeyMetadata?.Description,
        KeyState: KeyMetadata?.KeyState,
        KeyUsage: KeyMetadata?.KeyUsage,
      };
    } catch {
      return undefined;
    }
  },
  drift: {
    apply: async (label) => {
      const { KeyMetadata } = await kms.send(
        new DescribeKeyCommand({ KeyId: `alias/${name(label)}` }),
      );
      await kms.send(
        new UpdateKeyDescriptionCommand({ KeyId: KeyMetadata?.KeyId, Description: "theirs" }),
      );
    },
    field: "Description",
  },
  update: {
    definition: (label) => key(label, { Description: "updated" }),
    expected: { Description: "updated" },
  },
  replace: {
    definition: (label) => key(label, { KeyUsage: "GENERATE_VERIFY_MAC", KeySpec: "HMAC_256" }),
    field: "KeyUsage",
    expected: { KeyUsage: "GENERATE_VERIFY_MAC", KeyState: "Enabled" },
  },
  stop: { stopped: { KeyState: "Disabled" }, running: { KeyState: "Enabled" } },
  createForeign: async (label) => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: "conformance" }));
    await kms.send(
      new CreateAliasCommand({
        AliasName: `alias/${name(label)}`,
        TargetKeyId: KeyMetadata?.KeyId,
      }),
    );
  },
  createOperation: "CreateKey",
  knownGaps: [
    {
      step: "killed-before-tags",
      reason:
        "the key is found by its alias, made after CreateKey: a run killed between them leaves a key the next run never finds",
      failure: /killed exists: expected undefined to be defined/,
    },
  ],
};
