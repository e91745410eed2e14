import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  paginateListAttachedRolePolicies,
  paginateListInstanceProfilesForRole,
  paginateListRolePolicies,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { PcfError } from "../../../core/errors.js";
import type { Particle } from "../../../core/particle.js";
import type { RunContext } from "../../../core/run-context.js";
import { isConflict, isNotFound } from "../errors.js";
import { ownedTagList } from "../tags.js";
import { IamPolicy } from "./policy.js";

/**
 * What hangs off an IAM role besides the role itself: attached managed policies, inline policies,
 * instance profiles. Used by `iam_role` (see `role.ts`). @internal
 */

/**
 * The ARNs of `role`'s `iam_policy` parents (PCF attaches them to the role), reading each
 * parent's state when it is not fresh.
 * @throws PcfError `REFERENCE_UNRESOLVED` when such a parent does not exist.
 */
export async function parentPolicyArns(role: Particle, context: RunContext): Promise<string[]> {
  const parents = [...role.parents].filter((parent) => parent.flavor === IamPolicy.flavor);
  return Promise.all(
    parents.map(async (parent) => {
      const state = await parent.getState(context);
      const arn = parent.currentStateDefinition["Arn"];
      if (state === "running" && typeof arn === "string") return arn;
      throw new PcfError(
        "REFERENCE_UNRESOLVED",
        `parent ${parent.id} is ${state}: its policy cannot be attached until it is running`,
        { particle: role.id, field: "parents" },
      );
    }),
  );
}

/** The ARNs of the managed policies attached to `roleName`, sorted; every page. */
export async function listAttachedPolicyArns(
  client: IAMClient,
  roleName: string,
  abortSignal: AbortSignal,
): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListAttachedRolePolicies(
    { client },
    { RoleName: roleName },
    { abortSignal },
  ))
    for (const { PolicyArn } of page.AttachedPolicies ?? [])
      if (PolicyArn !== undefined) arns.push(PolicyArn);
  return arns.sort();
}

/** The names of the instance profiles holding `roleName`; every page. */
export async function listInstanceProfileNames(
  client: IAMClient,
  roleName: string,
  abortSignal: AbortSignal,
): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListInstanceProfilesForRole(
    { client },
    { RoleName: roleName },
    { abortSignal },
  ))
    for (const { InstanceProfileName } of page.InstanceProfiles ?? [])
      if (InstanceProfileName !== undefined) names.push(InstanceProfileName);
  return names;
}

/** Attaches `desired` policies that are not in `current`, then detaches those of `current` not desired. */
export async function syncAttachedPolicies(
  client: IAMClient,
  roleName: string,
  change: { readonly current: readonly string[]; readonly desired: readonly string[] },
  abortSignal: AbortSignal,
): Promise<void> {
  for (const policyArn of change.desired.filter((arn) => !change.current.includes(arn)))
    await client.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }), {
      abortSignal,
    });
  for (const policyArn of change.current.filter((arn) => !change.desired.includes(arn)))
    await ignoreNotFound(
      client.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }), {
        abortSignal,
      }),
    );
}

/**
 * Puts the role into an instance profile of the same name (PCF's `IsInstanceProfile`), creating
 * the profile, tagged as ours, when it does not exist.
 */
export async function addToOwnInstanceProfile(
  client: IAMClient,
  role: { readonly RoleName: string; readonly Path?: string | undefined },
  abortSignal: AbortSignal,
): Promise<void> {
  try {
    await client.send(
      new CreateInstanceProfileCommand({
        InstanceProfileName: role.RoleName,
        Path: role.Path,
        Tags: ownedTagList(),
      }),
      { abortSignal },
    );
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  await client.send(
    new AddRoleToInstanceProfileCommand({
      InstanceProfileName: role.RoleName,
      RoleName: role.RoleName,
    }),
    { abortSignal },
  );
}

/**
 * Frees the role for deletion: removes it from every instance profile (deleting the profile of
 * its own name when `deleteOwnProfile`), detaches every managed policy and deletes every inline
 * policy. Things already gone are skipped; a role already gone ends in `NoSuchEntity`.
 */
export async function releaseRole(
  client: IAMClient,
  roleName: string,
  options: { readonly deleteOwnProfile: boolean },
  abortSignal: AbortSignal,
): Promise<void> {
  for (const profile of await listInstanceProfileNames(client, roleName, abortSignal)) {
    await ignoreNotFound(
      client.send(
        new RemoveRoleFromInstanceProfileCommand({
          InstanceProfileName: profile,
          RoleName: roleName,
        }),
        { abortSignal },
      ),
    );
    if (options.deleteOwnProfile && profile === roleName)
      await ignoreNotFound(
        client.send(new DeleteInstanceProfileCommand({ InstanceProfileName: profile }), {
          abortSignal,
        }),
      );
  }
  const attached = await listAttachedPolicyArns(client, roleName, abortSignal);
  await syncAttachedPolicies(client, roleName, { current: attached, desired: [] }, abortSignal);
  const inline: string[] = [];
  for await (const page of paginateListRolePolicies(
    { client },
    { RoleName: roleName },
    { abortSignal },
  ))
    inline.push(...(page.PolicyNames ?? []));
  for (const policyName of inline)
    await ignoreNotFound(
      client.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }), {
        abortSignal,
      }),
    );
}

async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
