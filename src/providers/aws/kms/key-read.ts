import { KeyState, type KeyMetadata } from "@aws-sdk/client-kms";
import type { State } from "../../../core/state.js";

/** What a key read found besides its metadata: its settings, its tags when read, where it lives. */
export interface KeyReadExtras {
  settings: { KeyRotationEnabled?: boolean | undefined; Policy?: string | undefined };
  tags: Record<string, string> | undefined;
  keyName: unknown;
  region: string;
}

/** The current-state definition of the key `key` (which has a KeyId) describes. */
export function describedKey(
  key: KeyMetadata,
  { settings, tags, keyName, region }: KeyReadExtras,
): Record<string, unknown> {
  return {
    KeyId: key.KeyId,
    Arn: key.Arn,
    KeyState: key.KeyState,
    Description: key.Description ?? "",
    KeyUsage: key.KeyUsage,
    KeySpec: key.KeySpec,
    MultiRegion: key.MultiRegion ?? false,
    ...(key.CustomKeyStoreId === undefined ? {} : { CustomKeyStoreId: key.CustomKeyStoreId }),
    ...(settings.Policy === undefined ? {} : { Policy: settings.Policy }),
    ...(tags === undefined ? {} : { Tags: tags }),
    custom_config: {
      key_name: keyName,
      ...(settings.KeyRotationEnabled === undefined
        ? {}
        : { enable_key_rotation: settings.KeyRotationEnabled }),
    },
    region_name: region,
  };
}

/** The particle state for a KeyState; no key reads terminated. */
export function stateFromKeyState(keyState: KeyState | undefined): State {
  switch (keyState) {
    case KeyState.Enabled:
      return "running";
    case KeyState.Disabled:
      return "stopped";
    case undefined:
    case KeyState.PendingDeletion:
    case KeyState.PendingReplicaDeletion:
      return "terminated";
    default:
      return "pending";
  }
}
