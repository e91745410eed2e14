import { basename, extname, dirname, resolve } from "node:path";
import { PcfError } from "./errors.js";

/**
 * A field's name: what its resources are tagged with (`pcf:field`), what `pcf inventory` groups
 * them by and `pcf nuke --field` finds them by, and where its lease lives. Lower-case letters,
 * digits, `-` and `_`, starting with a letter or digit, at most 63 characters: a valid tag or
 * label value and file or object name on every provider.
 */
export const FIELD_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * The field name a definition file gives by default: its file name without the extension
 * (`web.yml` → `web`), or its folder's name for the default names `pcf.json`, `pcf.yml` and
 * `pcf.yaml` (`app/pcf.yml` → `app`); lower-cased, other characters turned into `-`.
 */
export function defaultFieldName(file: string): string {
  const stem = basename(file, extname(file));
  const source = stem.toLowerCase() === "pcf" ? basename(dirname(resolve(file))) : stem;
  const name = source
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+/, "")
    .slice(0, 63);
  return name === "" ? "field" : name;
}

/**
 * `name` when it is a valid field name (see {@link FIELD_NAME_PATTERN}).
 * @throws PcfError `DEFINITION_INVALID` (field `field`) naming the rule it breaks.
 */
export function checkFieldName(name: string): string {
  if (!FIELD_NAME_PATTERN.test(name))
    throw new PcfError(
      "DEFINITION_INVALID",
      `invalid field name "${name}": use 1 to 63 lower-case letters, digits, "-" or "_", starting with a letter or digit`,
      { field: "field" },
    );
  return name;
}
