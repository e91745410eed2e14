import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  type CreateRoleCommandInput,
  type Role,
} from "@aws-sdk/client-iam";
import * as z from "zod";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { isPlainObject } from "../../../core/values.js";
import { isConflict, wrapAwsError } from "../errors.js";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { LegacyAWSResource } from "../legacy-resource.js";
import { hasOwnershipTag, ownedTagList, tagInputSchema, tagMapOf, tagsFromList } from "../tags.js";
import { iamPathSchema } from "./iam-fields.js";
import { policyDocumentSchema, policyDocumentText } from "./policy-document.js";
import {
  addToOwnInstanceProfile,
  listAttachedPolicyArns,
  listInstanceProfileNames,
  parentPolicyArns,
  releaseRole,
  retagRole,
  syncAttachedPolicies,
} from "./role-attachments.js";
import { comparableRole, describedRole, listRoleNames, type LiveRole } from "./role-read.js";

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
export class IamRole extends LegacyAWSResource<IamRoleDefinition> {
  static override readonly flavor: string = "iam_role";
  static override readonly service: string = "iam";
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.RoleName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = iamRoleSchema;
  /** IAM cannot move a role to another path. */
  static override readonly fixedFields: readonly string[] = ["Path"];

  /** Whether the role was found or created; then reads skip the listing. A cache, checked by every read. */
  private isKnown = false;
  /** The live tags, when read. */
  private currentTags: Record<string, string> = {};
  /** The role as GetRole last answered. */
  private liveRole: Role | undefined = undefined;

  /** Reads every role of `particles`: one ListRoles for those not yet known to exist. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const roles = particles.filter((particle): particle is IamRole => particle instanceof IamRole);
    const [first] = roles;
    if (first === undefined) return;
    const client = await first.client(IAMClient, context);
    const unknown = roles.filter((role) => !role.isKnown);
    const listed =
      unknown.length === 0
        ? new Set<string>()
        : await IamRole.listFor(unknown, "list the account's roles", () =>
            listRoleNames(client, context.signal),
          );
    await readEach(roles, (role) =>
      role.readRole(client, role.isKnown || listed.has(role.roleName), context),
    );
  }

  /** Reads this role: `running` when it exists, else `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof IamRole).syncAll([this], context);
  }

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

  /** Creates the role with its tags and the ownership tag, attaches its policies, and adds it to its instance profile. */
  protected override async _start(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const client = await this.client(IAMClient, context);
    const abortSignal = context.signal;
    // A resent CreateRole after a lost answer fails on the role it made: look for it first.
    await this.createResource(`create role ${desired.RoleName}`, IAMClient, context, {
      send: async (once) => {
        await once.send(new CreateRoleCommand(toCreateInput(desired)), { abortSignal });
        return true;
      },
      findCreated: async () => {
        const role = await this.readUnlessGone(`read role ${desired.RoleName}`, async () => {
          const { Role } = await client.send(new GetRoleCommand({ RoleName: desired.RoleName }), {
            abortSignal,
          });
          return Role;
        });
        return role !== undefined && hasOwnershipTag(tagsFromList(role.Tags)) ? true : undefined;
      },
      alreadyExistsCodes: ["EntityAlreadyExists", "EntityAlreadyExistsException"],
      hint: (error) => (isConflict(error) ? " (a role of that name exists)" : ""),
    });
    this.isKnown = true;
    try {
      const desiredArns = desired.custom_config?.policy_arns ?? [];
      await syncAttachedPolicies(
        client,
        desired.RoleName,
        { current: [], desired: desiredArns },
        abortSignal,
      );
      if (desired.custom_config?.IsInstanceProfile === true)
        await addToOwnInstanceProfile(client, desired, abortSignal);
    } catch (error) {
      throw wrapAwsError(error, this.id, `attach the policies of role ${desired.RoleName}`);
    }
  }

  /** Frees the role (instance profiles, managed and inline policies), then deletes it; a role already gone is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    if (!this.isKnown) return;
    const client = await this.client(IAMClient, context);
    const abortSignal = context.signal;
    await this.deleteUnlessGone(`delete role ${this.roleName}`, async () => {
      await releaseRole(
        client,
        this.roleName,
        { deleteOwnProfile: this.wantsInstanceProfile },
        abortSignal,
      );
      await client.send(new DeleteRoleCommand({ RoleName: this.roleName }), { abortSignal });
    });
    this.isKnown = false;
  }

  /**
   * Changes what differs: trust policy, description and session length, permissions boundary,
   * tags, attached policies, instance profile. `Path` is fixed at creation (IAM cannot move a
   * role): a change to it replaces the role.
   */
  protected override async _update(context: RunContext): Promise<void> {
    const changed = new Set(this.definitionDifferences().map(({ path }) => path));
    const desired = this.desiredDefinition();
    const client = await this.client(IAMClient, context);
    const abortSignal = context.signal;
    const RoleName = desired.RoleName;
    try {
      if (changed.has("AssumeRolePolicyDocument"))
        await client.send(
          new UpdateAssumeRolePolicyCommand({
            RoleName,
            PolicyDocument: policyDocumentText(desired.AssumeRolePolicyDocument),
          }),
          { abortSignal },
        );
      if (changed.has("Description") || changed.has("MaxSessionDuration"))
        await client.send(
          // UpdateRole resets what it is not given (moto clears the description, and AWS
          // documents a session length of one hour), so the live value goes where none is written.
          new UpdateRoleCommand({
            RoleName,
            Description: desired.Description ?? this.liveRole?.Description,
            MaxSessionDuration: desired.MaxSessionDuration ?? this.liveRole?.MaxSessionDuration,
          }),
          { abortSignal },
        );
      const boundary = desired.PermissionsBoundary;
      if (changed.has("PermissionsBoundary") && boundary !== undefined && boundary !== "")
        await client.send(
          new PutRolePermissionsBoundaryCommand({ RoleName, PermissionsBoundary: boundary }),
          { abortSignal },
        );
      else if (changed.has("PermissionsBoundary"))
        await client.send(new DeleteRolePermissionsBoundaryCommand({ RoleName }), { abortSignal });
      if (changed.has("Tags"))
        await retagRole(
          client,
          RoleName,
          { current: this.currentTags, desired: tagMapOf(desired.Tags) },
          abortSignal,
        );
      if (changed.has("custom_config.policy_arns"))
        await syncAttachedPolicies(
          client,
          RoleName,
          { current: this.attachedPolicyArns, desired: desired.custom_config?.policy_arns ?? [] },
          abortSignal,
        );
      if (changed.has("custom_config.IsInstanceProfile"))
        await addToOwnInstanceProfile(client, desired, abortSignal);
    } catch (error) {
      throw wrapAwsError(error, this.id, `update role ${RoleName}`);
    }
  }

  /** See {@link comparableRole}. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    return comparableRole(definition);
  }

  private get roleName(): string {
    return String(this.desiredStateDefinition["RoleName"]);
  }

  private get wantsInstanceProfile(): boolean {
    const config = this.desiredStateDefinition["custom_config"];
    return isPlainObject(config) && config["IsInstanceProfile"] === true;
  }

  private get attachedPolicyArns(): string[] {
    const config = this.currentStateDefinition["custom_config"];
    const arns = isPlainObject(config) ? config["policy_arns"] : undefined;
    return Array.isArray(arns) ? arns.map(String) : [];
  }

  /** Sets the state from the live role, when `exists`: the role, its attached policies and instance profile. */
  private async readRole(client: IAMClient, exists: boolean, context: RunContext): Promise<void> {
    this.isOwned = undefined;
    this.currentTags = {};
    this.liveRole = undefined;
    const live = exists ? await this.readLive(client, context) : undefined;
    if (live === undefined) {
      this.isKnown = false;
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    const { role } = live;
    this.isKnown = true;
    this.liveRole = role;
    this.currentTags = tagsFromList(role.Tags);
    this.isOwned = hasOwnershipTag(this.currentTags);
    this.state = "running";
    this.currentStateDefinition = describedRole(live, {
      tags: this.currentTags,
      roleName: this.roleName,
      region: this.region(context),
    });
  }

  /** The role, its attached policy ARNs and (when asked for) its instance profiles; `undefined` when it is gone. */
  private async readLive(client: IAMClient, context: RunContext): Promise<LiveRole | undefined> {
    const abortSignal = context.signal;
    return this.readUnlessGone(`read role ${this.roleName}`, async () => {
      const [{ Role: role }, policyArns, profiles] = await Promise.all([
        client.send(new GetRoleCommand({ RoleName: this.roleName }), { abortSignal }),
        listAttachedPolicyArns(client, this.roleName, abortSignal),
        this.wantsInstanceProfile
          ? listInstanceProfileNames(client, this.roleName, abortSignal)
          : undefined,
      ]);
      return role === undefined ? undefined : { role, policyArns, profiles };
    });
  }
}

/** CreateRole's input: the definition's fields, the trust policy as JSON text, tags plus the ownership tag. */
function toCreateInput(definition: IamRoleDefinition): CreateRoleCommandInput {
  return {
    RoleName: definition.RoleName,
    AssumeRolePolicyDocument: policyDocumentText(definition.AssumeRolePolicyDocument),
    Path: definition.Path,
    Description: definition.Description,
    MaxSessionDuration: definition.MaxSessionDuration,
    PermissionsBoundary:
      definition.PermissionsBoundary === "" ? undefined : definition.PermissionsBoundary,
    Tags: ownedTagList(tagMapOf(definition.Tags)),
  };
}
