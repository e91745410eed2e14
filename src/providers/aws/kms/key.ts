import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  KeyManagerType,
  KeySpec,
  KeyState,
  KeyUsageType,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateKeyDescriptionCommand,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource, actionsOf, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { policyDocumentText } from "../iam/policy-document.js";
import { findUnnamedKey, listAliases, listKeyNames, listKeyTags } from "./key-lookup.js";
import {
  KEY_NAME_TAG,
  canRotate,
  comparableKey,
  isReadable,
  keyNameSchema,
  kmsTagList,
  kmsTagMap,
  kmsTagsSchema,
  policySchema,
  stateFromKeyState,
} from "./key-settings.js";

/** How long a terminated key waits before KMS deletes it, in days, unless `pending_window_in_days` says otherwise. */
const DEFAULT_PENDING_WINDOW_DAYS = 7;

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
   * on update; the `pcf:managed-by` and `pcf:key-name` tags are always kept. Default: not compared.
   */
  Tags: kmsTagsSchema.optional(),
  /** The key's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  custom_config: z.strictObject({
    ...awsCustomConfigSchema.shape,
    /** The key's name: its alias is `alias/<key_name>`. Required: it is the unique key. */
    key_name: keyNameSchema,
    /** Days between terminate and deletion, 7–30. Default 7. */
    pending_window_in_days: z.int().min(7).max(30).optional(),
    /** Yearly automatic rotation of the key material. Default: not compared (KMS: off). */
    enable_key_rotation: z.boolean().optional(),
  }),
});

/** What a user writes in the `aws_resource` block of a `kms_key` particle. */
export type KmsKeyDefinition = z.infer<typeof kmsKeySchema>;

/** A key as read: DescribeKey's answer, with the settings the definition sets. */
interface LiveKey {
  readonly key: KeyMetadata;
  readonly keyId: string;
  /** The name its alias gives it (`data` for `alias/data`): the particle's `key_name`. */
  readonly keyName: string;
  /** Whether rotation is on; read only when the definition sets it. */
  readonly rotation?: boolean | undefined;
  /** The policy's text; read only when the definition sets one. */
  readonly policy?: string | undefined;
}

const GONE = ["NotFoundException"];
const WRONG_STATE = ["KMSInvalidStateException"];

/** The codes of the key calls, by class. */
const KEY_ERRORS: OperationErrors = {
  CreateKey: { invalid: ["MalformedPolicyDocumentException", "LimitExceededException"] },
  CreateAlias: { alreadyExists: ["AlreadyExistsException"], notFound: GONE },
  DescribeKey: { notFound: GONE },
  ListResourceTags: { notFound: GONE },
  GetKeyRotationStatus: { notFound: GONE, wrongState: WRONG_STATE },
  GetKeyPolicy: { notFound: GONE, wrongState: WRONG_STATE },
  ScheduleKeyDeletion: { notFound: GONE, wrongState: WRONG_STATE },
  DeleteAlias: { notFound: GONE },
  CancelKeyDeletion: { notFound: GONE, wrongState: WRONG_STATE },
  EnableKey: { notFound: GONE, wrongState: WRONG_STATE },
  DisableKey: { notFound: GONE, wrongState: WRONG_STATE },
};

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
 * CreateKey tags the key with the ownership tag and `pcf:key-name=<key_name>`, and a create
 * first looks for such a key without an alias (made by a run killed before CreateAlias, or by a
 * CreateKey whose answer was lost) and names that one instead of making another.
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
export class KmsKey extends AWSResource<KmsKeyDefinition, LiveKey, KMSClient> {
  static override readonly flavor: string = "kms_key";
  static override readonly service: string = "kms";
  static override readonly Client = KMSClient;
  static override readonly definitionSchema = kmsKeySchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.custom_config.key_name"];
  /** KMS fixes a key's usage, spec, multi-Region flag and key store at creation. */
  static override readonly fixedFields = ["KeyUsage", "KeySpec", "MultiRegion", "CustomKeyStoreId"];
  static override readonly inPlaceFields = ["Description", "Policy", "Tags", "custom_config"];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateKey";
  static override readonly operationErrors = KEY_ERRORS;
  static override readonly actions = actionsOf("kms", {
    read: "ListAliases DescribeKey ListResourceTags GetKeyRotationStatus GetKeyPolicy",
    start:
      "ListKeys ListAliases ListResourceTags CreateKey CreateAlias CancelKeyDeletion EnableKey EnableKeyRotation",
    stop: "DisableKey",
    update:
      "UpdateKeyDescription PutKeyPolicy EnableKeyRotation DisableKeyRotation TagResource UntagResource",
    terminate: "ScheduleKeyDeletion DescribeKey DeleteAlias",
  });

  protected override readonly updaters: FieldUpdaters<KmsKeyDefinition, LiveKey, KMSClient> = {
    Description: (client, { keyId: KeyId }, { Description }, { signal: abortSignal }) =>
      client.send(new UpdateKeyDescriptionCommand({ KeyId, Description }), { abortSignal }),
    Policy: (client, { keyId: KeyId }, { Policy = {}, BypassPolicyLockoutSafetyCheck }, context) =>
      client.send(
        new PutKeyPolicyCommand({
          KeyId,
          PolicyName: "default",
          Policy: policyDocumentText(Policy),
          BypassPolicyLockoutSafetyCheck,
        }),
        { abortSignal: context.signal },
      ),
    custom_config: (client, { keyId: KeyId }, { custom_config: config }, context) =>
      client.send(
        config.enable_key_rotation === true
          ? new EnableKeyRotationCommand({ KeyId })
          : new DisableKeyRotationCommand({ KeyId }),
        { abortSignal: context.signal },
      ),
  };

  /** The keys of `names` that exist: a lone key through its alias, more through ListAliases. */
  protected override async list(
    client: KMSClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, LiveKey>> {
    // One DescribeKey of the alias reads a lone key: a call less than listing the aliases.
    const targets =
      names.length === 1
        ? new Map(names.map((name) => [`alias/${name}`, `alias/${name}`]))
        : await listAliases(client, signal);
    const found = await Promise.all(
      names.map(async (name) => {
        const target = targets.get(`alias/${name}`);
        const key = target === undefined ? undefined : await this.describe(client, target, signal);
        const live = key?.KeyId === undefined ? [] : [{ key, keyId: key.KeyId, keyName: name }];
        return live.map((found) => [name, found] as const);
      }),
    );
    return new Map(found.flat());
  }

  /**
   * Every key of the region that an alias names, enabled or disabled, with its policy and (where
   * the key can rotate) its rotation: ListAliases, then DescribeKey, GetKeyPolicy and
   * GetKeyRotationStatus each. Left out: keys without an alias (the alias is the particle's key),
   * AWS-managed keys and aliases (`alias/aws/…`), aliases no `key_name` can write, and keys
   * pending deletion (they read terminated). A key with several aliases is listed once, under
   * the first of them in alphabetical order.
   */
  protected override async listAll(
    client: KMSClient,
    { signal }: RunContext,
  ): Promise<readonly LiveKey[]> {
    const keys = await Promise.all(
      [...(await listKeyNames(client, signal))].map(async ([keyId, keyName]) => {
        const key = await this.describe(client, keyId, signal);
        if (key?.KeyManager !== KeyManagerType.CUSTOMER || !isReadable(key)) return undefined;
        const live = { key, keyId, keyName };
        const reads = { isPolicyRead: true, isRotationRead: canRotate(key) };
        return this.withSettings(client, live, reads, signal);
      }),
    );
    return keys.filter((key) => key !== undefined);
  }

  /** The rotation flag and the policy, each read only when the definition sets it. */
  protected override async complete(
    client: KMSClient,
    live: LiveKey,
    { signal }: RunContext,
  ): Promise<LiveKey> {
    const { Policy, custom_config: config } = this
      .desiredStateDefinition as Partial<KmsKeyDefinition>;
    if (!isReadable(live.key)) return live;
    const reads = {
      isPolicyRead: Policy !== undefined,
      isRotationRead: config?.enable_key_rotation !== undefined,
    };
    return this.withSettings(client, live, reads, signal);
  }

  /** The key's state from its KeyState; the settings of a key pending deletion are not observed. */
  protected override observe(live: LiveKey, context: RunContext): Observation {
    const { key, rotation, policy } = live;
    const state = stateFromKeyState(key.KeyState);
    if (state !== "running" && state !== "stopped") return { state, definition: {} };
    return {
      state,
      definition: {
        KeyId: key.KeyId,
        Arn: key.Arn,
        KeyState: key.KeyState,
        Description: key.Description ?? "",
        KeyUsage: key.KeyUsage,
        KeySpec: key.KeySpec,
        MultiRegion: key.MultiRegion ?? false,
        ...(key.CustomKeyStoreId === undefined ? {} : { CustomKeyStoreId: key.CustomKeyStoreId }),
        ...(policy === undefined ? {} : { Policy: policy }),
        custom_config: {
          key_name: live.keyName,
          ...(rotation === undefined ? {} : { enable_key_rotation: rotation }),
        },
        region_name: this.region(context),
      },
    };
  }

  /**
   * Names the key with its alias: the key a create of this name made without one, else a new
   * key from CreateKey, tagged with the ownership tag and the key's name.
   */
  protected override async create(
    client: KMSClient,
    desired: KmsKeyDefinition,
    { signal: abortSignal }: RunContext,
  ): Promise<LiveKey> {
    const { Policy, Tags, region_name: _region, custom_config: _config, ...fields } = desired;
    const describe = (KeyId: string) => this.describe(client, KeyId, abortSignal);
    const tags = { ...kmsTagMap(Tags), ...this.writtenOwnership, [KEY_NAME_TAG]: this.keyName };
    const policy = Policy === undefined ? undefined : policyDocumentText(Policy);
    const input = { ...fields, Policy: policy, Tags: kmsTagList(tags) };
    const create = () => client.send(new CreateKeyCommand(input), { abortSignal });
    const key =
      (await findUnnamedKey(client, this.keyName, { describe, abortSignal })) ??
      required((await create()).KeyMetadata, "key");
    const KeyId = required(key.KeyId, "key id");
    const alias = { AliasName: `alias/${this.keyName}`, TargetKeyId: KeyId };
    await client.send(new CreateAliasCommand(alias), { abortSignal });
    // A new key rotates nothing and has the policy it was given.
    return { key, keyId: KeyId, keyName: this.keyName, rotation: false, policy };
  }

  /** Schedules the key's deletion after `pending_window_in_days`, then deletes the alias. */
  protected override async remove(
    client: KMSClient,
    { key, keyId: KeyId }: LiveKey,
    { signal: abortSignal }: RunContext,
  ): Promise<void> {
    const days = this.desiredDefinition().custom_config.pending_window_in_days;
    const deletion = { KeyId, PendingWindowInDays: days ?? DEFAULT_PENDING_WINDOW_DAYS };
    if (key.KeyState !== KeyState.PendingDeletion)
      await client
        .send(new ScheduleKeyDeletionCommand(deletion), { abortSignal })
        .catch(async (error: unknown) => {
          // KMS refuses to schedule a key already pending deletion: that one is done.
          const isPending =
            this.classifyFailure(error) === "wrongState" &&
            (await this.describe(client, KeyId, abortSignal))?.KeyState ===
              KeyState.PendingDeletion;
          if (!isPending) throw error;
        });
    const AliasName = `alias/${this.keyName}`;
    await this.unlessNotFound(client.send(new DeleteAliasCommand({ AliasName }), { abortSignal }));
  }

  /** DisableKey. */
  protected override async halt(
    client: KMSClient,
    { keyId: KeyId }: LiveKey,
    { signal: abortSignal }: RunContext,
  ): Promise<void> {
    await client.send(new DisableKeyCommand({ KeyId }), { abortSignal });
  }

  /** Cancels a pending deletion (the key is then disabled), and enables the key for desired running. */
  protected override async resume(
    client: KMSClient,
    { key, keyId: KeyId }: LiveKey,
    { signal: abortSignal }: RunContext,
  ): Promise<void> {
    if (key.KeyState === KeyState.PendingDeletion)
      await client.send(new CancelKeyDeletionCommand({ KeyId }), { abortSignal });
    if (this.desiredState === "running")
      await client.send(new EnableKeyCommand({ KeyId }), { abortSignal });
  }

  protected override readTags(
    client: KMSClient,
    live: LiveKey,
    context: RunContext,
  ): Promise<TagMap> {
    return listKeyTags(client, live.keyId, context.signal);
  }

  /** TagResource and UntagResource; the key's name tag stays, like the ownership tag. */
  protected override async writeTags(
    client: KMSClient,
    { keyId: KeyId }: LiveKey,
    { set, remove }: TagChanges,
    { signal: abortSignal }: RunContext,
  ): Promise<void> {
    const TagKeys = remove.filter((key) => key !== KEY_NAME_TAG);
    if (TagKeys.length > 0)
      await client.send(new UntagResourceCommand({ KeyId, TagKeys }), { abortSignal });
    if (Object.keys(set).length > 0)
      await client.send(new TagResourceCommand({ KeyId, Tags: kmsTagList(set) }), { abortSignal });
  }

  /** The generic block, without the key's name tag: the create writes it, like the ownership tag. */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const { [KEY_NAME_TAG]: _name, ...tags } = ownTags ?? {};
    return super.discoveredResource(observation, ownTags && tags);
  }

  /** The written tags, PCF's list or a map, as a map. */
  protected override wantedTags(): TagMap | undefined {
    const tags = this.desiredStateDefinition["Tags"];
    return tags === undefined ? undefined : kmsTagMap(tags);
  }

  /**
   * A key pending deletion reads `terminated` but still exists: starting it cancels the
   * deletion, so the ownership guard covers it too.
   */
  protected override get hasLiveResource(): boolean {
    return this.live !== undefined;
  }

  /** See {@link comparableKey}. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    return comparableKey(definition);
  }

  private get keyName(): string {
    const config = this.desiredStateDefinition["custom_config"] as { key_name?: unknown };
    return String(config.key_name);
  }

  /** `live` with the settings `reads` asks for: GetKeyPolicy, GetKeyRotationStatus. */
  private async withSettings(
    client: KMSClient,
    live: LiveKey,
    reads: { readonly isPolicyRead: boolean; readonly isRotationRead: boolean },
    abortSignal: AbortSignal,
  ): Promise<LiveKey> {
    const { keyId: KeyId } = live;
    const [rotation, policy] = await Promise.all([
      reads.isRotationRead
        ? client.send(new GetKeyRotationStatusCommand({ KeyId }), { abortSignal })
        : undefined,
      reads.isPolicyRead
        ? client.send(new GetKeyPolicyCommand({ KeyId, PolicyName: "default" }), { abortSignal })
        : undefined,
    ]);
    const isRotating = rotation === undefined ? undefined : rotation.KeyRotationEnabled === true;
    return { ...live, rotation: isRotating, policy: policy?.Policy };
  }

  /** DescribeKey of `KeyId` (an id or an alias); `undefined` when there is no such key. */
  private describe(
    client: KMSClient,
    KeyId: string,
    abortSignal: AbortSignal,
  ): Promise<KeyMetadata | undefined> {
    return this.unlessNotFound(
      client
        .send(new DescribeKeyCommand({ KeyId }), { abortSignal })
        .then(({ KeyMetadata }) => KeyMetadata),
    );
  }

  /** `call`'s answer; `undefined` when it failed on something not found. */
  private async unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
    return call.catch((error: unknown) => {
      if (this.classifyFailure(error) === "notFound") return undefined;
      throw error;
    });
  }
}
