import { ListAliasesCommand, type KMSClient } from "@aws-sdk/client-kms";
import type { Particle } from "../../../core/particle.js";
import type { RunContext } from "../../../core/run-context.js";
import { wrapAwsError } from "../errors.js";

// How `kms_key` finds its keys in a batch: aliases are the only name a key has, and ListAliases
// is the one call that lists them all.

/** The key each alias in the region names, from every page of ListAliases; failures name `particles`. @internal */
export async function listAliases(
  client: KMSClient,
  particles: readonly Particle[],
  context: RunContext,
): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  let Marker: string | undefined;
  try {
    do {
      const page = await client.send(new ListAliasesCommand({ Limit: 100, Marker }), {
        abortSignal: context.signal,
      });
      for (const alias of page.Aliases ?? [])
        if (alias.AliasName !== undefined && alias.TargetKeyId !== undefined)
          targets.set(alias.AliasName, alias.TargetKeyId);
      Marker = page.Truncated === true ? page.NextMarker : undefined;
    } while (Marker !== undefined);
  } catch (error) {
    throw wrapAwsError(
      error,
      particles.map((particle) => particle.id).join(", "),
      "list key aliases",
    );
  }
  return targets;
}
