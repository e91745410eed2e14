import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
  ListKeysCommand,
  ListResourceTagsCommand,
  UpdateKeyDescriptionCommand,
  type KeyMetadata,
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

/**
 * The key of `label`: the one its alias names, else one tagged with its name and not pending
 * deletion (a key whose alias a killed run never made); `undefined` when there is none.
 */
async function findKey(label: string): Promise<KeyMetadata | undefined> {
  try {
    return (await kms.send(new DescribeKeyCommand({ KeyId: `alias/${name(label)}` }))).KeyMetadata;
  } catch {
    const { Keys = [] } = await kms.send(new ListKeysCommand({}));
    for (const { KeyId } of Keys) {
      const { Tags = [] } = await kms.send(new ListResourceTagsCommand({ KeyId }));
      if (!Tags.some((tag) => tag.TagKey === "pcf:key-name" && tag.TagValue === name(label)))
        continue;
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId }));
      if (KeyMetadata?.KeyState !== "PendingDeletion") return KeyMetadata;
    }
    return undefined;
  }
}

/** kms_key: the description updates in place; a disabled key is its stopped form; the usage is fixed. */
export const kmsKeySpec: ConformanceSpec = {
  flavor: KmsKey,
  testFileUrl: import.meta.url,
  definition: (label) => key(label),
  verify: async (label) => {
    const found = await findKey(label);
    return found === undefined
      ? undefined
      : { Description: found.Description, KeyState: found.KeyState, KeyUsage: found.KeyUsage };
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
};
