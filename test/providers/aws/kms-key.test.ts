import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListKeysCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  UpdateKeyDescriptionCommand,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Field, applyField, loadField } from "../../../src/index.js";
import { createRunContext } from "../../../src/core/run-context.js";
import { KmsKey, type KmsKeyDefinition } from "../../../src/providers/aws/kms/key.js";
import {
  awsTestOptions,
  motoAccountId,
  motoEndpoint,
  uniqueName,
  verificationClient,
} from "../../support/aws.js";
import {
  OWNERSHIP,
  countApply,
  countSyncAll,
  countedOptions,
  definitionErrorOf,
  definitionOf,
  expectTerminatesWhenGone,
  failureOf,
} from "../../support/aws-fixtures.js";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";

const kms = verificationClient(KMSClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);
const DAY_MS = 24 * 60 * 60 * 1000;

type KeyBlock = Partial<Omit<KmsKeyDefinition, "custom_config">> & {
  custom_config?: Partial<KmsKeyDefinition["custom_config"]>;
};

function key(label: string, block: KeyBlock = {}): KmsKey {
  const base = { custom_config: { key_name: uniqueName(import.meta.url, label) } };
  return new KmsKey(definitionOf("kms_key", label, base, block));
}

/** The tags the framework puts on every key it creates: ownership, and the key's name. */
function ownTags(label: string): Record<string, string> {
  return { ...OWNERSHIP, "pcf:key-name": uniqueName(import.meta.url, label) };
}

function aliasOf(label: string): string {
  return `alias/${uniqueName(import.meta.url, label)}`;
}

async function describeKey(label: string): Promise<KeyMetadata | undefined> {
  try {
    return (await kms.send(new DescribeKeyCommand({ KeyId: aliasOf(label) }))).KeyMetadata;
  } catch {
    return undefined;
  }
}

async function keyIdOf(label: string): Promise<string> {
  const found = await describeKey(label);
  expect(found?.KeyId).toBeDefined();
  return String(found?.KeyId);
}

async function tagsOf(KeyId: string): Promise<Record<string, string>> {
  const { Tags = [] } = await kms.send(new ListResourceTagsCommand({ KeyId }));
  return Object.fromEntries(Tags.map((tag) => [tag.TagKey, tag.TagValue]));
}

/** A key made behind the framework's back, under the alias of `label`. */
async function foreignKey(label: string): Promise<string> {
  const { KeyMetadata } = await kms.send(
    new CreateKeyCommand({ Tags: [{ TagKey: "owner", TagValue: "someone-else" }] }),
  );
  const KeyId = String(KeyMetadata?.KeyId);
  await kms.send(new CreateAliasCommand({ AliasName: aliasOf(label), TargetKeyId: KeyId }));
  return KeyId;
}

describe("kms_key", () => {
  it("creates the key under its alias, with its description, tags and the ownership tag", async () => {
    const result = await key("create", {
      Description: "data at rest",
      Tags: [{ TagKey: "team", TagValue: "data" }],
      custom_config: { enable_key_rotation: true },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    const created = await describeKey("create");
    expect(created).toMatchObject({ KeyState: "Enabled", Description: "data at rest" });
    expect(created?.Arn).toContain(motoAccountId(import.meta.url));
    const KeyId = String(created?.KeyId);
    expect(await tagsOf(KeyId)).toEqual({ team: "data", ...ownTags("create") });
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId }))).KeyRotationEnabled).toBe(
      true,
    );
  });

  it("reports a second apply as unchanged, tags as a list or a map alike", async () => {
    await key("noop", {
      Description: "same",
      Tags: [{ TagKey: "version", TagValue: "2" }],
      custom_config: { enable_key_rotation: false },
    }).apply({ providerOptions });
    const again = await key("noop", {
      Description: "same",
      Tags: { version: 2 },
      custom_config: { enable_key_rotation: false },
    }).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("disables the key to stop it and enables it to start it again", async () => {
    await key("toggle").apply({ providerOptions });
    const stopped = await key("toggle").apply({ providerOptions, desiredState: "stopped" });
    expect(stopped.particles[0]).toMatchObject({ transitions: ["stop"], state: "stopped" });
    expect((await describeKey("toggle"))?.KeyState).toBe("Disabled");
    const started = await key("toggle").apply({ providerOptions });
    expect(started.particles[0]).toMatchObject({ transitions: ["start"], state: "running" });
    expect((await describeKey("toggle"))?.KeyState).toBe("Enabled");
  });

  it("creates then disables a key asked to be stopped from nothing", async () => {
    const result = await key("born-stopped").apply({ providerOptions, desiredState: "stopped" });
    expect(result.particles[0]).toMatchObject({ transitions: ["start", "stop"], state: "stopped" });
    expect((await describeKey("born-stopped"))?.KeyState).toBe("Disabled");
  });

  it("updates the description, rotation, policy and tags in place", async () => {
    await key("update", { Description: "old", Tags: { team: "data", old: "x" } }).apply({
      providerOptions,
    });
    const KeyId = await keyIdOf("update");
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "root",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${motoAccountId(import.meta.url)}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    };
    const result = await key("update", {
      Description: "new",
      Policy: policy,
      Tags: { team: "ml", added: "y" },
      custom_config: { enable_key_rotation: true },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect((await describeKey("update"))?.Description).toBe("new");
    expect(await tagsOf(KeyId)).toEqual({ team: "ml", added: "y", ...ownTags("update") });
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId }))).KeyRotationEnabled).toBe(
      true,
    );
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: "default" }));
    expect(JSON.parse(Policy ?? "{}")).toEqual(policy);

    const again = await key("update", {
      Description: "new",
      Policy: JSON.stringify(policy, null, 2),
      custom_config: { enable_key_rotation: true },
    }).apply({ providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
  });

  it("corrects a description changed and a key disabled behind its back", async () => {
    const particle = key("drift", { Description: "mine" });
    await particle.apply({ providerOptions });
    const KeyId = await keyIdOf("drift");
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: "theirs" }));
    await kms.send(new DisableKeyCommand({ KeyId }));
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["start", "update"]);
    expect(await describeKey("drift")).toMatchObject({ KeyState: "Enabled", Description: "mine" });
  });

  it("refuses to replace the key for a new key usage unless allowed, naming the field", async () => {
    await key("usage").apply({ providerOptions });
    const error = await failureOf(
      key("usage", { KeyUsage: "GENERATE_VERIFY_MAC" }).apply({ providerOptions }),
    );
    expect(error.message).toMatch(/aws_resource\.KeyUsage .* can only change by replacing/);
    expect(error.result.particles[0]?.error).toMatchObject({
      code: "REPLACE_REFUSED",
      where: { field: "aws_resource.KeyUsage" },
    });
  });

  it("schedules the deletion after the pending window and frees the alias", async () => {
    await key("terminate").apply({ providerOptions });
    const KeyId = await keyIdOf("terminate");
    const result = await key("terminate").apply({ providerOptions, desiredState: "terminated" });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
    expect(await describeKey("terminate")).toBeUndefined();
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId }));
    expect(KeyMetadata?.KeyState).toBe("PendingDeletion");

    await key("window", { custom_config: { pending_window_in_days: 10 } }).apply({
      providerOptions,
    });
    const windowKey = await keyIdOf("window");
    await key("window", { custom_config: { pending_window_in_days: 10 } }).apply({
      providerOptions,
      desiredState: "terminated",
    });
    const scheduled = (await kms.send(new DescribeKeyCommand({ KeyId: windowKey }))).KeyMetadata;
    const days =
      ((scheduled?.DeletionDate?.getTime() ?? 0) - (scheduled?.CreationDate?.getTime() ?? 0)) /
      DAY_MS;
    expect(Math.round(days)).toBe(10);
    expect(
      Math.round(
        ((KeyMetadata?.DeletionDate?.getTime() ?? 0) -
          (KeyMetadata?.CreationDate?.getTime() ?? 0)) /
          DAY_MS,
      ),
    ).toBe(7);
  });

  it("terminates a key that is already gone", async () => {
    await expectTerminatesWhenGone(import.meta.url, key, async (label) => {
      const KeyId = await keyIdOf(label);
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
      await kms.send(new DeleteAliasCommand({ AliasName: aliasOf(label) }));
    });
  });

  it("revives a key pending deletion that still has its alias", async () => {
    await key("revive").apply({ providerOptions });
    const KeyId = await keyIdOf("revive");
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    const context = createRunContext({ providerOptions });
    expect(await key("revive").getState(context)).toBe("terminated");

    const stopped = await key("revive").apply({ providerOptions, desiredState: "stopped" });
    expect(stopped.particles[0]).toMatchObject({ transitions: ["start"], state: "stopped" });
    expect(await describeKey("revive")).toMatchObject({ KeyId, KeyState: "Disabled" });

    await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    const running = await key("revive").apply({ providerOptions });
    expect(running.particles[0]).toMatchObject({ transitions: ["start"], state: "running" });
    expect(await describeKey("revive")).toMatchObject({ KeyId, KeyState: "Enabled" });
  });

  it("refuses to disable, enable, update or delete a key it did not create, until told to adopt it", async () => {
    const KeyId = await foreignKey("foreign");
    const stop = await failureOf(
      key("foreign").apply({ providerOptions, desiredState: "stopped" }),
    );
    expect(stop.message).toMatch(/refusing to stop: .*custom_config\.adopt: true/);
    const update = await failureOf(
      key("foreign", { Description: "mine" }).apply({ providerOptions }),
    );
    expect(update.message).toMatch(/refusing to update/);
    const terminate = await failureOf(
      key("foreign").apply({ providerOptions, desiredState: "terminated" }),
    );
    expect(terminate.message).toMatch(/refusing to terminate/);

    await kms.send(new DisableKeyCommand({ KeyId }));
    const start = await failureOf(key("foreign").apply({ providerOptions }));
    expect(start.message).toMatch(/refusing to start: .* not created by particle-cloud/);
    expect((await describeKey("foreign"))?.KeyState).toBe("Disabled");

    await key("foreign", { custom_config: { adopt: true } }).apply({
      providerOptions,
      desiredState: "terminated",
    });
    expect(await describeKey("foreign")).toBeUndefined();
    expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyState).toBe(
      "PendingDeletion",
    );
  });

  it("reads a field of keys with one ListAliases call, and a lone key through its alias", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    await applyField(new Field(labels.map((label) => key(label))).link(), { providerOptions });

    const read = await countSyncAll(
      import.meta.url,
      KmsKey,
      [...labels, "batch-missing"].map((label) => key(label)),
    );
    expect(read.states).toEqual(["running", "running", "running", "terminated"]);
    expect(read.counts).toEqual({ ListAliasesCommand: 1, DescribeKeyCommand: 3 });

    const tagged = await countApply(
      import.meta.url,
      labels.map((label) => key(label, { Tags: {} })),
    );
    expect(tagged.outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(tagged.counts).toEqual({
      ListAliasesCommand: 1,
      DescribeKeyCommand: 3,
      ListResourceTagsCommand: 3,
    });

    const { counter, providerOptions: counted } = countedOptions(import.meta.url);
    await key("batch-a").apply({ providerOptions: counted });
    expect(counter.all()).toEqual({ DescribeKeyCommand: 1 });
  });

  it("loads and applies PCF's own example definition and its test's", async () => {
    // From capitalone/Particle-Cloud-Framework examples/particle/aws/kms/create_key_and_get_info.py
    // and pcf/test/particle/aws/kms/test_kms_key.py.
    const example = {
      pcf_name: "kms_example",
      flavor: "kms_key",
      aws_resource: {
        Description: "an example key, not used for anything",
        Tags: [{ TagKey: "InUse", TagValue: "false" }],
        custom_config: { key_name: "pcf_kms_example" },
      },
    };
    const minimal = {
      pcf_name: "kms_unit_test",
      flavor: "kms_key",
      aws_resource: { custom_config: { key_name: "pcf_unit_test" } },
    };
    const { field } = await loadField([example, minimal]);
    expect(field.get("kms_key:kms_example")).toBeInstanceOf(KmsKey);
    expect(field.get("kms_key:kms_unit_test")).toBeInstanceOf(KmsKey);

    const renamed = {
      ...example,
      aws_resource: {
        ...example.aws_resource,
        custom_config: { key_name: uniqueName(import.meta.url, "example") },
      },
    };
    await applyField((await loadField([renamed])).field, { providerOptions });
    const KeyId = await keyIdOf("example");
    expect(await tagsOf(KeyId)).toEqual({ InUse: "false", ...ownTags("example") });
    const again = await applyField((await loadField([renamed])).field, { providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
    await applyField((await loadField([renamed])).field, {
      providerOptions,
      desiredState: "terminated",
    });
    expect(await describeKey("example")).toBeUndefined();
  });

  it("rejects a definition without its key_name when constructed", () => {
    expect(
      () =>
        new KmsKey({
          pcf_name: "nameless",
          flavor: "kms_key",
          aws_resource: { Description: "no name", custom_config: {} },
        }),
    ).toThrow(/unique key aws_resource\.custom_config\.key_name is required/);
  });

  it("rejects wrong types, bad values and unknown fields, listing every problem", async () => {
    const { issues } = await definitionErrorOf([
      {
        pcf_name: "typed",
        flavor: "kms_key",
        aws_resource: {
          Description: 42,
          KeyUsage: "EVERYTHING",
          Tags: [{ Key: "a", Value: "b" }],
          Origin: "EXTERNAL",
          custom_config: {
            key_name: "aws/mine",
            pending_window_in_days: 3,
            pending_window: 7,
          },
        },
      },
    ]);
    expect(issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining([
        "aws_resource.Description",
        "aws_resource.KeyUsage",
        "aws_resource.Tags",
        "aws_resource.custom_config.key_name",
        "aws_resource.custom_config.pending_window_in_days",
      ]),
    );
    expect(issues.map((issue) => issue.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/unknown field Origin/),
        expect.stringMatching(
          /unknown field pending_window \(did you mean pending_window_in_days\?\)$/,
        ),
      ]),
    );
  });
});

describe("kms_key, when CreateKey's answer is lost", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: motoEndpoint() });
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it("names the key the lost call made instead of making a second one", async () => {
    const keyCount = async (): Promise<number> =>
      ((await kms.send(new ListKeysCommand({}))).Keys ?? []).length;
    const before = await keyCount();
    proxy.setRules([{ operation: "CreateKey", fault: { kind: "drop", when: "after" }, times: 1 }]);
    // The SDK's own retries stay on, as for a user: they are what turns a lost answer into a duplicate.
    const aws = { ...providerOptions.aws, endpoint: proxy.endpoint, maxAttempts: 3 };
    const result = await key("lost").apply({ providerOptions: { aws } });
    expect(proxy.injected.get("CreateKey")).toBe(1);
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    expect(await keyCount()).toBe(before + 1);
    expect(await tagsOf(await keyIdOf("lost"))).toEqual(ownTags("lost"));
    expect((await key("lost").apply({ providerOptions })).particles[0]?.outcome).toBe("unchanged");
  });
});
