import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  GetRoleCommand,
  PutRolePermissionsBoundaryCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  paginateListRoles,
  type IAMClient,
  type Role,
} from "@aws-sdk/client-iam";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { isPlainObject } from "../../../core/values.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
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
import {
  addToOwnInstanceProfile,
  listAttachedPolicyArns,
  listInstanceProfileNames,
  parentPolicyArns,
  releaseRole,
  syncAttachedPolicies,
} from "./role-attachments.js";

/** The `aws_resource` block of an `iam_role` particle: CreateRole's parameters, plus PCF's extras. */
export const iamRoleSchema = z.strictObject({
  /** The role's name (1–64 characters), unique in the account. Required: it is the unique key. */
  RoleName: z.string().min(1).max(64),
  /** Who may assume the role (the trust policy): a JSON object or its text. Required; updated in place. */
  AssumeRolePolicyDocument: policyDocumentSchema,
  /** The role's path, like `/service/`. Default `/`. Set at creation only (see {@link IamRole}). */
  Path: iamPathSchema.optional(),
  /** What the role is for. Default: none. Updated in place. */
  Description: z.string().max(1000).optional(),
  /** Longest session, in seconds (3600–43200). Default 3600. Updated in place. */
  MaxSessionDuration: z.int().min(3600).max(43_200).optional(),
  /** ARN of the managed policy that bounds the role's permissions; `""` removes it. Default: none. */
  PermissionsBoundary: z.union([z.literal(""), z.string().startsWith("arn:")]).optional(),
  /**
   * The role's whole tag set: a map, or a `{ Key, Value }` list. Tags not listed are removed on
   * update; the `pcf:managed-by` ownership tag is always kept. Default: tags are not compared.
   */
  Tags: tagInputSchema.optional(),
  /** Region of the IAM client; IAM itself is global. Default: the provider's region. */
  region_name: regionNameSchema,
  /**
   * - `policy_arns`: ARNs of the managed policies attached to the role, its whole set: others are
   *   detached. The ARNs of the particle's `iam_policy` parents are added. Default: none.
   * - `IsInstanceProfile`: also put the role in an instance profile of its own name, created when
   *   missing and deleted with the role. Default false.
   * - `adopt`: see {@link awsCustomConfigSchema}.
   */
  custom_config: awsCustomConfigSchema
    .extend({
      policy_arns: z.array(z.string().startsWith("arn:")).optional(),
      IsInstanceProfile: z.boolean().optional(),
    })
    .optional(),
});

/** What a user writes in the `aws_resource` block of an `iam_role` particle. */
export type IamRoleDefinition = z.infer<typeof iamRoleSchema>;

/** A role as read: ListRoles' entry, completed by GetRole and the role's attachments. */
interface LiveRole {
  readonly role: Role;
  /** Its tags; `undefined` when only listed (ListRoles answers none). */
  readonly tags?: TagMap | undefined;
  /** The ARNs of the attached managed policies, sorted; `undefined` when only listed. */
  readonly policyArns?: readonly string[] | undefined;
  /** The instance profiles holding it, read only when the definition asks for one. */
  readonly profiles?: readonly string[] | undefined;
}

/**
 * An IAM role, found by its name. A role has no stopped form: stopping deletes it.
 *
 * The trust policy, description, session length, permissions boundary, tags and attached managed
 * policies are updated in place. `Path` cannot change: an update that would change it fails and
 * names it (terminate the role and apply again to replace it). The attached policies are
 * `custom_config.policy_arns` plus the ARN of every `iam_policy` parent, so a role applied with
 * its policies comes up after them and attaches them. Terminating removes the role from its
 * instance profiles, detaches its managed policies, deletes its inline policies, then the role.
 *
 * Reads are batched: IAM is global, so one ListRoles (every page) tells which roles of a run
 * exist; each existing role then costs one GetRole and one ListAttachedRolePolicies (plus
 * ListInstanceProfilesForRole with `IsInstanceProfile`).
 *
 * @example
 * ```ts
 * const worker = new IamRole({
 *   pcf_name: "worker",
 *   flavor: "iam_role",
 *   aws_resource: {
 *     RoleName: "worker",
 *     AssumeRolePolicyDocument: {
 *       Version: "2012-10-17",
 *       Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
 *     },
 *     custom_config: { policy_arns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] },
 *   },
 * });
 * await worker.apply();
 * ```
 */
export class IamRole extends IamResource<IamRoleDefinition, LiveRole> {
  static override readonly flavor: string = "iam_role";
  static override readonly definitionSchema = iamRoleSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.RoleName"];
  /** IAM cannot move a role to another path. */
  static override readonly fixedFields: readonly string[] = ["Path"];
  static override readonly inPlaceFields: readonly string[] = [
    "AssumeRolePolicyDocument",
    "Description",
    "MaxSessionDuration",
    "PermissionsBoundary",
    "Tags",
    "custom_config",
  ];
  static override readonly createOperation: string = "CreateRole";
  static override readonly actions = actionsOf("iam", {
    read: "ListRoles GetRole ListAttachedRolePolicies ListInstanceProfilesForRole",
    start: "CreateRole AttachRolePolicy CreateInstanceProfile AddRoleToInstanceProfile",
    update:
      "UpdateAssumeRolePolicy UpdateRole PutRolePermissionsBoundary DeleteRolePermissionsBoundary TagRole UntagRole AttachRolePolicy DetachRolePolicy CreateInstanceProfile AddRoleToInstanceProfile",
    terminate:
      "ListInstanceProfilesForRole RemoveRoleFromInstanceProfile DeleteInstanceProfile ListAttachedRolePolicies DetachRolePolicy ListRolePolicies DeleteRolePolicy DeleteRole",
  });

  protected override readonly updaters: FieldUpdaters<IamRoleDefinition, LiveRole, IAMClient> = {
    AssumeRolePolicyDocument: (client, _live, { RoleName, AssumeRolePolicyDocument }, context) => {
      const PolicyDocument = policyDocumentText(AssumeRolePolicyDocument);
      const update = new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument });
      return client.send(update, { abortSignal: context.signal });
    },
    Description: updateRole,
    MaxSessionDuration: updateRole,
    PermissionsBoundary: (client, _live, { RoleName, PermissionsBoundary: arn }, { signal }) =>
      arn === undefined || arn === ""
        ? client.send(new DeleteRolePermissionsBoundaryCommand({ RoleName }), {
            abortSignal: signal,
          })
        : client.send(
            new PutRolePermissionsBoundaryCommand({ RoleName, PermissionsBoundary: arn }),
            {
              abortSignal: signal,
            },
          ),
    custom_config: async (client, { policyArns = [], profiles = [] }, desired, context) => {
      const { RoleName, custom_config: config } = desired;
      const { signal: abortSignal } = context;
      const change = { current: policyArns, desired: config?.policy_arns ?? [] };
      await syncAttachedPolicies(client, RoleName, change, abortSignal);
      if (config?.IsInstanceProfile === true && !profiles.includes(RoleName))
        await addToOwnInstanceProfile(client, desired, abortSignal, this.provenanceTags);
    },
  };

  /**
   * Adds the ARNs of the `iam_policy` parents to `custom_config.policy_arns` when the role comes
   * up (PCF's parent policies), reading each parent's state when needed.
   * @throws PcfError `REFERENCE_UNRESOLVED` when such a parent does not exist.
   */
  override async resolveDefinition(
    definition: Record<string, unknown>,
    context: RunContext,
  ): Promise<Record<string, unknown>> {
    const resolved = await super.resolveDefinition(definition, context);
    if (this.desiredState !== "running") return resolved;
    const parentArns = await parentPolicyArns(this, context);
    if (parentArns.length === 0) return resolved;
    const config = isPlainObject(resolved["custom_config"]) ? resolved["custom_config"] : {};
    const own = Array.isArray(config["policy_arns"]) ? (config["policy_arns"] as unknown[]) : [];
    const policyArns = [...new Set([...own, ...parentArns])];
    return { ...resolved, custom_config: { ...config, policy_arns: policyArns } };
  }

  /** The roles of `names` that exist: ListRoles, every page. */
  protected override async list(
    client: IAMClient,
    names: readonly string[],
    { signal: abortSignal }: RunContext,
  ): Promise<ReadonlyMap<string, LiveRole>> {
    const wanted = new Set(names);
    const found = new Map<string, LiveRole>();
    for (const role of await listRoles(client, abortSignal))
      if (wanted.has(role.RoleName ?? "")) found.set(role.RoleName ?? "", { role });
    return found;
  }

  /**
   * Every role of the account, completed with its instance profiles: ListRoles, then GetRole,
   * ListAttachedRolePolicies and ListInstanceProfilesForRole each (a role deleted meanwhile is
   * left out). Roles AWS makes for itself (paths `/aws-service-role/`, `/aws-reserved/`) are
   * left out: CreateRole cannot make them, so no particle can own one.
   */
  protected override async listAll(
    client: IAMClient,
    { signal }: RunContext,
  ): Promise<readonly LiveRole[]> {
    const roles = (await listRoles(client, signal)).filter(
      ({ Path = "/" }) => !AWS_ROLE_PATH.test(Path),
    );
    const completed = await Promise.all(
      roles.map((role) =>
        this.unlessGone(`read role ${role.RoleName ?? ""}`, () =>
          completeRole(client, role, { isProfileRead: true }, signal),
        ),
      ),
    );
    return completed.filter((role) => role !== undefined);
  }

  /** GetRole, ListAttachedRolePolicies and (with `IsInstanceProfile`) its profiles, at once. */
  protected override complete(
    client: IAMClient,
    { role }: LiveRole,
    { signal }: RunContext,
  ): Promise<LiveRole | undefined> {
    const reads = { isProfileRead: this.wantsInstanceProfile };
    return completeRole(client, role, reads, signal);
  }

  /** A role is running; `IsInstanceProfile` is observed only when its profiles were read. */
  protected override observe(
    { role, tags, policyArns = [], profiles }: LiveRole,
    context: RunContext,
  ): Observation {
    return {
      state: "running",
      definition: {
        RoleName: role.RoleName,
        AssumeRolePolicyDocument:
          parsePolicyDocument(role.AssumeRolePolicyDocument) ?? role.AssumeRolePolicyDocument,
        Path: role.Path ?? "/",
        Description: role.Description ?? "",
        MaxSessionDuration: role.MaxSessionDuration,
        PermissionsBoundary: role.PermissionsBoundary?.PermissionsBoundaryArn ?? "",
        Tags: tags,
        Arn: role.Arn,
        RoleId: role.RoleId,
        region_name: this.region(context),
        custom_config: {
          policy_arns: policyArns,
          ...(profiles === undefined
            ? {}
            : { IsInstanceProfile: profiles.includes(role.RoleName ?? "") }),
        },
      },
      ...(tags === undefined ? {} : { tags }),
    };
  }

  /** CreateRole with the trust policy as JSON text, the tags plus the ownership tag; nothing attached yet. */
  protected override async create(
    client: IAMClient,
    desired: IamRoleDefinition,
    { signal: abortSignal }: RunContext,
  ): Promise<LiveRole | undefined> {
    const tags = { ...tagMapOf(desired.Tags), ...this.writtenOwnership };
    const { PermissionsBoundary: boundary } = desired;
    const { Role } = await client.send(
      new CreateRoleCommand({
        RoleName: desired.RoleName,
        AssumeRolePolicyDocument: policyDocumentText(desired.AssumeRolePolicyDocument),
        Path: desired.Path,
        Description: desired.Description,
        MaxSessionDuration: desired.MaxSessionDuration,
        PermissionsBoundary: boundary === "" ? undefined : boundary,
        Tags: tagsToList(tags),
      }),
      { abortSignal },
    );
    return Role === undefined ? undefined : { role: Role, tags, policyArns: [], profiles: [] };
  }

  /** Frees the role (instance profiles, managed and inline policies), then deletes it. */
  protected override async remove(
    client: IAMClient,
    { role }: LiveRole,
    { signal: abortSignal }: RunContext,
  ): Promise<void> {
    const RoleName = role.RoleName ?? "";
    await releaseRole(
      client,
      RoleName,
      { deleteOwnProfile: this.wantsInstanceProfile },
      abortSignal,
    );
    await client.send(new DeleteRoleCommand({ RoleName }), { abortSignal });
  }

  protected override async writeTags(
    client: IAMClient,
    { role: { RoleName } }: LiveRole,
    { set, remove }: TagChanges,
    { signal: abortSignal }: RunContext,
  ): Promise<void> {
    if (remove.length > 0)
      await client.send(new UntagRoleCommand({ RoleName, TagKeys: remove }), { abortSignal });
    if (Object.keys(set).length > 0)
      await client.send(new TagRoleCommand({ RoleName, Tags: tagsToList(set) }), { abortSignal });
  }

  /**
   * The name, the trust policy (as parsed JSON), the attached policy ARNs (as a set), and the
   * other fields when written. `IsInstanceProfile` counts only when true.
   */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
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
      Tags: comparableTagInput(Tags),
      custom_config: {
        policy_arns: [...new Set(policyArns.map(String))].sort(),
        IsInstanceProfile: config["IsInstanceProfile"] === true ? true : undefined,
      },
    };
  }

  private get wantsInstanceProfile(): boolean {
    const config = this.desiredStateDefinition["custom_config"];
    return isPlainObject(config) && config["IsInstanceProfile"] === true;
  }
}

/** The paths of the roles AWS makes for its services and for IAM Identity Center. */
const AWS_ROLE_PATH = /^\/aws-(service-role|reserved)\//;

/** Every role of the account, as listed: ListRoles, every page. */
function listRoles(client: IAMClient, abortSignal: AbortSignal): Promise<Role[]> {
  return collect(
    paginateListRoles({ client }, { MaxItems: 1000 }, { abortSignal }),
    (page) => page.Roles,
  );
}

/**
 * A listed role completed: GetRole (its tags), ListAttachedRolePolicies and, when `reads` asks,
 * ListInstanceProfilesForRole, at once; `undefined` when GetRole answers no role.
 */
async function completeRole(
  client: IAMClient,
  { RoleName = "" }: Role,
  reads: { readonly isProfileRead: boolean },
  abortSignal: AbortSignal,
): Promise<LiveRole | undefined> {
  const [{ Role: read }, policyArns, profiles] = await Promise.all([
    client.send(new GetRoleCommand({ RoleName }), { abortSignal }),
    listAttachedPolicyArns(client, RoleName, abortSignal),
    reads.isProfileRead ? listInstanceProfileNames(client, RoleName, abortSignal) : undefined,
  ]);
  return read === undefined
    ? undefined
    : { role: read, tags: tagsFromList(read.Tags), policyArns, profiles };
}

/**
 * UpdateRole, for the description and the session length at once. It resets what it is not
 * given (moto clears the description, and AWS documents a session length of one hour), so the
 * live value goes where none is written.
 */
const updateRole: FieldUpdater<IamRoleDefinition, LiveRole, IAMClient> = (
  client,
  { role },
  { RoleName, Description, MaxSessionDuration },
  { signal: abortSignal },
) =>
  client.send(
    new UpdateRoleCommand({
      RoleName,
      Description: Description ?? role.Description,
      MaxSessionDuration: MaxSessionDuration ?? role.MaxSessionDuration,
    }),
    { abortSignal },
  );
