import { randomUUID } from "node:crypto";
import { chmod, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Options of {@link writeAtomically}. */
export interface AtomicWriteOptions {
  /** Permission bits, applied regardless of the umask. Default 0o644. */
  readonly mode?: number;
  readonly signal?: AbortSignal;
}

/**
 * Writes `content` to a temporary sibling of `target`, flushes it, then renames it over `target`,
 * so `target` never holds half a file, even after a crash. Creates missing parent directories.
 */
export async function writeAtomically(
  target: string,
  content: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o644;
  const directory = dirname(target);
  await mkdir(directory, { recursive: true });
  const temporary = join(directory, `.${basename(target)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temporary, "wx", mode);
    try {
      await handle.writeFile(content, {
        encoding: "utf8",
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, mode);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
