import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CliError } from "../cli-error.js";
import type { InitOptions } from "../options.js";
import { createOutput } from "../output.js";

/** Where a project's editor finds the schema once particle-cloud is installed. */
const SCHEMA_PATH = "node_modules/particle-cloud/schema/pcf.schema.json";

/** The starter file: one local file and a process that follows it, as in the quickstart. */
const STARTER = `# yaml-language-server: $schema=${SCHEMA_PATH}
#
# A starter field on the bundled local provider: no cloud account needed.
#   pcf plan       what apply would do
#   pcf apply      create the file, then start the process that reads it
#   pcf terminate  remove both (asks first; --yes does not)
- pcf_name: starter
  flavor: quasiparticle
  particles:
    - flavor: local_file
      pcf_name: greeting
      local_resource:
        path: .pcf-local/starter/greeting.txt
        content: "hello from particle-cloud\\n"
    - flavor: local_process
      pcf_name: reader
      local_resource:
        name: starter-reader
        command: tail
        args: ["-f", "$inherit$local_file:greeting$path"]
`;

/**
 * `pcf init`: writes the starter file; refuses to overwrite one unless `--force`.
 * @internal
 */
export async function initCommand(options: InitOptions): Promise<number> {
  const output = createOutput(options);
  const path = resolve(options.file);
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(path, STARTER, { flag: options.force === true ? "w" : "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    throw new CliError(`${options.file} exists`, "--force overwrites it");
  }
  if (output.isJson) output.json({ type: "init", file: options.file });
  else
    output.data(`wrote ${options.file}: \`pcf plan -f ${options.file}\` shows what apply would do`);
  return 0;
}
