import {
  CreatePolicyCommand,
  DeletePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  TagPolicyCommand,
  UntagPolicyCommand,
  paginateListPolicies,
  type CreatePolicyCommandInput,
  type Policy,
  type PolicyVersion,
} from "@aws-sdk/client-iam";
import * as z from "zod";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { required } from "../../kit/create-once.js";
import { isConflict, wrapAwsError } from "../errors.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { LegacyAWSResource } from "../legacy-resource.js";
import {
  comparableTags,
  hasOwnershipTag,
  ownedTagList,
  sendTagChanges,
  tagInputSchema,
  tagMapOf,
  tagsFromList,
  tagsToList,
} from "../tags.js";
import { iamPathSchema } from "./iam-fields.js";
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

/**
 * A customer managed IAM policy, found by its name among the account's local policies (and by
 * `Path` when two share the name). A policy has no stopped form: stopping deletes it.
 *
 * A changed document becomes a new default version; when the policy already has IAM's five
 * versions, the oldest non-default one is deleted first. Tags are updated in place. `Path` and
 * `Description` cannot change: an update that would change them fails and names them (terminate
 * the policy and apply again to replace it). Terminating detaches the policy from every user,
 * group and role, deletes its non-default versions, then the policy.
 *
 * Reads are batched: IAM is global, so one ListPolicies (local scope, every page) serves all the
 * policies of a run whose ARN is not yet known; each existing policy then costs one GetPolicy (its
 * tags) and one GetPolicyVersion (its default document).
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
export class IamPolicy extends LegacyAWSResource<IamPolicyDefinition> {
  static override readonly flavor: string = "iam_policy";
  static override readonly service: string = "iam";
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.PolicyName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = iamPolicySchema;
  /** IAM sets a managed policy's path and description at creation only. */
  static override readonly fixedFields: readonly string[] = ["Path", "Description"];

  /** The policy's ARN once found or created; a cache only, checked by every read. */
  private policyArn: string | undefined = undefined;
  /** The live tags, when read. */
  private currentTags: Record<string, string> = {};

  /** Reads every policy of `particles`: one ListPolicies for those whose ARN is not yet known. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const policies = particles.filter(
      (particle): particle is IamPolicy => particle instanceof IamPolicy,
    );
    const [first] = policies;
    if (first === undefined) return;
    const client = await first.client(IAMClient, context);
    const unknown = policies.filter((policy) => policy.policyArn === undefined);
    const listed =
      unknown.length === 0
        ? []
        : await IamPolicy.listFor(unknown, "list the account's policies", () =>
            listLocalPolicies(client, context.signal),
          );
    await readEach(policies, async (policy) => {
      if (unknown.includes(policy))
        policy.policyArn = findPolicy(listed, policy.policyName, policy.wantedPath)?.Arn;
      await policy.readPolicy(client, context);
    });
  }

  /** Reads this policy: `running` when it exists, else `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof IamPolicy).syncAll([this], context);
  }

  /**
   * Creates the policy with its document, its tags and the ownership tag. A resent CreatePolicy
   * after a lost answer fails on the policy it made, so that one is looked for first.
   */
  protected override async _start(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const client = await this.client(IAMClient, context);
    const abortSignal = context.signal;
    const { value: policyArn } = await this.createResource(
      `create policy ${desired.PolicyName}`,
      IAMClient,
      context,
      {
        send: async (once) => {
          const { Policy } = await once.send(new CreatePolicyCommand(toCreateInput(desired)), {
            abortSignal,
          });
          return required(Policy?.Arn, "policy ARN");
        },
        findCreated: async () => {
          const listed = await listLocalPolicies(client, abortSignal);
          const arn = findPolicy(listed, desired.PolicyName, desired.Path)?.Arn;
          if (arn === undefined) return undefined;
          const { Policy } = await client.send(new GetPolicyCommand({ PolicyArn: arn }), {
            abortSignal,
          });
          return hasOwnershipTag(tagsFromList(Policy?.Tags)) ? arn : undefined;
        },
        alreadyExistsCodes: ["EntityAlreadyExists"],
        hint: (error) =>
          isConflict(error) ? " (a policy of that name exists, maybe in another path)" : "",
      },
    );
    this.policyArn = policyArn;
  }

  /** Detaches the policy everywhere, deletes its other versions, then it; a policy already gone is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    const policyArn = this.policyArn;
    if (policyArn === undefined) return;
    const client = await this.client(IAMClient, context);
    const abortSignal = context.signal;
    await this.deleteUnlessGone(`delete policy ${this.policyName}`, async () => {
      await detachEverywhere(client, policyArn, abortSignal);
      await deleteOtherVersions(client, policyArn, abortSignal);
      await client.send(new DeletePolicyCommand({ PolicyArn: policyArn }), { abortSignal });
    });
    this.policyArn = undefined;
  }

  /**
   * Makes the desired document the default version (deleting the oldest other version at IAM's
   * limit of five) and brings the tags to the definition's set. `Path` and `Description` are
   * fixed at creation: a change to either replaces the policy.
   */
  protected override async _update(context: RunContext): Promise<void> {
    const changed = new Set(this.definitionDifferences().map(({ path }) => path.split(".")[0]));
    const desired = this.desiredDefinition();
    const client = await this.client(IAMClient, context);
    const policyArn = this.policyArn;
    if (policyArn === undefined) return;
    const abortSignal = context.signal;
    try {
      if (changed.has("PolicyDocument"))
        await makeDefaultVersion(
          client,
          policyArn,
          policyDocumentText(desired.PolicyDocument),
          abortSignal,
        );
      if (changed.has("Tags"))
        await sendTagChanges(this.currentTags, tagMapOf(desired.Tags), {
          untag: (TagKeys) =>
            client.send(new UntagPolicyCommand({ PolicyArn: policyArn, TagKeys }), { abortSignal }),
          tag: (set) =>
            client.send(new TagPolicyCommand({ PolicyArn: policyArn, Tags: tagsToList(set) }), {
              abortSignal,
            }),
        });
    } catch (error) {
      throw wrapAwsError(error, this.id, `update policy ${desired.PolicyName}`);
    }
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
      Tags: Tags === undefined ? undefined : comparableTags(tagMapOf(Tags)),
    };
  }

  private get policyName(): string {
    return String(this.desiredStateDefinition["PolicyName"]);
  }

  private get wantedPath(): string | undefined {
    const path = this.desiredStateDefinition["Path"];
    return typeof path === "string" ? path : undefined;
  }

  /** Sets the state from the policy at `policyArn`: its metadata, tags and default document. */
  private async readPolicy(client: IAMClient, context: RunContext): Promise<void> {
    this.isOwned = undefined;
    this.currentTags = {};
    const live = this.policyArn === undefined ? undefined : await this.readLive(client, context);
    if (live === undefined) {
      this.policyArn = undefined;
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    const { policy, version } = live;
    this.currentTags = tagsFromList(policy.Tags);
    this.isOwned = hasOwnershipTag(this.currentTags);
    this.state = "running";
    this.currentStateDefinition = {
      PolicyName: policy.PolicyName,
      PolicyDocument: parsePolicyDocument(version.Document) ?? version.Document,
      Path: policy.Path ?? "/",
      Description: policy.Description ?? "",
      Tags: this.currentTags,
      Arn: policy.Arn,
      PolicyId: policy.PolicyId,
      DefaultVersionId: policy.DefaultVersionId,
      AttachmentCount: policy.AttachmentCount,
      region_name: this.region(context),
    };
  }

  /** The policy and its default version, or `undefined` when it is gone. */
  private async readLive(
    client: IAMClient,
    context: RunContext,
  ): Promise<{ policy: Policy; version: PolicyVersion } | undefined> {
    const abortSignal = context.signal;
    return this.readUnlessGone(`read policy ${this.policyName}`, async () => {
      const { Policy: policy } = await client.send(
        new GetPolicyCommand({ PolicyArn: this.policyArn }),
        { abortSignal },
      );
      if (policy === undefined) return undefined;
      const { PolicyVersion: version } = await client.send(
        new GetPolicyVersionCommand({
          PolicyArn: this.policyArn,
          VersionId: policy.DefaultVersionId,
        }),
        { abortSignal },
      );
      return version === undefined ? undefined : { policy, version };
    });
  }
}

/** Every customer managed policy of the account, every page. */
async function listLocalPolicies(client: IAMClient, abortSignal: AbortSignal): Promise<Policy[]> {
  const policies: Policy[] = [];
  for await (const page of paginateListPolicies(
    { client },
    { Scope: "Local", MaxItems: 1000 },
    { abortSignal },
  ))
    policies.push(...(page.Policies ?? []));
  return policies;
}

/**
 * The listed policy named `name` (the unique key): the one in `path` (default `/`), else the only
 * one of that name, whatever its path. A policy found in another path is this particle's with a
 * different `Path`, which replaces it; it is never left behind beside a namesake.
 */
function findPolicy(
  listed: readonly Policy[],
  name: string,
  path: string | undefined,
): Policy | undefined {
  const named = listed.filter((policy) => policy.PolicyName === name);
  return (
    named.find((policy) => policy.Path === (path ?? "/")) ??
    (named.length === 1 ? named[0] : undefined)
  );
}

/** CreatePolicy's input: the definition's fields, the document as JSON text, tags plus the ownership tag. */
function toCreateInput(definition: IamPolicyDefinition): CreatePolicyCommandInput {
  return {
    PolicyName: definition.PolicyName,
    PolicyDocument: policyDocumentText(definition.PolicyDocument),
    Path: definition.Path,
    Description: definition.Description,
    Tags: ownedTagList(tagMapOf(definition.Tags)),
  };
}
