import { paginateListRoles, type IAMClient, type Role } from "@aws-sdk/client-iam";
import { isPlainObject } from "../../../core/values.js";
import { comparableTags, tagMapOf } from "../tags.js";
import { comparablePolicyDocument, parsePolicyDocument } from "./policy-document.js";

/** A role as read: GetRole's answer, its attached policy ARNs and (when asked for) its instance profiles. */
export interface LiveRole {
  role: Role;
  policyArns: string[];
  profiles: string[] | undefined;
}

/** The names of every role in the account; every page. */
export async function listRoleNames(
  client: IAMClient,
  abortSignal: AbortSignal,
): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const page of paginateListRoles({ client }, { MaxItems: 1000 }, { abortSignal }))
    for (const { RoleName } of page.Roles ?? []) if (RoleName !== undefined) names.add(RoleName);
  return names;
}

/** The current-state definition of the role `live` describes, with `tags` as read, the name it was read by and the IAM client's region. */
export function describedRole(
  { role, policyArns, profiles }: LiveRole,
  read: { tags: Record<string, string>; roleName: string; region: string },
): Record<string, unknown> {
  return {
    RoleName: role.RoleName,
    AssumeRolePolicyDocument:
      parsePolicyDocument(role.AssumeRolePolicyDocument) ?? role.AssumeRolePolicyDocument,
    Path: role.Path ?? "/",
    Description: role.Description ?? "",
    MaxSessionDuration: role.MaxSessionDuration,
    PermissionsBoundary: role.PermissionsBoundary?.PermissionsBoundaryArn ?? "",
    Tags: read.tags,
    Arn: role.Arn,
    RoleId: role.RoleId,
    region_name: read.region,
    custom_config: {
      policy_arns: policyArns,
      ...(profiles === undefined ? {} : { IsInstanceProfile: profiles.includes(read.roleName) }),
    },
  };
}

/**
 * The name, the trust policy (as parsed JSON), the attached policy ARNs (as a set), and the
 * other fields when written. `IsInstanceProfile` counts only when true.
 */
export function comparableRole(definition: Record<string, unknown>): Record<string, unknown> {
  const { RoleName, AssumeRolePolicyDocument, Path, Description, MaxSessionDuration, Tags } =
    definition;
  const config = isPlainObject(definition["custom_config"]) ? definition["custom_config"] : {};
  const policyArns = Array.isArray(config["policy_arns"]) ? config["policy_arns"] : [];
  return {
    RoleName,
    AssumeRolePolicyDocument: comparablePolicyDocument(AssumeRolePolicyDocument),
    Path,
    Description,
    MaxSessionDuration,
    PermissionsBoundary: definition["PermissionsBoundary"],
    Tags: Tags === undefined ? undefined : comparableTags(tagMapOf(Tags)),
    custom_config: {
      policy_arns: [...new Set(policyArns.map(String))].sort(),
      IsInstanceProfile: config["IsInstanceProfile"] === true ? true : undefined,
    },
  };
}
