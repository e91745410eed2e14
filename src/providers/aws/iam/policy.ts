import {
  CreatePolicyCommand,
  DeletePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  TagPolicyCommand,
  UntagPolicyCommand,
  paginateListPolicies,
  type IAMClient,
  type Policy,
} from "@aws-sdk/client-iam";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { actionsOf, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { comparableTagInput, tagInputSchema, tagMapOf, tagsFromList, tagsToList } from "../tags.js";
import { IamResource, collect, iamPathSchema } from "./iam-resource.js";
import {
  comparablePolicyDocument,
  parsePolicyDocument,
  policyDocumentSchema,
  policyDocumentText,
} from "./policy-document.js";
import { deleteOtherVersions, detachEverywhere, makeDefaultVersion } from "./policy-versions.js";

/** The `aws_resource` block of an `iam_policy` particle: CreatePolicy's parameters. */
export const iamPolicySchema = z.strictObject({
  /** The policy's name (1–128 characters), unique in the account. Required: it is the unique key. */
  PolicyName: z.string().min(1).max(128),
  /**
   * The permissions: a JSON object, or its JSON text. Compared as a parsed document (whitespace and
   * key order do not count). A change becomes a new default version of the policy. Required.
   */
  PolicyDocument: policyDocumentSchema,
  /** The policy's path, like `/team/`. Default `/`. Set at creation only (see {@link IamPolicy}). */
  Path: iamPathSchema.optional(),
  /** What the policy is for. Default: none. Set at creation only (see {@link IamPolicy}). */
  Description: z.string().max(1000).optional(),
  /**
   * The policy's whole tag set: a map, or a `{ Key, Value }` list. Tags not listed are removed on
   * update; the `pcf:managed-by` ownership tag is always kept. Default: tags are not compared.
   */
  Tags: tagInputSchema.optional(),
  /** Region of the IAM client; IAM itself is global. Default: the provider's region. */
  region_name: regionNameSchema,
  /** `adopt`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `iam_policy` particle. */
export type IamPolicyDefinition = z.infer<typeof iamPolicySchema>;

/** A managed policy as read: ListPolicies' entry, completed by GetPolicy and its default version. */
interface LivePolicy {
  readonly arn: string;
  readonly policy: Policy;
  /** The default version's document as IAM answers it (URL-encoded); `undefined` when only listed. */
  readonly document?: string | undefined;
  /** Its tags; `undefined` when only listed (ListPolicies answers none). */
  readonly tags?: TagMap | undefined;
}

/**
 * A customer managed IAM policy, found by its name among the account's local policies (IAM
 * names are unique in an account, whatever the path). A policy has no stopped form: stopping
 * deletes it.
 *
 * A changed document becomes a new default version; when the policy already has IAM's five
 * versions, the oldest non-default one is deleted first. Tags are updated in place. `Path` and
 * `Description` cannot change: an update that would change them fails and names them (terminate
 * the policy and apply again to replace it). Terminating detaches the policy from every user,
 * group and role, deletes its non-default versions, then the policy.
 *
 * Reads are batched: IAM is global, so one ListPolicies (local scope, every page) serves all the
 * policies of a run; each existing policy then costs one GetPolicy (its description and tags) and
 * one GetPolicyVersion (its default document).
 *
 * @example
 * ```ts
 * const readLogs = new IamPolicy({
 *   pcf_name: "read-logs",
 *   flavor: "iam_policy",
 *   aws_resource: {
 *     PolicyName: "read-logs",
 *     PolicyDocument: {
 *       Version: "2012-10-17",
 *       Statement: [{ Effect: "Allow", Action: "logs:Get*", Resource: "*" }],
 *     },
 *   },
 * });
 * await readLogs.apply();
 * ```
 */
export class IamPolicy extends IamResource<IamPolicyDefinition, LivePolicy> {
  static override readonly flavor: string = "iam_policy";
  static override readonly definitionSchema = iamPolicySchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.PolicyName"];
  /** IAM sets a managed policy's path and description at creation only. */
  static override readonly fixedFields: readonly string[] = ["Path", "Description"];
  static override readonly inPlaceFields: readonly string[] = ["PolicyDocument", "Tags"];
  static override readonly createOperation: string = "CreatePolicy";
  static override readonly actions = actionsOf("iam", {
    read: "ListPolicies GetPolicy GetPolicyVersion",
    start: "CreatePolicy TagPolicy",
    update: "ListPolicyVersions DeletePolicyVersion CreatePolicyVersion TagPolicy UntagPolicy",
    terminate:
      "ListEntitiesForPolicy DetachRolePolicy DetachUserPolicy DetachGroupPolicy ListPolicyVersions DeletePolicyVersion DeletePolicy",
  });

  protected override readonly updaters: FieldUpdaters<IamPolicyDefinition, LivePolicy, IAMClient> =
    {
      PolicyDocument: (client, { arn }, { PolicyDocument }, { signal: abortSignal }) =>
        makeDefaultVersion(client, arn, policyDocumentText(PolicyDocument), abortSignal),
    };

  /** The local policies of `names` that exist: ListPolicies, every page. */
  protected override async list(
    client: IAMClient,
    names: readonly string[],
    { signal: abortSignal }: RunContext,
  ): Promise<ReadonlyMap<string, LivePolicy>> {
    const wanted = new Set(names);
    const found = new Map<string, LivePolicy>();
    for (const live of await localPolicies(client, abortSignal))
      if (wanted.has(live.policy.PolicyName ?? "")) found.set(live.policy.PolicyName ?? "", live);
    return found;
  }

  /**
   * Every customer managed policy of the account, completed: ListPolicies (local scope), then
   * GetPolicy and GetPolicyVersion each (a policy deleted meanwhile is left out). AWS managed
   * policies are left out: no particle can own one.
   */
  protected override async listAll(
    client: IAMClient,
    context: RunContext,
  ): Promise<readonly LivePolicy[]> {
    const policies = await Promise.all(
      (await localPolicies(client, context.signal)).map((live) =>
        this.unlessGone(`read policy ${live.policy.PolicyName ?? live.arn}`, () =>
          this.complete(client, live, context),
        ),
      ),
    );
    return policies.filter((policy) => policy !== undefined);
  }

  /** GetPolicy (description, tags) and GetPolicyVersion (the default document), at once. */
  protected override async complete(
    client: IAMClient,
    { arn: PolicyArn, policy }: LivePolicy,
    { signal: abortSignal }: RunContext,
  ): Promise<LivePolicy | undefined> {
    const [{ Policy }, { PolicyVersion }] = await Promise.all([
      client.send(new GetPolicyCommand({ PolicyArn }), { abortSignal }),
      client.send(new GetPolicyVersionCommand({ PolicyArn, VersionId: policy.DefaultVersionId }), {
        abortSignal,
      }),
    ]);
    return Policy === undefined
      ? undefined
      : {
          arn: PolicyArn,
          policy: Policy,
          document: PolicyVersion?.Document,
          tags: tagsFromList(Policy.Tags),
        };
  }

  /** A policy is running; its document is compared parsed. */
  protected override observe(
    { policy, document, tags }: LivePolicy,
    context: RunContext,
  ): Observation {
    return {
      state: "running",
      definition: {
        PolicyName: policy.PolicyName,
        PolicyDocument: parsePolicyDocument(document) ?? document,
        Path: policy.Path ?? "/",
        Description: policy.Description ?? "",
        Tags: tags,
        Arn: policy.Arn,
        PolicyId: policy.PolicyId,
        DefaultVersionId: policy.DefaultVersionId,
        AttachmentCount: policy.AttachmentCount,
        region_name: this.region(context),
      },
      ...(tags === undefined ? {} : { tags }),
    };
  }

  /** CreatePolicy with the document as JSON text, the tags plus the ownership tag. */
  protected override async create(
    client: IAMClient,
    desired: IamPolicyDefinition,
    { signal: abortSignal }: RunContext,
  ): Promise<LivePolicy> {
    const document = policyDocumentText(desired.PolicyDocument);
    const tags = { ...tagMapOf(desired.Tags), ...this.writtenOwnership };
    const { Policy } = await client.send(
      new CreatePolicyCommand({
        PolicyName: desired.PolicyName,
        PolicyDocument: document,
        Path: desired.Path,
        Description: desired.Description,
        Tags: tagsToList(tags),
      }),
      { abortSignal },
    );
    const arn = required(Policy?.Arn, "policy ARN");
    // IAM's answer carries no description: it is the one sent.
    return { arn, policy: { ...Policy, Description: desired.Description }, document, tags };
  }

  /** Detaches the policy everywhere, deletes its other versions, then it. */
  protected override async remove(
    client: IAMClient,
    { arn: PolicyArn }: LivePolicy,
    { signal: abortSignal }: RunContext,
  ): Promise<void> {
    await detachEverywhere(client, PolicyArn, abortSignal);
    await deleteOtherVersions(client, PolicyArn, abortSignal);
    await client.send(new DeletePolicyCommand({ PolicyArn }), { abortSignal });
  }

  protected override async writeTags(
    client: IAMClient,
    { arn: PolicyArn }: LivePolicy,
    { set, remove }: TagChanges,
    { signal: abortSignal }: RunContext,
  ): Promise<void> {
    if (remove.length > 0)
      await client.send(new UntagPolicyCommand({ PolicyArn, TagKeys: remove }), { abortSignal });
    if (Object.keys(set).length > 0)
      await client.send(new TagPolicyCommand({ PolicyArn, Tags: tagsToList(set) }), {
        abortSignal,
      });
  }

  /** The name, the document (as parsed JSON), and `Path`, `Description` and tags when written. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { PolicyName, PolicyDocument, Path, Description, Tags } = definition;
    return {
      PolicyName,
      PolicyDocument: comparablePolicyDocument(PolicyDocument),
      Path,
      Description,
      Tags: comparableTagInput(Tags),
    };
  }
}

/** The account's customer managed policies, as listed: ListPolicies (local scope), every page. */
async function localPolicies(client: IAMClient, abortSignal: AbortSignal): Promise<LivePolicy[]> {
  const input = { Scope: "Local" as const, MaxItems: 1000 };
  const policies = await collect(
    paginateListPolicies({ client }, input, { abortSignal }),
    (page) => page.Policies,
  );
  return policies.flatMap((policy) =>
    policy.Arn === undefined ? [] : [{ arn: policy.Arn, policy }],
  );
}
