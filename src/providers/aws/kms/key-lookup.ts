import {
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  type KMSClient,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import { hasOwnershipTag } from "../tags.js";
import { KEY_NAME_TAG, keyNameSchema, kmsTagMap, stateFromKeyState } from "./key-settings.js";

// How `kms_key` finds its keys: aliases are the only name a key has, ListAliases the one call
// that lists them all; a key whose alias was never made is found by its tags.

/** The key each alias in the region names, from every page of ListAliases. @internal */
export async function listAliases(
  client: KMSClient,
  abortSignal: AbortSignal,
): Promise<Map<string, string>> {
  const pages = await allPages((Marker) =>
    client.send(new ListAliasesCommand({ Limit: 100, Marker }), { abortSignal }),
  );
  return new Map(
    pages.flatMap((page) =>
      (page.Aliases ?? []).flatMap(({ AliasName, TargetKeyId }) =>
        AliasName === undefined || TargetKeyId === undefined ? [] : [[AliasName, TargetKeyId]],
      ),
    ),
  );
}

/**
 * The name each aliased key of the region goes by, by key id: its alias without `alias/`, the
 * first in alphabetical order when it has several. Aliases no `key_name` can write (AWS's
 * `alias/aws/…`) name none.
 * @internal
 */
export async function listKeyNames(
  client: KMSClient,
  abortSignal: AbortSignal,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const aliases = [...(await listAliases(client, abortSignal))].sort(([a], [b]) =>
    a.localeCompare(b),
  );
  for (const [alias, keyId] of aliases) {
    const name = alias.replace(/^alias\//, "");
    if (!names.has(keyId) && keyNameSchema.safeParse(name).success) names.set(keyId, name);
  }
  return names;
}

/** The key's tags, from every page of ListResourceTags. @internal */
export async function listKeyTags(
  client: KMSClient,
  KeyId: string,
  abortSignal: AbortSignal,
): Promise<Record<string, string>> {
  const pages = await allPages((Marker) =>
    client.send(new ListResourceTagsCommand({ KeyId, Marker }), { abortSignal }),
  );
  return kmsTagMap(pages.flatMap((page) => page.Tags ?? []));
}

/**
 * The key a create of `keyName` made whose alias is missing: a key of the region with no alias,
 * carrying the ownership tag and `pcf:key-name=keyName`, not pending deletion. ListResourceTags
 * is sent for the keys without an alias only, and DescribeKey for those tagged with the name.
 * @internal
 */
export async function findUnnamedKey(
  client: KMSClient,
  keyName: string,
  calls: {
    readonly describe: (KeyId: string) => Promise<KeyMetadata | undefined>;
    readonly abortSignal: AbortSignal;
  },
): Promise<KeyMetadata | undefined> {
  const { abortSignal } = calls;
  const [pages, aliases] = await Promise.all([
    allPages((Marker) =>
      client.send(new ListKeysCommand({ Limit: 1000, Marker }), { abortSignal }),
    ),
    listAliases(client, abortSignal),
  ]);
  const named = new Set(aliases.values());
  for (const { KeyId } of pages.flatMap((page) => page.Keys ?? [])) {
    if (KeyId === undefined || named.has(KeyId)) continue;
    const tags = await listKeyTags(client, KeyId, abortSignal);
    if (tags[KEY_NAME_TAG] !== keyName || !hasOwnershipTag(tags)) continue;
    const key = await calls.describe(KeyId);
    if (key !== undefined && stateFromKeyState(key.KeyState) !== "terminated") return key;
  }
  return undefined;
}

/** Every page of a KMS list: `Truncated`, not a `NextMarker` alone, says whether there is more. */
async function allPages<P extends { Truncated?: boolean; NextMarker?: string }>(
  send: (Marker: string | undefined) => Promise<P>,
): Promise<P[]> {
  const pages: P[] = [];
  let Marker: string | undefined;
  do {
    const page = await send(Marker);
    pages.push(page);
    Marker = page.Truncated === true ? page.NextMarker : undefined;
  } while (Marker !== undefined);
  return pages;
}
