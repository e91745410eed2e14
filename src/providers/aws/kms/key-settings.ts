import { KeySpec, KeyState, OriginType, type KeyMetadata, type Tag } from "@aws-sdk/client-kms";
import * as z from "zod";
import type { State } from "../../../core/state.js";
import { isPlainObject } from "../../../core/values.js";
import { comparablePolicyDocument } from "../iam/policy-document.js";
import { comparableTags, normalizeTags, tagMapSchema, type TagMap } from "../tags.js";

// How `kms_key` writes and compares a key's settings: KMS lists tags as `[{ TagKey, TagValue }]`
// (PCF's form), and a key policy is an IAM policy document, compared however it is spaced.

/**
 * The tag naming the particle's `custom_config.key_name` on the key it creates, beside the
 * ownership tag: the key is found by it when its alias was never made (a run killed between
 * CreateKey and CreateAlias, or CreateKey's answer lost). The framework's own: never compared
 * or removed.
 */
export const KEY_NAME_TAG = "pcf:key-name";

/** A key's name (`custom_config.key_name`): its alias without `alias/`; `alias/aws/…` is AWS's. @internal */
export const keyNameSchema = z
  .string()
  .regex(/^[\w/-]{1,250}$/, "expected up to 250 letters, digits and / _ -")
  .refine((name) => !name.startsWith("aws/"), "alias/aws/… is reserved for AWS");

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

/**
 * The form both sides are compared in: description, fixed fields, the policy as a parsed
 * document, tags as {@link comparableTags} (without {@link KEY_NAME_TAG}), and rotation.
 * Fields a definition leaves out are not compared.
 * @internal
 */
export function comparableKey(definition: Record<string, unknown>): Record<string, unknown> {
  const { Description, KeyUsage, KeySpec, MultiRegion, CustomKeyStoreId, Policy, Tags } =
    definition;
  const config = isPlainObject(definition["custom_config"]) ? definition["custom_config"] : {};
  const { [KEY_NAME_TAG]: _name, ...tags } = kmsTagMap(Tags);
  return {
    Description,
    KeyUsage,
    KeySpec,
    MultiRegion,
    CustomKeyStoreId,
    Policy: Policy === undefined ? undefined : comparablePolicyDocument(Policy),
    Tags: Tags === undefined ? undefined : comparableTags(tags),
    custom_config: { enable_key_rotation: config["enable_key_rotation"] },
  };
}

/** The particle state of each KeyState but the transient ones (`pending`). */
const STATES: Partial<Record<KeyState, State>> = {
  [KeyState.Enabled]: "running",
  [KeyState.Disabled]: "stopped",
  [KeyState.PendingDeletion]: "terminated",
  [KeyState.PendingReplicaDeletion]: "terminated",
};

/** The particle state for a KeyState: a key pending deletion reads terminated, though it can come back. */
export function stateFromKeyState(keyState: KeyState | undefined): State {
  return keyState === undefined ? "terminated" : (STATES[keyState] ?? "pending");
}

/** Whether the key's settings can be read and observed: it is enabled or disabled. @internal */
export function isReadable(key: KeyMetadata): boolean {
  return ["running", "stopped"].includes(stateFromKeyState(key.KeyState));
}

/**
 * Whether KMS can rotate the key's material (a symmetric encryption key whose material is KMS's
 * own): GetKeyRotationStatus fails for the others.
 * @internal
 */
export function canRotate(key: KeyMetadata): boolean {
  return (
    key.KeySpec === KeySpec.SYMMETRIC_DEFAULT &&
    (key.Origin ?? OriginType.AWS_KMS) === OriginType.AWS_KMS
  );
}
