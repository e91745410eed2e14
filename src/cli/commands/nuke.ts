import { join } from "node:path";
import { fieldToNuke, deadlineSignal } from "../../index.js";
import { providerOptionsOf, commandTimeoutMs } from "../options.js";
import { createOutput } from "../output.js";
import { runField, type RunFieldOptions } from "./apply.js";

/**
 * `pcf nuke --field NAME`: terminates every resource the field owns, found by its tags alone
 * (see `fieldToNuke`), deepest dependency first, with the field's lease, the confirmation and the
 * run report of `pcf terminate`. Needs no definition file.
 * @returns as `pcf terminate`; 0 when the field owns nothing.
 * @internal
 */
export async function nukeCommand(
  options: RunFieldOptions & { readonly field: string },
): Promise<number> {
  const output = createOutput(options);
  const deadline = deadlineSignal(undefined, commandTimeoutMs(options));
  const { field, inventory } = await fieldToNuke(options.field, {
    providerOptions: providerOptionsOf(options),
    signal: deadline.signal,
  }).finally(() => deadline.dispose());
  for (const { flavor, error } of inventory.failures)
    output.info(output.errColors.red(`could not list ${flavor}: ${error.message}`));
  if (inventory.failures.length > 0) return 1;
  if (field.particles.length === 0) {
    output.info(`field ${options.field} owns nothing: nothing to do`);
    return 0;
  }
  // No definition file: the field's default lease is the one in this folder.
  const source = {
    files: [],
    fieldName: options.field,
    leaseFile: join(process.cwd(), "pcf.json"),
  };
  return runField("nuke", field, source, { ...options, desiredState: "terminated" });
}
