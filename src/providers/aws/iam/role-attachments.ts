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
import { isConflict } from "../errors.js";
import { ownedTagList, type TagMap } from "../tags.js";
import { collect, unlessNotFound } from "./iam-resource.js";
import { IamPolicy } from "./policy.js";

// What hangs off an IAM role besides the role itself, for `iam_role`: its parent policies,
// attached managed policies, inline policies and instance profiles.

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

/** The ARNs of the managed policies attached to `RoleName`, sorted; every page. */
export async function listAttachedPolicyArns(
  client: IAMClient,
  RoleName: string,
  abortSignal: AbortSignal,
): Promise<string[]> {
  const pages = paginateListAttachedRolePolicies({ client }, { RoleName }, { abortSignal });
  const attached = await collect(pages, (page) => page.AttachedPolicies);
  return attached.flatMap(({ PolicyArn }) => (PolicyArn === undefined ? [] : [PolicyArn])).sort();
}

/** The names of the instance profiles holding `RoleName`; every page. */
export async function listInstanceProfileNames(
  client: IAMClient,
  RoleName: string,
  abortSignal: AbortSignal,
): Promise<string[]> {
  const pages = paginateListInstanceProfilesForRole({ client }, { RoleName }, { abortSignal });
  const profiles = await collect(pages, (page) => page.InstanceProfiles);
  return profiles.map((profile) => profile.InstanceProfileName ?? "");
}

/** Attaches `desired` policies that are not in `current`, then detaches those of `current` not desired. */
export async function syncAttachedPolicies(
  client: IAMClient,
  RoleName: string,
  change: { readonly current: readonly string[]; readonly desired: readonly string[] },
  abortSignal: AbortSignal,
): Promise<void> {
  for (const PolicyArn of change.desired.filter((arn) => !change.current.includes(arn)))
    await client.send(new AttachRolePolicyCommand({ RoleName, PolicyArn }), { abortSignal });
  for (const PolicyArn of change.current.filter((arn) => !change.desired.includes(arn)))
    await unlessNotFound(
      client.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }), { abortSignal }),
    );
}

/**
 * Puts the role into an instance profile of the same name (PCF's `IsInstanceProfile`), creating
 * the profile, tagged as ours, when it does not exist.
 */
export async function addToOwnInstanceProfile(
  client: IAMClient,
  { RoleName, Path }: { readonly RoleName: string; readonly Path?: string | undefined },
  abortSignal: AbortSignal,
  provenance: TagMap,
): Promise<void> {
  const profile = { InstanceProfileName: RoleName, Path, Tags: ownedTagList({}, provenance) };
  await client
    .send(new CreateInstanceProfileCommand(profile), { abortSignal })
    .catch((error: unknown) => {
      if (!isConflict(error)) throw error;
    });
  await client.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: RoleName, RoleName }),
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
  RoleName: string,
  options: { readonly deleteOwnProfile: boolean },
  abortSignal: AbortSignal,
): Promise<void> {
  for (const InstanceProfileName of await listInstanceProfileNames(client, RoleName, abortSignal)) {
    await unlessNotFound(
      client.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName, RoleName }), {
        abortSignal,
      }),
    );
    if (options.deleteOwnProfile && InstanceProfileName === RoleName)
      await unlessNotFound(
        client.send(new DeleteInstanceProfileCommand({ InstanceProfileName }), { abortSignal }),
      );
  }
  const current = await listAttachedPolicyArns(client, RoleName, abortSignal);
  await syncAttachedPolicies(client, RoleName, { current, desired: [] }, abortSignal);
  const pages = paginateListRolePolicies({ client }, { RoleName }, { abortSignal });
  for (const PolicyName of await collect(pages, (page) => page.PolicyNames))
    await unlessNotFound(
      client.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }), { abortSignal }),
    );
}
