import { isDeepStrictEqual } from "node:util";
import { isPlainObject } from "../../../core/values.js";

// How a listed Lambda function is written as a definition (`pcf discover`): Lambda tells its
// settings but never where its code came from, and reports a setting a function has none of as
// an empty value that a definition would then send.

/** The values Lambda reports for a setting a function has none of, by field. */
const UNSET: Readonly<Record<string, unknown>> = {
  VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
  DeadLetterConfig: { TargetArn: "" },
  Environment: { Variables: {} },
  KMSKeyArn: "",
};

/**
 * An observed function's definition as discovery writes it: the code as its hash
 * (`Code: { CodeSha256 }`), the VPC as its subnets and security groups, and without the settings
 * it has none of (no VPC, no dead-letter target, no environment, AWS's own KMS key), which a
 * definition then leaves out.
 * @internal
 */
export function discoveredFunction(
  observed: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const { VpcConfig, CodeSha256, ...rest } = observed;
  const settings = Object.entries({ ...rest, VpcConfig: subnetsAndGroupsOf(VpcConfig) });
  return {
    ...Object.fromEntries(settings.filter(([field, value]) => !isUnset(field, value))),
    Code: { CodeSha256 },
  };
}

/** Whether `value` of the setting `field` is the one a function without it reports. */
function isUnset(field: string, value: unknown): boolean {
  return field in UNSET && isDeepStrictEqual(value, UNSET[field]);
}

/** The subnets and security groups of an observed `VpcConfig` (not its `VpcId`, which follows). */
function subnetsAndGroupsOf(vpc: unknown): unknown {
  if (!isPlainObject(vpc)) return vpc;
  const { SubnetIds, SecurityGroupIds } = vpc;
  return { SubnetIds, SecurityGroupIds };
}
