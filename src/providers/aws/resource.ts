import * as z from "zod";
import { PcfError, type DefinitionIssue } from "../../core/errors.js";
import type { ParticleDefinition } from "../../core/particle.js";
import type { RunContext } from "../../core/run-context.js";
import { readPath } from "../../core/values.js";
import type { CallFailure } from "../kit/calls.js";
import { DeclaredResource } from "../kit/declared-resource.js";
import type { ActionFacts, ProvenanceKeys } from "../kit/facts.js";
import type { TagMap } from "../kit/tags.js";
import { awsCallFailure } from "./call-failure.js";
import { awsClient, resolveRegion, type AwsClientClass } from "./clients.js";
import { wrapAwsError } from "./errors.js";
import { hasLookups, lookupIssues, resolveLookups } from "./lookup.js";
import type { AwsClient } from "./options.js";
import { OWNERSHIP_TAGS, PROVENANCE_KEYS } from "./tags.js";

/**
 * The `custom_config` settings every AWS flavor understands; flavors extend it with their own.
 * - `adopt`: manage (update, stop, terminate) a resource that exists but was not created by
 *   particle-cloud, i.e. lacks the `pcf:managed-by` tag. Default false: such a resource is only read.
 * - `replace_on_change`: when a field fixed at creation changes, replace the resource (terminate,
 *   then start) instead of refusing. Default false.
 */
export const awsCustomConfigSchema = z.looseObject({
  /** Manage a resource that exists without the ownership tag, and tag it. Default false. */
  adopt: z.boolean().optional(),
  /** Replace the resource (terminate, then start) when a field fixed at creation changes. Default false. */
  replace_on_change: z.boolean().optional(),
});

/**
 * `region_name`: the region of this particle's resource. Default: `providerOptions.aws.region`,
 * then `AWS_REGION`, then `AWS_DEFAULT_REGION`.
 */
export const regionNameSchema = z.string().min(1).optional();

/**
 * A flavor's `actions` from its service's operation names, space-separated per transition:
 * `actionsOf("kms", { stop: "DisableKey EnableKey" })` → `{ stop: ["kms:DisableKey", "kms:EnableKey"] }`.
 */
export function actionsOf(
  service: string,
  names: Readonly<Partial<Record<keyof ActionFacts, string>>>,
): ActionFacts {
  return Object.fromEntries(
    Object.entries(names).map(([transition, list = ""]) => [
      transition,
      list.split(" ").map((name) => `${service}:${name}`),
    ]),
  );
}

/**
 * The base of every AWS flavor: the provider's part of the kit's {@link DeclaredResource}. It
 * supplies the `aws_resource` block, one SDK client per service and region per run, the
 * particle's region as its location, errors classified per operation from the flavor's
 * `operationErrors`, the ownership tag `pcf:managed-by=particle-cloud`, and `$lookup$` resolution.
 *
 * A flavor declares its facts as static fields (`flavor`, `service`, `Client`, `definitionSchema`,
 * `uniqueKeys`, `equivalentStates`, `fixedFields`, `inPlaceFields`, `tagging`, `readShape`,
 * `actions`, `createOperation`, `operationErrors`) and writes its calls (`list`, `observe`,
 * `create`, `remove`, `updaters`, and `readTags` / `writeTags` where tags have their own calls);
 * see `docs/writing-a-particle.md` for one flavor shown whole.
 *
 * The definition is checked against the flavor's `definitionSchema` when the particle is
 * constructed (with the unique keys and the `$lookup$` kinds), so a bad definition fails with
 * every problem listed before any AWS call. `$inherit$` and `$lookup$` strings are accepted
 * wherever a value goes; they are checked once resolved.
 *
 * @typeParam D - The parsed `aws_resource` block.
 * @typeParam L - What the SDK returns for one resource (`LogGroup`).
 * @typeParam C - The SDK client of the flavor's service.
 */
export abstract class AWSResource<
  D extends Record<string, unknown> = Record<string, unknown>,
  L = unknown,
  C extends AwsClient = AwsClient,
> extends DeclaredResource<D, L, C> {
  static override readonly resourceKey: string = "aws_resource";
  /** Polls of one flavor arriving within 10 ms (far below a round trip) share one list call. */
  static override readonly readBatchWindowMs: number = 10;
  /** The SDK client class of the flavor's service (`CloudWatchLogsClient`). */
  static readonly Client: AwsClientClass<AwsClient> | undefined = undefined;

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

  /** `aws:<service>:<region>`: AWS throttles per API, account and region. */
  override concurrencyScope(context: RunContext): string {
    const service = (this.constructor as typeof AWSResource).service ?? this.flavor;
    return `aws:${service}:${this.region(context)}`;
  }

  /** The region. */
  protected override location(context: RunContext): string {
    return this.region(context);
  }

  /** The run's client of the flavor's `Client` in `region`. */
  protected override clientIn(
    region: string,
    context: RunContext,
    options: { readonly isSingleAttempt: boolean },
  ): Promise<C> {
    const ServiceClient = (this.constructor as typeof AWSResource).Client;
    if (ServiceClient === undefined)
      return Promise.reject(new Error(`${this.flavor} declares no Client`));
    return awsClient(ServiceClient as AwsClientClass<C>, context, region, options);
  }

  /** Classifies by the flavor's `operationErrors` (see `awsCallFailure`). */
  protected override classifyFailure(error: unknown): CallFailure {
    return awsCallFailure(error, (this.constructor as typeof AWSResource).operationErrors);
  }

  /** See {@link wrapAwsError}. */
  protected override callError(
    error: unknown,
    what: string,
    particles: readonly string[] = [this.id],
  ): PcfError {
    return wrapAwsError(error, particles.join(", "), what);
  }

  /** `pcf:managed-by=particle-cloud`. */
  protected override get ownershipTag(): TagMap {
    return OWNERSHIP_TAGS;
  }

  /** `region_name`: a discovered definition names the region it was found in. */
  protected override get discoveryKeptKeys(): readonly string[] {
    return ["region_name"];
  }

  /** `pcf:field`, `pcf:particle` and `pcf:depth`. */
  protected override get provenanceKeys(): ProvenanceKeys | undefined {
    return PROVENANCE_KEYS;
  }

  /** How error messages name the resource; the default lists the unique-key values. */
  protected override resourceLabel(): string {
    const type = this.constructor as typeof AWSResource;
    const values = type.uniqueKeys.map((key) => String(readPath(this.definition, key)));
    return `${this.flavor} "${values.join(", ")}"`;
  }

  /** The desired definition, validated against the flavor's schema now that references are resolved. */
  protected override desiredDefinition(): D {
    return this.parseDesiredDefinition<D>();
  }

  /** This particle's region (see {@link regionNameSchema}). */
  protected region(context: RunContext): string {
    return this.regionOf(this.desiredStateDefinition, context);
  }

  /** The run's shared client of another service in this particle's region. */
  protected client<S extends AwsClient>(
    ServiceClient: AwsClientClass<S>,
    context: RunContext,
  ): Promise<S> {
    return awsClient(ServiceClient, context, this.region(context));
  }

  /** Drops `custom_config` and `region_name`: neither is a property of the live resource. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { custom_config: _config, region_name: _region, ...rest } = definition;
    return rest;
  }

  private regionOf(definition: Record<string, unknown>, context: RunContext): string {
    return resolveRegion(context, { regionName: definition["region_name"], particle: this.id });
  }
}
