import { loadDefinitions } from "../load.js";
import type { FileOptions } from "../options.js";
import { createOutput } from "../output.js";
import { plural } from "../render/format.js";

/**
 * `pcf validate`: loads and checks the definition files without calling any provider. Problems
 * are thrown as one `DefinitionError` listing them all.
 * @internal
 */
export async function validateCommand(options: FileOptions): Promise<number> {
  const output = createOutput(options);
  const { field, entries, files } = await loadDefinitions(options);
  const count = field.particles.length;
  if (output.isJson)
    output.json({ type: "validate", ok: true, files, entries: entries.length, particles: count });
  else if (!output.isQuiet)
    output.data(
      `${plural(count, "particle")} valid${files.length > 0 ? ` (${files.join(", ")})` : ""}`,
    );
  return 0;
}
