import { PcfError, listNames, type DefinitionIssue } from "../../core/errors.js";
import { Particle, type ParticleDefinition, type TransitionName } from "../../core/particle.js";
import type { RunContext } from "../../core/run-context.js";
import { settleReads } from "../../core/read-failures.js";
import { readPath } from "../../core/values.js";
import { createOnce, type CreateOnceResult } from "../kit/create-once.js";
import { awsClient, resolveRegion, type AwsClientClass } from "./clients.js";
import { awsCreateFailure, isNotFound, wrapAwsError } from "./errors.js";
import { hasLookups, lookupIssues, resolveLookups } from "./lookup.js";
import type { AwsClient } from "./options.js";
import { OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE, hasOwnershipTag, type TagMap } from "./tags.js";

/**
 * Transitions that change or remove a live resource, and so need it to be ours (or adopted).
 * `start` counts too: on a live resource (a stopped instance, a disabled key) it changes one.
 */
const GUARDED_TRANSITIONS: ReadonlySet<TransitionName> = new Set([
  "start",
  "stop",
  "terminate",
  "update",
]);

/**
 * The hand-wired base of the AWS flavors not yet declared on the provider kit (see `AWSResource`),
 * removed once the last one moves: the `aws_resource` block, SDK clients shared per run, the
 * particle's region, `$lookup$` resolution and the ownership guard.
 *
 * Ownership: every resource a flavor creates carries the tag `pcf:managed-by=particle-cloud`. A
 * live resource without it was made by someone else; `start`, `stop`, `terminate` and `update` then fail
 * with `TRANSITION_FAILED` instead of touching it, unless `aws_resource.custom_config.adopt` is
 * true. A flavor reports ownership by setting {@link LegacyAWSResource.isOwned} when it reads the tags,
 * or by overriding {@link LegacyAWSResource.readOwnership} to read them only when a guarded transition
 * is about to run.
 *
 * The definition is checked against the flavor's `definitionSchema` when the particle is
 * constructed (with the unique keys and the `$lookup$` kinds), so a bad definition fails with
 * every problem listed before any AWS call. `$inherit$` and `$lookup$` strings are accepted
 * wherever a value goes; they are checked once resolved.
 */
export abstract class LegacyAWSResource<
  D extends Record<string, unknown> = Record<string, unknown>,
> extends Particle {
  static override readonly resourceKey: string = "aws_resource";
  /** Polls of one flavor arriving within 10 ms (far below a round trip) share one list call. */
  static override readonly readBatchWindowMs: number = 10;
  /**
   * The AWS API the flavor calls (`ec2`, `s3`…): AWS throttles per API, account and region, so
   * that is the engine's concurrency scope. Flavors of one API (instances, volumes, subnets)
   * share it; `undefined` falls back to the flavor.
   */
  static readonly service: string | undefined = undefined;

  /** Whether the live resource carries the ownership tag; `undefined` until a read tells. */
  protected isOwned: boolean | undefined = undefined;

  /** The base checks plus the `$lookup$` kinds, so bad lookups are listed with every other problem. */
  static override definitionIssues(
    definition: ParticleDefinition,
    where: { particle: string },
  ): DefinitionIssue[] {
    return [
      ...super.definitionIssues(definition, where),
      ...lookupIssues(definition["aws_resource"], { ...where, resourceKey: "aws_resource" }),
    ];
  }

  /**
   * Refuses `start`, `stop`, `terminate` and `update` on a live resource that
   * particle-cloud did not create unless `custom_config.adopt` is true.
   * @throws PcfError `TRANSITION_FAILED` when the resource is not ours.
   */
  protected override async beforeTransition(
    transition: TransitionName,
    context: RunContext,
  ): Promise<void> {
    if (
      GUARDED_TRANSITIONS.has(transition) &&
      this.hasLiveResource &&
      !this.isAdopted &&
      !(await this.readOwnership(context))
    ) {
      throw new PcfError(
        "TRANSITION_FAILED",
        `refusing to ${transition}: ${this.resourceLabel()} exists but was not created by particle-cloud ` +
          `(it has no ${OWNERSHIP_TAG_KEY}=${OWNERSHIP_TAG_VALUE} tag); set custom_config.adopt: true to manage it`,
        { particle: this.id, field: "aws_resource.custom_config.adopt" },
      );
    }
  }

  /**
   * Whether the last read found a resource that a transition would change: any state but
   * `terminated` by default. Flavors whose `terminated` resource can still come back (a KMS key
   * pending deletion) override it, so the ownership guard covers that too.
   */
  protected get hasLiveResource(): boolean {
    return this.state !== undefined && this.state !== "terminated";
  }

  /** A live resource whose read showed no ownership tag, not adopted. */
  override get isForeign(): boolean {
    return this.hasLiveResource && this.isOwned === false && !this.isAdopted;
  }

  /** Resolves `$lookup$` values in the particle's region; going down, unresolvable ones stay as written. */
  override async resolveDefinition(
    definition: Record<string, unknown>,
    context: RunContext,
  ): Promise<Record<string, unknown>> {
    if (!hasLookups(definition)) return definition;
    const region = this.regionOf(definition, context);
    try {
      return await resolveLookups(definition, {
        particle: this.id,
        region,
        context,
        resourceKey: "aws_resource",
      });
    } catch (error) {
      // A resource going away is found by its unique keys; a lookup that no longer resolves
      // (its subnet is already gone) must not block its removal.
      if (
        this.desiredState !== "running" &&
        error instanceof PcfError &&
        error.code === "REFERENCE_UNRESOLVED"
      )
        return definition;
      throw error;
    }
  }

  /**
   * True when the particle is going down (stop or terminate), so the ownership guard will need its
   * tags before anything runs. Flavors that read tags only on demand read them in the first read
   * round instead: the same request, one round trip earlier. A no-op apply reads no tag it does
   * not need.
   */
  protected get isGoingDown(): boolean {
    return this.desiredState !== "running";
  }

  /**
   * Whether the live resource is ours. The default answers from {@link LegacyAWSResource.isOwned};
   * flavors that skip reading tags in `syncState` read them here. A resource that turns out to be
   * gone counts as ours: there is nothing left to protect.
   */
  protected readOwnership(_context: RunContext): Promise<boolean> {
    return Promise.resolve(this.isOwned === true);
  }

  /**
   * A {@link LegacyAWSResource.readOwnership} for flavors that read tags only when a definition lists
   * them: {@link LegacyAWSResource.isOwned} when the last read told, else the tags `readTags` reads now
   * (`undefined`: the resource is gone, which counts as ours).
   */
  protected async ownershipFromTags(readTags: () => Promise<TagMap | undefined>): Promise<boolean> {
    if (this.isOwned !== undefined) return this.isOwned;
    const tags = await readTags();
    return tags === undefined || hasOwnershipTag(tags);
  }

  /**
   * Runs `read`, a read of this particle's live resource: `undefined` when the resource is gone
   * (a not-found error), so that it reads as terminated.
   * @throws PcfError wrapping any other failure, as `what` (`read queue jobs`).
   */
  protected async readUnlessGone<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw wrapAwsError(error, this.id, what);
    }
  }

  /**
   * Runs `remove`, the deletion of this particle's live resource; one already gone is fine.
   * Gives whether this call deleted it (`false`: it was gone).
   * @throws PcfError wrapping any other failure, as `what` followed by `hint(error)`: why the
   * deletion failed and the way out, when the flavor knows (`""` when not).
   */
  protected async deleteUnlessGone(
    what: string,
    remove: () => Promise<unknown>,
    options: { readonly hint?: (error: unknown) => string | Promise<string> } = {},
  ): Promise<boolean> {
    try {
      await remove();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      const hint = (await options.hint?.(error)) ?? "";
      throw wrapAwsError(error, this.id, `${what}${hint}`);
    }
  }

  /**
   * Creates this particle's resource so that a lost answer never doubles it (see `createOnce`):
   * `send` runs on a single-attempt client; after a dropped connection, a 5xx or an answer
   * without what it must carry, or an "already exists" in `alreadyExistsCodes`, `findCreated`
   * looks for the resource by its unique key before anything is sent again. `findCreated` must
   * recognise only a resource that is provably this particle's (the ownership tag written by the
   * create call itself).
   * @throws PcfError wrapping the last failure, as `what` (`create VPC web`) and the `hint`.
   */
  protected async createResource<T, C extends AwsClient>(
    what: string,
    ServiceClient: AwsClientClass<C>,
    context: RunContext,
    steps: {
      readonly send: (client: C) => Promise<T>;
      readonly findCreated: () => Promise<T | undefined>;
      readonly alreadyExistsCodes?: readonly string[];
      /** Why the create failed and the way out, appended to `what` when the flavor knows. */
      readonly hint?: (error: unknown) => string;
    },
  ): Promise<CreateOnceResult<T>> {
    const client = await awsClient(ServiceClient, context, this.region(context), {
      isSingleAttempt: true,
    });
    try {
      return await createOnce({
        create: () => steps.send(client),
        findCreated: steps.findCreated,
        classify: (error) => awsCreateFailure(error, steps.alreadyExistsCodes ?? []),
        signal: context.signal,
        onRetry: (attempt, nextDelayMs, reason) =>
          context.emit({
            type: "call.retry",
            particle: this.id,
            call: what,
            attempt,
            nextDelayMs,
            reason,
          }),
      });
    } catch (error) {
      throw wrapAwsError(error, this.id, `${what}${steps.hint?.(error) ?? ""}`);
    }
  }

  /** How error messages name the resource; the default lists the unique-key values. */
  protected resourceLabel(): string {
    const type = this.constructor as typeof LegacyAWSResource;
    const values = type.uniqueKeys.map((key) => String(readPath(this.definition, key)));
    return `${this.flavor} "${values.join(", ")}"`;
  }

  /** The desired definition, validated against the flavor's schema now that references are resolved. */
  protected desiredDefinition(): D {
    return this.parseDesiredDefinition<D>();
  }

  /** `aws:<service>:<region>`: see {@link LegacyAWSResource.service}. */
  override concurrencyScope(context: RunContext): string {
    const service = (this.constructor as typeof LegacyAWSResource).service ?? this.flavor;
    return `aws:${service}:${this.region(context)}`;
  }

  /** This particle's region (see {@link regionNameSchema}). */
  protected region(context: RunContext): string {
    return this.regionOf(this.desiredStateDefinition, context);
  }

  /** The run's shared `ServiceClient` for this particle's region. */
  protected client<C extends AwsClient>(
    ServiceClient: AwsClientClass<C>,
    context: RunContext,
  ): Promise<C> {
    return awsClient(ServiceClient, context, this.region(context));
  }

  /** Whether `custom_config.adopt` is true. */
  protected get isAdopted(): boolean {
    return readPath(this.desiredStateDefinition, "custom_config.adopt") === true;
  }

  /** Drops `custom_config` and `region_name`: neither is a property of the live resource. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { custom_config: _config, region_name: _region, ...rest } = definition;
    return rest;
  }

  /** Groups particles by region, for batched reads (one list call per region). */
  protected static groupByRegion<P extends LegacyAWSResource>(
    particles: readonly P[],
    context: RunContext,
  ): Map<string, P[]> {
    const groups = new Map<string, P[]>();
    for (const particle of particles) {
      const region = particle.region(context);
      groups.set(region, [...(groups.get(region) ?? []), particle]);
    }
    return groups;
  }

  /**
   * A batched read: `read` once per region with the particles of `members` in it and the run's
   * `ServiceClient` for that region, every region at once. A region whose read fails fails its
   * particles only, and `read` may fail some particles of its group alone (see `ReadFailures`).
   * @throws ReadFailures naming each particle that could not be read.
   */
  protected static async readByRegion<P extends LegacyAWSResource, C extends AwsClient>(
    members: readonly P[],
    context: RunContext,
    ServiceClient: AwsClientClass<C>,
    read: (group: P[], client: C, region: string) => Promise<void>,
  ): Promise<void> {
    await settleReads(
      [...LegacyAWSResource.groupByRegion(members, context)].map(([region, group]) => ({
        particles: group,
        read: awsClient(ServiceClient, context, region).then((client) =>
          read(group, client, region),
        ),
      })),
    );
  }

  /**
   * Runs `list`, one listing shared by the particles of `members`.
   * @throws PcfError wrapping the SDK error (see {@link wrapAwsError}), naming every member and `what`.
   */
  protected static async listFor<T>(
    members: readonly Particle[],
    what: string,
    list: () => Promise<T>,
  ): Promise<T> {
    try {
      return await list();
    } catch (error) {
      throw wrapAwsError(error, listNames(members.map((member) => member.id)), what);
    }
  }

  private regionOf(definition: Record<string, unknown>, context: RunContext): string {
    return resolveRegion(context, { regionName: definition["region_name"], particle: this.id });
  }
}
