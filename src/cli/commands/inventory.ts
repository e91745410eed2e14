import { deadlineSignal, inventory, type Inventory } from "../../index.js";
import { commandTimeoutMs, providerOptionsOf, type InventoryCommandOptions } from "../options.js";
import { createOutput, type Colors } from "../output.js";

/** What a resource without a `pcf:field` tag is listed under. */
const NO_FIELD = "(no field)";

/**
 * `pcf inventory [--field NAME] [--flavor F]`: every resource that carries the framework's
 * ownership tag, by field, found by listing every flavor of the provider, so resources whose
 * definition file is gone are counted too. Changes nothing.
 * @returns 0; 1 when a flavor's listing failed (the others are still printed).
 * @internal
 */
export async function inventoryCommand(options: InventoryCommandOptions): Promise<number> {
  const output = createOutput(options);
  const deadline = deadlineSignal(undefined, commandTimeoutMs(options));
  const found = await inventory({
    providerOptions: providerOptionsOf(options),
    signal: deadline.signal,
    ...(options.provider === undefined ? {} : { providers: options.provider }),
    ...(options.flavor === undefined ? {} : { flavors: options.flavor }),
    ...(options.field === undefined ? {} : { field: options.field }),
  }).finally(() => deadline.dispose());
  if (output.isJson) output.json({ type: "inventory", ...inventoryJson(found) });
  else if (!output.isQuiet)
    for (const line of formatInventory(found, output.outColors)) output.data(line);
  for (const { flavor, error } of found.failures)
    output.info(output.errColors.red(`could not list ${flavor}: ${error.message}`));
  return found.failures.length > 0 ? 1 : 0;
}

/** The inventory as plain data: resources with their field, particle, flavor, key, state. */
function inventoryJson(found: Inventory): Record<string, unknown> {
  return {
    resources: found.resources.map((resource) => ({
      field: resource.provenance?.field ?? null,
      particle: resource.provenance?.particle ?? null,
      depth: resource.provenance?.depth ?? null,
      flavor: resource.flavor,
      key: resource.key,
      location: resource.location,
      state: resource.state,
    })),
    unlisted: found.unlisted,
    failures: found.failures.map(({ flavor, error }) => ({ flavor, message: error.message })),
  };
}

/** A heading per field, then a line per resource: flavor, key, state, location. */
function formatInventory(found: Inventory, colors: Colors): string[] {
  const lines: string[] = [];
  let field: string | undefined;
  for (const resource of found.resources) {
    const name = resource.provenance?.field ?? NO_FIELD;
    if (name !== field) {
      field = name;
      lines.push(colors.bold(name));
    }
    const particle = resource.provenance?.particle;
    lines.push(
      `  ${resource.flavor}  ${resource.key}  ${resource.state}  ${resource.location}` +
        (particle === undefined ? "" : colors.dim(`  (${particle})`)),
    );
  }
  const fields = new Set(found.resources.map((resource) => resource.provenance?.field ?? NO_FIELD));
  lines.push(
    `${found.resources.length} resource(s) owned by particle-cloud in ${fields.size} field(s)` +
      (found.unlisted.length === 0 ? "" : `; not listable: ${found.unlisted.join(", ")}`),
  );
  return lines;
}
