import { GetInstanceProfileCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import type { RunContext } from "../../core/run-context.js";
import { awsClient } from "./clients.js";
import { isNotFound } from "./errors.js";
import { exactlyOne, type LookupOutcome } from "./lookup-outcome.js";

/**
 * Runs one `iam` lookup: `[role, NAME]` or `[instance-profile, NAME]` → its ARN. Loaded on the
 * first such lookup, like `lookup-ec2.ts`.
 * @internal
 */
export async function lookupIam(
  names: string[],
  context: RunContext,
  region: string,
): Promise<LookupOutcome> {
  const iam = await awsClient(IAMClient, context, region);
  const abortSignal = context.signal;
  const [type, name = ""] = names;
  try {
    if (type === "role") {
      const { Role } = await iam.send(new GetRoleCommand({ RoleName: name }), { abortSignal });
      return exactlyOne([Role?.Arn], `role named "${name}"`);
    }
    const { InstanceProfile } = await iam.send(
      new GetInstanceProfileCommand({ InstanceProfileName: name }),
      { abortSignal },
    );
    return exactlyOne([InstanceProfile?.Arn], `instance profile named "${name}"`);
  } catch (error) {
    if (isNotFound(error))
      return { problem: `no ${type === "role" ? "role" : "instance profile"} named "${name}"` };
    throw error;
  }
}
