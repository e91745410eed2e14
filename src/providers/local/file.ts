import { chmod, open, rm } from "node:fs/promises";
import { resolve } from "node:path";
import * as z from "zod";
import type { RunContext } from "../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../core/state.js";
import type { FieldUpdaters } from "../kit/calls.js";
import type { Observation } from "../kit/facts.js";
import { listEach } from "../kit/list-each.js";
import { writeAtomically } from "./atomic-write.js";
import { LocalResource, unlessMissing, type LocalHost } from "./resource.js";

/** The `local_resource` block of a `local_file` particle. */
export const localFileSchema = z.strictObject({
  /**
   * Where the file lives. Relative paths resolve against the base directory (see
   * {@link LocalProviderOptions}); absolute paths are used as written. Required: it is the unique key.
   */
  path: z.string().min(1),
  /** The file's text, written and compared as UTF-8. Default `""`. */
  content: z.string().default(""),
  /** Permission bits as an octal string (`"644"` or `"0644"`), applied regardless of the umask. Default `"0644"`. */
  mode: z
    .string()
    .regex(/^[0-7]{3,4}$/, 'expected an octal mode such as "0644"')
    .default("0644"),
  /** Free-form settings for callbacks and tooling; never compared. */
  custom_config: z.record(z.string(), z.unknown()).optional(),
});

/** What a user writes in the `local_resource` block of a `local_file` particle. */
export type LocalFileDefinition = z.input<typeof localFileSchema>;

/** The parsed block, defaults applied. */
type ParsedLocalFile = z.output<typeof localFileSchema>;

/** A file as a read finds it: its path as written, its text and its mode as 4 octal digits. */
interface LiveFile {
  readonly path: string;
  readonly content: string;
  readonly mode: string;
}

/**
 * A text file on this machine, found by its path. Stopping a file deletes it, like terminating.
 * Writes are atomic: the content goes to a temporary file in the same directory, which is then
 * renamed over the target, so the target never holds half a file. Only `content` and `mode` are
 * compared, and both change in place; the owner and timestamps are left alone.
 *
 * Files are not discovered (no `listAll`): a file carries no mark of the framework and the
 * provider keeps no record of the files it wrote, so the files of the base directory cannot be
 * told from anyone else's, and listing them would offer a user's own files to `pcf nuke`.
 *
 * @example
 * ```ts
 * const motd = new LocalFile({
 *   pcf_name: "motd",
 *   flavor: "local_file",
 *   local_resource: { path: "motd.txt", content: "hello\n", mode: "0600" },
 * });
 * await motd.apply({ providerOptions: { local: { baseDir: "/tmp/demo" } } });
 * ```
 */
export class LocalFile extends LocalResource<ParsedLocalFile, LiveFile> {
  static override readonly flavor: string = "local_file";
  static override readonly uniqueKeys: readonly string[] = ["local_resource.path"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = localFileSchema;
  static override readonly inPlaceFields: readonly string[] = ["content", "mode"];

  protected override readonly updaters: FieldUpdaters<ParsedLocalFile, LiveFile, LocalHost> = {
    content: ({ baseDir }, { path }, { content, mode }, { signal }) =>
      writeAtomically(resolve(baseDir, path), content, { mode: parseMode(mode), signal }),
    mode: ({ baseDir }, { path }, { mode }) => chmod(resolve(baseDir, path), parseMode(mode)),
  };

  /** Each file of `paths` that exists, read with its mode; a missing one is gone. */
  protected override list(
    { baseDir }: LocalHost,
    paths: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, LiveFile>> {
    return listEach(paths, async (path) => {
      const handle = await unlessMissing(open(resolve(baseDir, path), "r"));
      if (handle === undefined) return undefined;
      try {
        const { mode } = await handle.stat();
        const content = await handle.readFile({ encoding: "utf8", signal });
        return { path, content, mode: formatMode(mode) };
      } finally {
        await handle.close();
      }
    });
  }

  /** A file that exists is running. */
  protected override observe(file: LiveFile): Observation {
    return { state: "running", definition: { ...file } };
  }

  /** Writes the file with its content and mode, creating parent directories. */
  protected override async create(
    { baseDir }: LocalHost,
    { path, content, mode }: ParsedLocalFile,
    { signal }: RunContext,
  ): Promise<LiveFile> {
    await writeAtomically(resolve(baseDir, path), content, { mode: parseMode(mode), signal });
    return { path, content, mode: formatMode(parseMode(mode)) };
  }

  /** Deletes the file; a missing one is fine. */
  protected override async remove({ baseDir }: LocalHost, { path }: LiveFile): Promise<void> {
    await rm(resolve(baseDir, path), { force: true });
  }

  /** Compares content and mode only, with their defaults applied and the mode as 4 digits. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const mode = definition["mode"] ?? "0644";
    return {
      content: definition["content"] ?? "",
      mode: typeof mode === "string" && /^[0-7]{3,4}$/.test(mode) ? mode.padStart(4, "0") : mode,
    };
  }
}

/** The permission bits of an octal mode string. */
function parseMode(mode: string): number {
  return Number.parseInt(mode, 8);
}

/** The permission bits of a `stat` mode as a 4-digit octal string. */
function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}
