import {
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateKeyDescriptionCommand,
  type KMSClient,
  type Tag,
} from "@aws-sdk/client-kms";
import { isDeepStrictEqual } from "node:util";
import * as z from "zod";
import { isPlainObject } from "../../../core/values.js";
import {
  comparableTags,
  normalizeTags,
  sendTagChanges,
  tagMapSchema,
  type TagMap,
} from "../tags.js";

// How `kms_key` writes, compares and changes the settings a key can change in place: its
// description, policy, rotation and tags. KMS lists tags as `[{ TagKey, TagValue }]` (PCF's
// form), and a policy is a JSON document however it is spaced.

/** The settings of a key definition that change in place. @internal */
export interface KeySettings {
  readonly Description?: string | undefined;
  readonly Policy?: string | Readonly<Record<string, unknown>> | undefined;
  readonly BypassPolicyLockoutSafetyCheck?: boolean | undefined;
  readonly Tags?: unknown;
  readonly custom_config: { readonly enable_key_rotation?: boolean | undefined };
}

/** The live key, as `updateKeySettings` needs it. @internal */
export interface LiveKey {
  readonly KeyId: string;
  /** The key's current definition, as the flavor reads it. */
  readonly definition: Record<string, unknown>;
  /** Its tags, when read. */
  readonly tags: TagMap | undefined;
}

/** Tags as a `kms_key` definition may write them: PCF's `[{ TagKey, TagValue }]`, or a map. @internal */
export const kmsTagsSchema = z.union([
  z.array(z.strictObject({ TagKey: z.string().min(1).max(128), TagValue: z.string().max(256) })),
  tagMapSchema,
]);

/** A key policy: JSON text (PCF's form) or the document as an object. @internal */
export const policySchema = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);

/** A tag map from either written form, or from ListResourceTags. @internal */
export function kmsTagMap(tags: unknown): Record<string, string> {
  if (Array.isArray(tags))
    return Object.fromEntries(
      (tags as Partial<Tag>[])
        .filter((tag) => tag.TagKey !== undefined)
        .map((tag) => [String(tag.TagKey), tag.TagValue ?? ""]),
    );
  return isPlainObject(tags)
    ? normalizeTags(tags as Record<string, string | number | boolean>)
    : {};
}

/** `{ a: "1" }` → `[{ TagKey: "a", TagValue: "1" }]`, sorted by key. @internal */
export function kmsTagList(tags: TagMap): Tag[] {
  return Object.keys(tags)
    .sort()
    .map((key) => ({ TagKey: key, TagValue: tags[key] ?? "" }));
}

/** The policy as the text KMS takes. @internal */
export function policyText(policy: string | Readonly<Record<string, unknown>>): string {
  return typeof policy === "string" ? policy : JSON.stringify(policy);
}

/**
 * The form both sides are compared in: description, fixed fields, the policy as a parsed
 * document, tags as {@link comparableTags}, and rotation (`custom_config.enable_key_rotation`)
 * as `KeyRotationEnabled`. Fields a definition leaves out are not compared.
 * @internal
 */
export function comparableKey(definition: Record<string, unknown>): Record<string, unknown> {
  const { Description, KeyUsage, KeySpec, MultiRegion, CustomKeyStoreId, Policy, Tags } =
    definition;
  const config = definition["custom_config"];
  return {
    Description,
    KeyUsage,
    KeySpec,
    MultiRegion,
    CustomKeyStoreId,
    Policy: Policy === undefined ? undefined : policyDocument(Policy),
    Tags: Tags === undefined ? undefined : comparableTags(kmsTagMap(Tags)),
    KeyRotationEnabled: isPlainObject(config) ? config["enable_key_rotation"] : undefined,
  };
}

function policyDocument(policy: unknown): unknown {
  if (typeof policy !== "string") return policy;
  try {
    return JSON.parse(policy) as unknown;
  } catch {
    return policy;
  }
}

/** The key's tags, from every page of ListResourceTags. @internal */
export async function listKeyTags(
  client: KMSClient,
  KeyId: string,
  abortSignal: AbortSignal,
): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let Marker: string | undefined;
  do {
    const page = await client.send(new ListResourceTagsCommand({ KeyId, Marker }), {
      abortSignal,
    });
    Object.assign(tags, kmsTagMap(page.Tags ?? []));
    Marker = page.Truncated === true ? page.NextMarker : undefined;
  } while (Marker !== undefined);
  return tags;
}

/** The live rotation flag and policy text, each read only when asked for. @internal */
export async function readKeySettings(
  client: KMSClient,
  KeyId: string,
  wants: { readonly rotation: boolean; readonly policy: boolean },
  abortSignal: AbortSignal,
): Promise<{ KeyRotationEnabled?: boolean | undefined; Policy?: string | undefined }> {
  const [rotation, policy] = await Promise.all([
    wants.rotation
      ? client.send(new GetKeyRotationStatusCommand({ KeyId }), { abortSignal })
      : undefined,
    wants.policy
      ? client.send(new GetKeyPolicyCommand({ KeyId, PolicyName: "default" }), { abortSignal })
      : undefined,
  ]);
  return {
    KeyRotationEnabled: rotation === undefined ? undefined : rotation.KeyRotationEnabled === true,
    Policy: policy?.Policy,
  };
}

/**
 * Sends UpdateKeyDescription, PutKeyPolicy, Enable/DisableKeyRotation and Untag/TagResource for
 * the settings `desired` sets and the live key does not match; nothing else.
 * @internal
 */
export async function updateKeySettings(
  client: KMSClient,
  desired: KeySettings,
  key: LiveKey,
  abortSignal: AbortSignal,
): Promise<void> {
  const { KeyId } = key;
  const live = comparableKey(key.definition);
  if (desired.Description !== undefined && desired.Description !== live["Description"])
    await client.send(
      new UpdateKeyDescriptionCommand({ KeyId, Description: desired.Description }),
      {
        abortSignal,
      },
    );
  if (
    desired.Policy !== undefined &&
    !isDeepStrictEqual(policyDocument(desired.Policy), live["Policy"])
  )
    await client.send(
      new PutKeyPolicyCommand({
        KeyId,
        PolicyName: "default",
        Policy: policyText(desired.Policy),
        BypassPolicyLockoutSafetyCheck: desired.BypassPolicyLockoutSafetyCheck,
      }),
      { abortSignal },
    );
  const rotation = desired.custom_config.enable_key_rotation;
  if (rotation === true && live["KeyRotationEnabled"] !== true)
    await client.send(new EnableKeyRotationCommand({ KeyId }), { abortSignal });
  if (rotation === false && live["KeyRotationEnabled"] !== false)
    await client.send(new DisableKeyRotationCommand({ KeyId }), { abortSignal });
  if (desired.Tags !== undefined)
    await sendTagChanges(key.tags ?? {}, kmsTagMap(desired.Tags), {
      untag: (TagKeys) =>
        client.send(new UntagResourceCommand({ KeyId, TagKeys }), { abortSignal }),
      tag: (set) =>
        client.send(new TagResourceCommand({ KeyId, Tags: kmsTagList(set) }), { abortSignal }),
    });
}
