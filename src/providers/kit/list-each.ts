import { listNames, messageOf } from "../../core/errors.js";

/**
 * What a flavor's `list` throws when it read some keys and not others: the resources it found,
 * and the error of each key it could not read. The kit assigns what was found and fails only
 * the particles of the failed keys, as if each had been read on its own.
 */
export class ListFailures extends Error {
  override readonly name = "ListFailures";

  constructor(
    /** The resources of the keys that were read, by key (a key read and found gone is absent). */
    readonly found: ReadonlyMap<string, unknown>,
    /** The error of each key that could not be read. */
    readonly failures: ReadonlyMap<string, unknown>,
  ) {
    const [only] = failures.values();
    super(
      failures.size === 1
        ? messageOf(only)
        : `${failures.size} keys could not be read: ${listNames([...failures.keys()])}`,
      { cause: only },
    );
  }
}

/**
 * A `list` for APIs (and file systems) with no batch read: reads every key with `read`, all at
 * once, and gives those found by key (`read` gives `undefined` for one that is gone).
 * @throws ListFailures when some reads failed, with what the others found.
 */
export async function listEach<L>(
  keys: readonly string[],
  read: (key: string) => Promise<L | undefined>,
): Promise<ReadonlyMap<string, L>> {
  const found = new Map<string, L>();
  const failures = new Map<string, unknown>();
  await Promise.all(
    [...new Set(keys)].map(async (key) => {
      try {
        const live = await read(key);
        if (live !== undefined) found.set(key, live);
      } catch (error) {
        failures.set(key, error);
      }
    }),
  );
  if (failures.size > 0) throw new ListFailures(found, failures);
  return found;
}
