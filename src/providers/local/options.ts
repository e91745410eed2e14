import { resolve } from "node:path";
import * as z from "zod";
import { readProviderOptions, type RunContext } from "../../core/run-context.js";

/**
 * The `local` key of `providerOptions`, shared by every local flavor.
 *
 * - `baseDir`: the directory relative paths (files, process `cwd`, process records) resolve
 *   against; itself resolved against `process.cwd()`. Default `process.cwd()`.
 */
export interface LocalProviderOptions {
  readonly baseDir?: string | undefined;
}

const localProviderOptionsSchema = z
  .strictObject({ baseDir: z.string().min(1).optional() })
  .optional();

/**
 * The base directory of the local provider for a run: `providerOptions.local.baseDir` resolved
 * against `process.cwd()`, else `process.cwd()`.
 * @throws PcfError `DEFINITION_INVALID` when `providerOptions.local` has the wrong shape.
 * @internal
 */
export function resolveLocalBaseDir(context: RunContext): string {
  return resolve(readProviderOptions(context, "local", localProviderOptionsSchema).baseDir ?? ".");
}
