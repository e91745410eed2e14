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
import { isNotFound } from "../errors.js";

/**
 * What hangs off a managed policy besides its default document: its other versions and the
 * users, groups and roles it is attached to. Used by `iam_policy` (see `policy.ts`). @internal
 */

/** IAM keeps at most this many versions of a managed policy. */
const MAX_POLICY_VERSIONS = 5;

/**
 * Makes `document` the policy's default version. At IAM's limit of five versions, the oldest
 * non-default version is deleted first, since IAM refuses a sixth.
 */
export async function makeDefaultVersion(
  client: IAMClient,
  policyArn: string,
  document: string,
  abortSignal: AbortSignal,
): Promise<void> {
  const oldest = oldestDeletableVersion(await listVersions(client, policyArn, abortSignal));
  if (oldest !== undefined)
    await client.send(new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: oldest }), {
      abortSignal,
    });
  await client.send(
    new CreatePolicyVersionCommand({
      PolicyArn: policyArn,
      PolicyDocument: document,
      SetAsDefault: true,
    }),
    { abortSignal },
  );
}

/** Deletes every version but the default one, which IAM deletes with the policy. */
export async function deleteOtherVersions(
  client: IAMClient,
  policyArn: string,
  abortSignal: AbortSignal,
): Promise<void> {
  for (const version of await listVersions(client, policyArn, abortSignal)) {
    if (version.IsDefaultVersion !== true)
      await client.send(
        new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: version.VersionId }),
        { abortSignal },
      );
  }
}

/** Detaches the policy from every user, group and role it is attached to; entities already gone are skipped. */
export async function detachEverywhere(
  client: IAMClient,
  policyArn: string,
  abortSignal: AbortSignal,
): Promise<void> {
  const detachments: (() => Promise<unknown>)[] = [];
  for await (const page of paginateListEntitiesForPolicy(
    { client },
    { PolicyArn: policyArn },
    { abortSignal },
  )) {
    for (const { RoleName } of page.PolicyRoles ?? [])
      detachments.push(() =>
        client.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: policyArn }), {
          abortSignal,
        }),
      );
    for (const { UserName } of page.PolicyUsers ?? [])
      detachments.push(() =>
        client.send(new DetachUserPolicyCommand({ UserName, PolicyArn: policyArn }), {
          abortSignal,
        }),
      );
    for (const { GroupName } of page.PolicyGroups ?? [])
      detachments.push(() =>
        client.send(new DetachGroupPolicyCommand({ GroupName, PolicyArn: policyArn }), {
          abortSignal,
        }),
      );
  }
  for (const detach of detachments) {
    await detach().catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
}

async function listVersions(
  client: IAMClient,
  policyArn: string,
  abortSignal: AbortSignal,
): Promise<PolicyVersion[]> {
  const versions: PolicyVersion[] = [];
  for await (const page of paginateListPolicyVersions(
    { client },
    { PolicyArn: policyArn },
    { abortSignal },
  ))
    versions.push(...(page.Versions ?? []));
  return versions;
}

/** At IAM's version limit, the id of the oldest non-default version. */
function oldestDeletableVersion(versions: readonly PolicyVersion[]): string | undefined {
  if (versions.length < MAX_POLICY_VERSIONS) return undefined;
  const [oldest] = versions
    .filter((version) => version.IsDefaultVersion !== true)
    .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0));
  return oldest?.VersionId;
}
