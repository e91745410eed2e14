import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { stringify } from "yaml";
import { deadlineSignal, discover, type DiscoveredResource } from "../../index.js";
import { CliError } from "../cli-error.js";
import { commandTimeoutMs, providerOptionsOf, type DiscoverCommandOptions } from "../options.js";
import { createOutput } from "../output.js";

/** Where editors find the definition format's schema, named in a written YAML file. */
const SCHEMA_COMMENT =
  "# yaml-language-server: $schema=./node_modules/particle-cloud/schema/pcf.schema.json";

/**
 * `pcf discover --flavor F [--tag k=v] [-o FILE]`: lists every live resource of a flavor in the
 * provider's location and prints (or writes) PCF-format definitions of them, ready to `pcf plan`
 * with no changes. Changes nothing.
 * @returns 0; 1 when `-o` names a file that exists (without `--force`).
 * @internal
 */
export async function discoverCommand(options: DiscoverCommandOptions): Promise<number> {
  const output = createOutput(options);
  const deadline = deadlineSignal(undefined, commandTimeoutMs(options));
  const found = await discover(options.flavor, {
    providerOptions: providerOptionsOf(options),
    signal: deadline.signal,
    tags: options.tag ?? {},
  }).finally(() => deadline.dispose());
  const definitions = found.map((resource) => resource.definition);
  const notes = foreignNotes(found);
  if (options.output !== undefined) {
    const text =
      extname(options.output) === ".json"
        ? `${JSON.stringify(definitions, null, 2)}\n`
        : yamlFile(definitions, options, notes);
    try {
      await writeFile(options.output, text, { flag: options.force === true ? "w" : "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST")
        throw new CliError(`${options.output} exists: pass --force to overwrite it`);
      throw error;
    }
    output.info(`wrote ${found.length} definition(s) of ${options.flavor} to ${options.output}`);
  } else if (output.isJson) output.json({ type: "discover", definitions });
  else output.data(yamlFile(definitions, options, notes).trimEnd());
  for (const note of notes) output.info(note);
  return 0;
}

/** The YAML file: the schema comment, where it came from, the definitions. */
function yamlFile(
  definitions: readonly unknown[],
  options: DiscoverCommandOptions,
  notes: readonly string[],
): string {
  const tags = Object.entries(options.tag ?? {}).map(([key, value]) => ` --tag ${key}=${value}`);
  const header = [
    SCHEMA_COMMENT,
    `# pcf discover --flavor ${options.flavor}${tags.join("")}: ${definitions.length} resource(s)`,
    ...notes.map((note) => `# ${note}`),
  ];
  return `${header.join("\n")}\n${definitions.length === 0 ? "[]\n" : stringify(definitions)}`;
}

/** A line per discovered resource that the framework does not own, saying how to adopt it. */
function foreignNotes(found: readonly DiscoveredResource[]): string[] {
  return found
    .filter((resource) => resource.isOwned === false)
    .map(
      (resource) =>
        `${resource.definition.flavor}:${resource.definition.pcf_name} was not created by ` +
        `particle-cloud: pcf apply --adopt ${resource.definition.pcf_name} takes it over`,
    );
}
