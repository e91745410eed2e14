import { readEach, settleReads } from "../../core/read-failures.js";
import type { RunContext } from "../../core/run-context.js";
import type { DeclaredResource } from "./declared-resource.js";
import { ListFailures } from "./list-each.js";

/** A particle of any declared flavor. */
type AnyDeclared = DeclaredResource<Record<string, unknown>, unknown, unknown>;

/**
 * The batched read of a declared flavor: the particles grouped by location (region, project),
 * one `list` per location, every location at once. A location whose list fails fails its
 * particles only; a key the list could not read (`ListFailures`) fails its particle alone.
 * @throws ReadFailures naming each particle that could not be read.
 */
export async function readByLocation(
  members: readonly AnyDeclared[],
  context: RunContext,
): Promise<void> {
  const byLocation = new Map<string, AnyDeclared[]>();
  for (const member of members) {
    const location = member.locationOf(context);
    byLocation.set(location, [...(byLocation.get(location) ?? []), member]);
  }
  await settleReads(
    [...byLocation].map(([location, group]) => ({
      particles: group,
      read: readLocation(group, location, context),
    })),
  );
}

/** Lists the particles of one location and assigns each what was found under its key. */
async function readLocation(
  group: readonly AnyDeclared[],
  location: string,
  context: RunContext,
): Promise<void> {
  const [first] = group;
  if (first === undefined) return;
  const client = await first.clientOf(location, context);
  let listed: ReadonlyMap<string, unknown>;
  // Keys a `list` could not read (see `listEach`) fail their particles alone.
  let failures: ReadonlyMap<string, unknown> = new Map();
  try {
    const known = new Map<string, unknown>();
    for (const member of group)
      if (member.knownLive !== undefined) known.set(member.listKey, member.knownLive);
    listed = await first.listIn(
      client,
      group.map((member) => member.listKey),
      context,
      known,
    );
  } catch (error) {
    if (!(error instanceof ListFailures)) throw first.listError(error, group);
    ({ found: listed, failures } = error);
  }
  await readEach(group, (member) => {
    if (failures.has(member.listKey)) throw member.readError(failures.get(member.listKey));
    return member.readListed(listed.get(member.listKey), client, context);
  });
}
