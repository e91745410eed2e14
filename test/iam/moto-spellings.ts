import { actionsOf, type PolicyDocument } from "./deployer.js";

/**
 * moto names the action it checks `<signing name>:<operation>`, the operation as its handler
 * finds it, and compares names case-sensitively. For two APIs that is not the name IAM gives
 * the action:
 *
 * - the Resource Groups Tagging API signs as `tagging`, so moto checks `tagging:GetResources`
 *   where IAM's action is `tag:GetResources`;
 * - moto's Batch takes the action from the URL path, lower case (`/v1/describejobqueues` →
 *   `batch:describejobqueues`), and the tag calls from `/v1/tags/ARN` (`batch:tags`), where IAM
 *   spells `batch:DescribeJobQueues` and ignores case.
 *
 * A deployer gets moto's spelling of each of these actions its policy allows, one for one, so a
 * call the flavor does not declare is still refused. Coarser for Batch's tags: one moto name
 * stands for three actions.
 */
export function motoSpellingsOf(actions: readonly string[]): string[] {
  const spellings = actions.flatMap((action): string[] => {
    const [service, operation = ""] = action.split(":");
    if (service === "tag") return [`tagging:${operation}`];
    if (service === "batch")
      return BATCH_TAG_OPERATIONS.has(operation) ? ["batch:tags"] : [action.toLowerCase()];
    return [];
  });
  return [...new Set(spellings)].sort();
}

/** Batch's tag operations, which moto handles (and checks) as one: `/v1/tags/ARN`. */
const BATCH_TAG_OPERATIONS = new Set(["TagResource", "UntagResource", "ListTagsForResource"]);

/** The statement holding moto's spellings, as {@link withMotoSpellings} adds it. */
export const MOTO_SPELLINGS_SID = "MotoSpellingsOfTheSameActions";

/**
 * `policy` plus, when moto spells some of its actions otherwise, a statement allowing moto's
 * spellings of exactly those ({@link motoSpellingsOf}).
 */
export function withMotoSpellings(policy: PolicyDocument): PolicyDocument {
  const spellings = motoSpellingsOf(actionsOf(policy));
  if (spellings.length === 0) return policy;
  return {
    ...policy,
    Statement: [
      ...policy.Statement,
      { Sid: MOTO_SPELLINGS_SID, Effect: "Allow", Action: spellings, Resource: "*" },
    ],
  };
}
