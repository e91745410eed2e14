import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
  KeySpec,
  KeyState,
  KeyUsageType,
  ScheduleKeyDeletionCommand,
  type CreateKeyCommandInput,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import * as z from "zod";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import { isConflict, isNotFound, wrapAwsError } from "../errors.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { LegacyAWSResource } from "../legacy-resource.js";
import { hasOwnershipTag, withOwnershipTag } from "../tags.js";
import {
  comparableKey,
  kmsTagList,
  kmsTagsSchema,
  listKeyTags,
  policySchema,
  policyText,
  readKeySettings,
  kmsTagMap,
  updateKeySettings,
} from "./key-settings.js";
import { listAliases } from "./key-aliases.js";
import { describedKey, stateFromKeyState } from "./key-read.js";

/** How long a terminated key waits before KMS deletes it, in days, unless `pending_window_in_days` says otherwise. */
const DEFAULT_PENDING_WINDOW_DAYS = 7;

/** Fields KMS fixes when it creates a key. */
const FIXED_FIELDS = ["KeyUsage", "KeySpec", "MultiRegion", "CustomKeyStoreId"] as const;

/** The `aws_resource` block of a `kms_key` particle: CreateKey's parameters, plus the alias and key settings. */
export const kmsKeySchema = z.strictObject({
  /** The key's description. Default: not compared (KMS reports `""`). */
  Description: z.string().max(8192).optional(),
  /** The key policy (named `default`), as JSON text or an object; compared as a document. Default: KMS's. */
  Policy: policySchema.optional(),
  /** `ENCRYPT_DECRYPT` (the default), `SIGN_VERIFY`, … Fixed at creation. */
  KeyUsage: z.enum(KeyUsageType).optional(),
  /** `SYMMETRIC_DEFAULT` (the default), `RSA_2048`, … Fixed at creation. */
  KeySpec: z.enum(KeySpec).optional(),
  /** A custom key store to create the key in. Fixed at creation. */
  CustomKeyStoreId: z.string().min(1).optional(),
  /** Sent with `Policy` (CreateKey, PutKeyPolicy); never compared. */
  BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
  /** Creates a multi-Region primary key. Fixed at creation. */
  MultiRegion: z.boolean().optional(),
  /**
   * The key's whole tag set: PCF's `[{ TagKey, TagValue }]` or a map. Tags not listed are removed
   * on update; the `pcf:managed-by` tag is always kept. Default: not compared.
   */
  Tags: kmsTagsSchema.optional(),
  /** The key's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  custom_config: z.strictObject({
    ...awsCustomConfigSchema.shape,
    /** The key's name: its alias is `alias/<key_name>`. Required: it is the unique key. */
    key_name: z
      .string()
      .regex(/^[\w/-]{1,250}$/, "expected up to 250 letters, digits and / _ -")
      .refine((name) => !name.startsWith("aws/"), "alias/aws/… is reserved for AWS"),
    /** Days between terminate and deletion, 7–30. Default 7. */
    pending_window_in_days: z.int().min(7).max(30).optional(),
    /** Yearly automatic rotation of the key material. Default: not compared (KMS: off). */
    enable_key_rotation: z.boolean().optional(),
  }),
});

/** What a user writes in the `aws_resource` block of a `kms_key` particle. */
export type KmsKeyDefinition = z.infer<typeof kmsKeySchema>;

/**
 * A KMS key, found by its alias `alias/<custom_config.key_name>`. Enabled reads running, disabled
 * stopped; a key pending deletion counts as terminated. Stop disables the key; start creates it
 * (with its alias) or enables it. Terminate schedules the deletion (KMS never deletes a key at
 * once) and deletes the alias, so the name is free again at once.
 *
 * A key still pending deletion under its alias is revived by start: its deletion is cancelled
 * and, for desired running, it is enabled again. PCF meant to reuse the key it found under the
 * alias (its EnableKey failed on such keys); reviving it also keeps readable whatever the key
 * encrypted. Description, policy, rotation and tags change in place; key usage, key spec,
 * multi-Region and the key store cannot (update fails naming the field).
 *
 * Reads are batched: one ListAliases per region, then DescribeKey for each key found (a lone key
 * is described through its alias), plus ListResourceTags, GetKeyRotationStatus and GetKeyPolicy
 * only when the definition sets tags, rotation or a policy.
 *
 * @example
 * ```ts
 * const key = new KmsKey({
 *   pcf_name: "data",
 *   flavor: "kms_key",
 *   aws_resource: { Description: "data at rest", custom_config: { key_name: "data" } },
 * });
 * await key.apply();
 * ```
 */
export class KmsKey extends LegacyAWSResource<KmsKeyDefinition> {
  static override readonly flavor: string = "kms_key";
  static override readonly service: string = "kms";
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.custom_config.key_name"];
  static override readonly definitionSchema = kmsKeySchema;
  /** KMS fixes a key's usage, spec, multi-Region flag and key store at creation. */
  static override readonly fixedFields: readonly string[] = FIXED_FIELDS;

  /** The key the alias names, while the alias exists (a key pending deletion included). */
  private key: KeyMetadata | undefined = undefined;
  /** The live tags, when read. */
  private currentTags: Record<string, string> | undefined = undefined;

  /** Reads every key of `particles`: one ListAliases per region, then DescribeKey per key found. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const keys = particles.filter((particle): particle is KmsKey => particle instanceof KmsKey);
    await KmsKey.readByRegion(keys, context, KMSClient, async (group, client) => {
      const targets =
        group.length === 1
          ? undefined
          : await KmsKey.listFor(group, "list key aliases", () =>
              listAliases(client, context.signal),
            );
      await readEach(group, (key) =>
        key.readKey(
          client,
          targets === undefined ? key.aliasName : targets.get(key.aliasName),
          context,
        ),
      );
    });
  }

  /** Reads this key: running, stopped, pending, or terminated when the alias is gone or the key pends deletion. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof KmsKey).syncAll([this], context);
  }

  /** Creates the key and its alias; or cancels its deletion and enables it. */
  protected override async _start(context: RunContext): Promise<void> {
    const client = await this.client(KMSClient, context);
    const KeyId = this.key?.KeyId;
    if (KeyId === undefined) return this.create(client, context);
    const abortSignal = context.signal;
    try {
      if (this.key?.KeyState === KeyState.PendingDeletion)
        await client.send(new CancelKeyDeletionCommand({ KeyId }), { abortSignal });
      if (this.desiredState === "running")
        await client.send(new EnableKeyCommand({ KeyId }), { abortSignal });
    } catch (error) {
      throw wrapAwsError(error, this.id, `enable key ${this.aliasName}`);
    }
  }

  /** Disables the key. */
  protected override async _stop(context: RunContext): Promise<void> {
    const client = await this.client(KMSClient, context);
    try {
      await client.send(new DisableKeyCommand({ KeyId: this.key?.KeyId }), {
        abortSignal: context.signal,
      });
    } catch (error) {
      throw wrapAwsError(error, this.id, `disable key ${this.aliasName}`);
    }
  }

  /** Schedules the key's deletion after `pending_window_in_days`, then deletes the alias; both may be gone already. */
  protected override async _terminate(context: RunContext): Promise<void> {
    const client = await this.client(KMSClient, context);
    const abortSignal = context.signal;
    const KeyId = this.key?.KeyId;
    const window = this.desiredDefinition().custom_config.pending_window_in_days;
    try {
      if (KeyId !== undefined)
        await client
          .send(
            new ScheduleKeyDeletionCommand({
              KeyId,
              PendingWindowInDays: window ?? DEFAULT_PENDING_WINDOW_DAYS,
            }),
            { abortSignal },
          )
          .catch(async (error: unknown) => {
            const isPending =
              isConflict(error) &&
              (await this.describe(client, KeyId, context))?.KeyState === KeyState.PendingDeletion;
            if (!isNotFound(error) && !isPending) throw error;
          });
      await client
        .send(new DeleteAliasCommand({ AliasName: this.aliasName }), { abortSignal })
        .catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
    } catch (error) {
      throw wrapAwsError(error, this.id, `schedule the deletion of key ${this.aliasName}`);
    }
  }

  /**
   * Updates the description, the policy, rotation and tags where they differ. Key usage, spec,
   * multi-Region and key store are fixed at creation: a change to one replaces the key.
   */
  protected override async _update(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const current = this.currentStateDefinition;
    const KeyId = this.key?.KeyId;
    if (KeyId === undefined) return;
    const client = await this.client(KMSClient, context);
    const key = { KeyId, definition: current, tags: this.currentTags };
    try {
      await updateKeySettings(client, desired, key, context.signal);
    } catch (error) {
      throw wrapAwsError(error, this.id, `update key ${this.aliasName}`);
    }
  }

  /**
   * A key pending deletion reads `terminated` but still exists: starting it cancels the
   * deletion, so the ownership guard covers it too.
   */
  protected override get hasLiveResource(): boolean {
    return this.key !== undefined;
  }

  /** Reads the tags, when `syncState` did not, to tell whether the key is ours. */
  protected override readOwnership(context: RunContext): Promise<boolean> {
    return this.ownershipFromTags(async () =>
      this.readTags(await this.client(KMSClient, context), context),
    );
  }

  /** See {@link comparableKey}. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    return comparableKey(definition);
  }

  private get aliasName(): string {
    const config = this.desiredStateDefinition["custom_config"] as
      { key_name?: unknown } | undefined;
    return `alias/${String(config?.key_name)}`;
  }

  /** CreateKey with the tags and the ownership tag, CreateAlias, and rotation when asked for. */
  private async create(client: KMSClient, context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const abortSignal = context.signal;
    try {
      const { KeyMetadata } = await client.send(new CreateKeyCommand(toCreateInput(desired)), {
        abortSignal,
      });
      const KeyId = KeyMetadata?.KeyId;
      const alias = new CreateAliasCommand({ AliasName: this.aliasName, TargetKeyId: KeyId });
      await client.send(alias, { abortSignal }).catch(async (error: unknown) => {
        // Without its alias the new key could never be found again.
        const deletion = new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 });
        await client.send(deletion, { abortSignal }).catch(() => undefined);
        throw error;
      });
      if (desired.custom_config.enable_key_rotation === true)
        await client.send(new EnableKeyRotationCommand({ KeyId }), { abortSignal });
    } catch (error) {
      const hint = isConflict(error) ? " (the alias names another key)" : "";
      throw wrapAwsError(error, this.id, `create key ${this.aliasName}${hint}`);
    }
  }

  /** Sets the state from the key `target` names (a key id or the alias), with tags, rotation and policy when the definition sets them. */
  private async readKey(
    client: KMSClient,
    target: string | undefined,
    context: RunContext,
  ): Promise<void> {
    this.isOwned = undefined;
    this.currentTags = undefined;
    this.key = target === undefined ? undefined : await this.describe(client, target, context);
    const state = stateFromKeyState(this.key?.KeyState);
    if (this.key?.KeyId === undefined || state === "terminated" || state === "pending") {
      this.state = state;
      this.currentStateDefinition = {};
      return;
    }
    const KeyId = this.key.KeyId;
    const desired = this.desiredStateDefinition;
    const config = desired["custom_config"] as KmsKeyDefinition["custom_config"] | undefined;
    const wants = {
      rotation: config?.enable_key_rotation !== undefined,
      policy: desired["Policy"] !== undefined,
    };
    const [tags, settings] = await Promise.all([
      desired["Tags"] === undefined ? undefined : this.readTags(client, context),
      readKeySettings(client, KeyId, wants, context.signal).catch((error: unknown) => {
        throw wrapAwsError(error, this.id, `read the settings of key ${this.aliasName}`);
      }),
    ]);
    this.state = state;
    this.currentStateDefinition = describedKey(this.key, {
      settings,
      tags,
      keyName: config?.key_name,
      region: this.region(context),
    });
  }

  private async describe(
    client: KMSClient,
    KeyId: string,
    context: RunContext,
  ): Promise<KeyMetadata | undefined> {
    return this.readUnlessGone(`read key ${this.aliasName}`, async () => {
      const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId }), {
        abortSignal: context.signal,
      });
      return KeyMetadata;
    });
  }

  /** The key's tags, or `undefined` when it is gone. Sets `isOwned`. */
  private async readTags(
    client: KMSClient,
    context: RunContext,
  ): Promise<Record<string, string> | undefined> {
    const KeyId = this.key?.KeyId;
    if (KeyId === undefined) return undefined;
    const tags = await this.readUnlessGone(`read the tags of key ${this.aliasName}`, () =>
      listKeyTags(client, KeyId, context.signal),
    );
    if (tags === undefined) return undefined;
    this.isOwned = hasOwnershipTag(tags);
    this.currentTags = tags;
    return tags;
  }
}

/** CreateKey's input: the definition's create fields, the policy as text, tags plus the ownership tag. */
function toCreateInput(definition: KmsKeyDefinition): CreateKeyCommandInput {
  const { Policy, Tags, region_name: _region, custom_config: _config, ...create } = definition;
  return {
    ...create,
    ...(Policy === undefined ? {} : { Policy: policyText(Policy) }),
    Tags: kmsTagList(withOwnershipTag(kmsTagMap(Tags ?? []))),
  };
}
