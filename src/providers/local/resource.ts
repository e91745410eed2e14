import { PcfError, messageOf } from "../../core/errors.js";
import type { RunContext } from "../../core/run-context.js";
import { readPath } from "../../core/values.js";
import type { CallFailure } from "../kit/calls.js";
import { DeclaredResource } from "../kit/declared-resource.js";
import type { TagMap } from "../kit/tags.js";
import { resolveLocalBaseDir } from "./options.js";

/** The local provider's "client": the directory the run's relative paths resolve against. */
export interface LocalHost {
  /** The run's base directory (see `LocalProviderOptions`), absolute. */
  readonly baseDir: string;
}

/**
 * The base of every local flavor: the provider's part of the kit's {@link DeclaredResource}.
 * The location of every particle is the run's base directory, so one `list` reads all the
 * particles of a flavor; the client is that directory ({@link LocalHost}). A missing file or
 * directory (`ENOENT`, `ENOTDIR`) is a resource not found. Local resources carry no tags and no
 * ownership mark: every transition is allowed on what the flavor finds under its key.
 *
 * @typeParam D - The parsed `local_resource` block.
 * @typeParam L - What a read finds of one resource.
 */
export abstract class LocalResource<D extends Record<string, unknown>, L> extends DeclaredResource<
  D,
  L,
  LocalHost
> {
  static override readonly resourceKey: string = "local_resource";

  /** The run's base directory. */
  protected override location(context: RunContext): string {
    return resolveLocalBaseDir(context);
  }

  /** The base directory as the calls' {@link LocalHost}; nothing to retry or close. */
  protected override clientIn(baseDir: string): Promise<LocalHost> {
    return Promise.resolve({ baseDir });
  }

  /** A missing file (see {@link isMissing}) is `notFound`. */
  protected override classifyFailure(error: unknown): CallFailure {
    return isMissing(error) ? "notFound" : undefined;
  }

  /** `TRANSITION_FAILED` naming the particles and the call, the error as cause; a `PcfError` as it is. */
  protected override callError(
    error: unknown,
    what: string,
    particles: readonly string[] = [this.id],
  ): PcfError {
    if (error instanceof PcfError) return error;
    return new PcfError(
      "TRANSITION_FAILED",
      `${what}: ${messageOf(error)}`,
      { particle: particles.join(", ") },
      { cause: error },
    );
  }

  /** None: local resources carry no ownership mark. */
  protected override get ownershipTag(): TagMap {
    return {};
  }

  /** The flavor and the unique-key values: `local_file "motd.txt"`. */
  protected override resourceLabel(): string {
    const type = this.constructor as typeof LocalResource;
    const values = type.uniqueKeys.map((key) => String(readPath(this.definition, key)));
    return `${this.flavor} "${values.join(", ")}"`;
  }

  /** The desired definition, parsed by the flavor's schema (defaults applied). */
  protected override desiredDefinition(): D {
    return this.parseDesiredDefinition<D>();
  }
}

/** What `call` gives, or `undefined` when it failed because a file is missing (see {@link isMissing}). */
export async function unlessMissing<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** True when a file system call failed because the file, or a directory on its path, does not exist. */
function isMissing(error: unknown): boolean {
  if (error instanceof PcfError) return false;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
