import { createHash } from "node:crypto";

/**
 * Idempotency tokens (EC2 `ClientToken`, EFS `CreationToken`, Route 53 `CallerReference`)
 * derived from what a create is, not from who sends it: the particle's identity and the create's
 * input. A create asked again, by a retry, by a re-run after a timeout or by a second process,
 * carries the same token, and the cloud answers it with the resource the first call made instead
 * of making another.
 *
 * A token outlives its resource (EC2 answers a reused token with the instance it launched, even
 * once terminated), so a re-create after a terminate would get the dead resource back. The flavor
 * then derives the next token with `after`: the ids of the spent resources, which every process
 * sees alike, so the chain stays the same for all of them.
 */

/** Tokens of one create answered with a resource since deleted, at most, before the last answer is kept. */
const MAX_SPENT_TOKENS = 3;

/** Options of {@link idempotencyToken}. */
export interface IdempotencyTokenOptions {
  /** Ids of resources an earlier token of this create was answered with, since deleted. */
  readonly after?: readonly string[];
  /** The API's limit on the token's length. Default 64 (EC2's). */
  readonly maxLength?: number;
}

/** The token of a create: a digest of `identity` (`ec2_instance:web`), `input` and `after`. */
export function idempotencyToken(
  identity: string,
  input: unknown,
  options: IdempotencyTokenOptions = {},
): string {
  const digest = createHash("sha256")
    .update(identity)
    .update("\0")
    .update(JSON.stringify(input) ?? "")
    .update("\0")
    .update((options.after ?? []).join(","))
    .digest("hex");
  return digest.slice(0, options.maxLength ?? 64);
}

/**
 * Sends a create with the token of `identity` and `input`, then, while the cloud answers with a
 * resource since deleted (`spentIdOf` gives its id), again with the next token of the chain, at
 * most {@link MAX_SPENT_TOKENS} times. Gives the last answer.
 */
export async function sendWithToken<A>(
  identity: string,
  input: unknown,
  calls: {
    readonly send: (token: string) => Promise<A>;
    /** The id of the resource `answer` names when that resource is deleted or going; else `undefined`. */
    readonly spentIdOf: (answer: A) => string | undefined;
  },
): Promise<A> {
  const spent: string[] = [];
  for (;;) {
    const answer = await calls.send(idempotencyToken(identity, input, { after: spent }));
    const spentId = calls.spentIdOf(answer);
    if (spentId === undefined || spent.length >= MAX_SPENT_TOKENS) return answer;
    spent.push(spentId);
  }
}
