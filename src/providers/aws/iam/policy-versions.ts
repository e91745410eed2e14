import {
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  paginateListEntitiesForPolicy,
  paginateListPolicyVersions,
  type IAMClient,
  type PolicyVersion,
} from "@aws-sdk/client-iam";
import { collect, unlessNotFound } from "./iam-resource.js";

// What hangs off a managed policy besides its default document, for `iam_policy`: its other
// versions and the users, groups and roles it is attached to.

/** IAM keeps at most this many versions of a managed policy. */
const MAX_POLICY_VERSIONS = 5;

/**
 * Makes `PolicyDocument` the policy's default version. At IAM's limit of five versions, the
 * oldest non-default version is deleted first, since IAM refuses a sixth.
 */
export async function makeDefaultVersion(
  client: IAMClient,
  PolicyArn: string,
  PolicyDocument: string,
  abortSignal: AbortSignal,
): Promise<void> {
  const versions = await listVersions(client, PolicyArn, abortSignal);
  const [oldest] = versions
    .filter((version) => version.IsDefaultVersion !== true)
    .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0));
  if (versions.length >= MAX_POLICY_VERSIONS && oldest !== undefined)
    await client.send(new DeletePolicyVersionCommand({ PolicyArn, VersionId: oldest.VersionId }), {
      abortSignal,
    });
  await client.send(
    new CreatePolicyVersionCommand({ PolicyArn, PolicyDocument, SetAsDefault: true }),
    { abortSignal },
  );
}

/** Deletes every version but the default one, which IAM deletes with the policy. */
export async function deleteOtherVersions(
  client: IAMClient,
  PolicyArn: string,
  abortSignal: AbortSignal,
): Promise<void> {
  for (const { IsDefaultVersion, VersionId } of await listVersions(client, PolicyArn, abortSignal))
    if (IsDefaultVersion !== true)
      await client.send(new DeletePolicyVersionCommand({ PolicyArn, VersionId }), { abortSignal });
}

/** Detaches the policy from every user, group and role it is attached to; entities already gone are skipped. */
export async function detachEverywhere(
  client: IAMClient,
  PolicyArn: string,
  abortSignal: AbortSignal,
): Promise<void> {
  // Every page is read before the first detach, which would shift the pages still to come.
  const options = { abortSignal };
  const pages = paginateListEntitiesForPolicy({ client }, { PolicyArn }, options);
  const detachments = await collect(pages, (page) => [
    ...(page.PolicyRoles ?? []).map(
      ({ RoleName }) =>
        () =>
          client.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }), options),
    ),
    ...(page.PolicyUsers ?? []).map(
      ({ UserName }) =>
        () =>
          client.send(new DetachUserPolicyCommand({ UserName, PolicyArn }), options),
    ),
    ...(page.PolicyGroups ?? []).map(
      ({ GroupName }) =>
        () =>
          client.send(new DetachGroupPolicyCommand({ GroupName, PolicyArn }), options),
    ),
  ]);
  for (const detach of detachments) await unlessNotFound(detach());
}

function listVersions(
  client: IAMClient,
  PolicyArn: string,
  abortSignal: AbortSignal,
): Promise<PolicyVersion[]> {
  const pages = paginateListPolicyVersions({ client }, { PolicyArn }, { abortSignal });
  return collect(pages, (page) => page.Versions);
}
