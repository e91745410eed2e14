import type { Particle } from "../../index.js";
import { loadSelection } from "../load.js";
import type { SelectionOptions } from "../options.js";
import { createOutput } from "../output.js";

/** An AWS IAM action as flavors declare them: `service:Operation`. */
const AWS_ACTION = /^[a-z0-9-]+:[A-Za-z0-9*]+$/;

/** The actions a particle's flavor declares it calls, over every transition and the read. */
function actionsOf(particle: Particle): string[] {
  const declared = (particle.constructor as { readonly actions?: unknown }).actions;
  if (typeof declared !== "object" || declared === null) return [];
  return Object.values(declared).flatMap((list: unknown) =>
    Array.isArray(list)
      ? list.filter((action): action is string => typeof action === "string")
      : [],
  );
}

/**
 * `pcf iam-policy [NAME]`: the least-privilege IAM policy a deployer role needs to read, apply
 * and terminate the selected particles, from the IAM actions each AWS flavor declares for its
 * transitions. Particles of other providers are named on stderr; they need no AWS permission.
 * @internal
 */
export async function iamPolicyCommand(
  name: string | undefined,
  options: SelectionOptions & { readonly debug?: boolean },
): Promise<number> {
  const output = createOutput(options);
  const { particles } = await loadSelection(name, options);
  const actions = new Set<string>();
  const others: string[] = [];
  for (const particle of particles) {
    const declared = actionsOf(particle).filter((action) => AWS_ACTION.test(action));
    if (declared.length === 0) others.push(particle.id);
    for (const action of declared) actions.add(action);
  }
  const statement =
    actions.size === 0
      ? []
      : [
          {
            Sid: "ParticleCloudDeployer",
            Effect: "Allow",
            Action: [...actions].sort(),
            Resource: "*",
          },
        ];
  output.data(JSON.stringify({ Version: "2012-10-17", Statement: statement }, null, 2));
  if (others.length > 0) output.info(`no AWS permission needed by: ${others.join(", ")}`);
  return 0;
}
