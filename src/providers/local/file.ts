import { open, rm } from "node:fs/promises";
import { resolve } from "node:path";
import * as z from "zod";
import { PcfError } from "../../core/errors.js";
import { Particle } from "../../core/particle.js";
import type { RunContext } from "../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../core/state.js";
import { writeAtomically } from "./atomic-write.js";
import { resolveLocalBaseDir } from "./options.js";

/**
 * The `local_resource` block of a `local_file` particle.
 *
 * - `path`: where the file lives. Relative paths resolve against the base directory (see
 *   {@link LocalProviderOptions}); absolute paths are used as written. Required: it is the unique key.
 * - `content`: the file's text, written and compared as UTF-8. Default `""`.
 * - `mode`: permission bits as an octal string (`"644"` or `"0644"`), applied regardless of the
 *   umask. Default `"0644"`.
 * - `custom_config`: free-form settings for callbacks and tooling; never compared.
 */
export const localFileSchema = z.strictObject({
  path: z.string().min(1),
  content: z.string().default(""),
  mode: z
    .string()
    .regex(/^[0-7]{3,4}$/, 'expected an octal mode such as "0644"')
    .default("0644"),
  custom_config: z.record(z.string(), z.unknown()).optional(),
});

/** What a user writes in the `local_resource` block of a `local_file` particle. */
export type LocalFileDefinition = z.input<typeof localFileSchema>;

/**
 * A text file on this machine, found by its path. Stopping a file deletes it, like terminating.
 * Writes are atomic: the content goes to a temporary file in the same directory, which is then
 * renamed over the target, so the target never holds half a file. Only `content` and `mode` are
 * compared; the owner and timestamps are left alone.
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
export class LocalFile extends Particle {
  static override readonly flavor: string = "local_file";
  static override readonly resourceKey: string = "local_resource";
  static override readonly uniqueKeys = ["local_resource.path"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = localFileSchema;

  /** Reads the file: present is `running` with its content and mode, missing is `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    const path = this.pathAsWritten();
    try {
      const handle = await open(this.targetPath(context), "r");
      try {
        const stats = await handle.stat();
        const content = await handle.readFile({ encoding: "utf8", signal: context.signal });
        this.state = "running";
        this.currentStateDefinition = { path, content, mode: formatMode(stats.mode) };
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (!isMissing(error)) throw error;
      this.state = "terminated";
      this.currentStateDefinition = {};
    }
  }

  /** Writes the file with its content and mode, creating parent directories. */
  protected override async _start(context: RunContext): Promise<void> {
    await this.write(context);
  }

  /** Deletes the file; a missing file is fine. */
  protected override async _stop(context: RunContext): Promise<void> {
    await rm(this.targetPath(context), { force: true });
  }

  /** Deletes the file; a missing file is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    await rm(this.targetPath(context), { force: true });
  }

  /** Rewrites the file with the desired content and mode. */
  protected override async _update(context: RunContext): Promise<void> {
    await this.write(context);
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

  private async write(context: RunContext): Promise<void> {
    const { content, mode } = this.parseDesiredDefinition<z.output<typeof localFileSchema>>();
    await writeAtomically(this.targetPath(context), content, {
      mode: Number.parseInt(mode, 8),
      signal: context.signal,
    });
  }

  private targetPath(context: RunContext): string {
    return resolve(resolveLocalBaseDir(context), this.pathAsWritten());
  }

  private pathAsWritten(): string {
    const path = this.desiredStateDefinition["path"];
    if (typeof path !== "string" || path === "") {
      throw new PcfError("DEFINITION_INVALID", "expected a file path", {
        particle: this.id,
        field: "local_resource.path",
      });
    }
    return path;
  }
}

/** The permission bits of a `stat` mode as a 4-digit octal string. */
function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/** True when the file, or a directory on its path, does not exist. */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
