import { Field, planField, deadlineSignal } from "../../index.js";
import { loadSelection } from "../load.js";
import { commandTimeoutMs, providerOptionsOf, type ProviderCommandOptions } from "../options.js";
import { createOutput } from "../output.js";
import { formatPlan, planJson } from "../render/plan.js";

/** Exit status of `pcf plan` when apply would change something. */
export const PLAN_HAS_CHANGES = 2;
/** Exit status of `pcf plan` when a particle's state could not be read. */
const PLAN_HAS_ERRORS = 1;

/**
 * `pcf plan [NAME]`: reads the live states and prints what `pcf apply` would do.
 * @returns 0 when nothing would change, 2 when something would, 1 when a state could not be read
 * (the plan lists the others all the same) or apply would refuse a particle (a replacement
 * that is not allowed).
 * @internal
 */
export async function planCommand(
  name: string | undefined,
  options: ProviderCommandOptions,
): Promise<number> {
  const output = createOutput(options);
  const { particles } = await loadSelection(name, options);
  const deadline = deadlineSignal(undefined, commandTimeoutMs(options));
  const plan = await planField(new Field(particles), {
    providerOptions: providerOptionsOf(options),
    allowReplace: options.allowReplace,
    adopt: options.adopt,
    signal: deadline.signal,
  }).finally(() => deadline.dispose());
  if (output.isJson) output.json({ type: "plan", ...planJson(plan) });
  else if (!output.isQuiet)
    for (const line of formatPlan(plan, output.outColors)) output.data(line);
  if (plan.hasErrors || plan.hasRefusals) return PLAN_HAS_ERRORS;
  return plan.hasChanges ? PLAN_HAS_CHANGES : 0;
}
