import { ListAliasesCommand, type KMSClient } from "@aws-sdk/client-kms";

// How `kms_key` finds its keys in a batch: aliases are the only name a key has, and ListAliases
// is the one call that lists them all.

/** The key each alias in the region names, from every page of ListAliases. @internal */
export async function listAliases(
  client: KMSClient,
  abortSignal: AbortSignal,
): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  let Marker: string | undefined;
  do {
    const page = await client.send(new ListAliasesCommand({ Limit: 100, Marker }), {
      abortSignal,
    });
    for (const alias of page.Aliases ?? [])
      if (alias.AliasName !== undefined && alias.TargetKeyId !== undefined)
        targets.set(alias.AliasName, alias.TargetKeyId);
    // Truncated, not a NextMarker alone, says whether there is more.
    Marker = page.Truncated === true ? page.NextMarker : undefined;
  } while (Marker !== undefined);
  return targets;
}
