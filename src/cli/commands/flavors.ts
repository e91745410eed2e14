import { BUILT_IN_FLAVORS } from "../../index.js";
import type { PrintOptions } from "../options.js";
import { createOutput } from "../output.js";
import { formatTable } from "../render/format.js";

/**
 * `pcf flavors`: the built-in flavors and their providers, from the catalogue; no flavor module
 * (and so no cloud SDK) is loaded.
 * @internal
 */
export function flavorsCommand(options: PrintOptions): Promise<number> {
  const output = createOutput(options);
  const flavors = Object.entries(BUILT_IN_FLAVORS)
    .map(([flavor, entry]) => ({ flavor, provider: entry.provider }))
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.flavor.localeCompare(b.flavor));
  if (output.isJson) output.json({ type: "flavors", flavors });
  else
    formatTable([
      ["FLAVOR", "PROVIDER"],
      ...flavors.map((entry) => [entry.flavor, entry.provider]),
    ]).forEach((line, index) => output.data(index === 0 ? output.outColors.bold(line) : line));
  return Promise.resolve(0);
}
