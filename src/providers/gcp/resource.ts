import * as z from "zod";
import type { PcfError } from "../../core/errors.js";
import type { RunContext } from "../../core/run-context.js";
import { readPath } from "../../core/values.js";
import type { CallFailure } from "../kit/calls.js";
import { DeclaredResource } from "../kit/declared-resource.js";
import type { TagMap } from "../kit/tags.js";
import { gcpCallFailure } from "./call.js";
import { wrapGcpError } from "./errors.js";
import { OWNERSHIP_LABELS } from "./labels.js";
import { resolveProject } from "./location.js";

/**
 * The `custom_config` settings every GCP flavor understands; flavors extend it with their own.
 * - `project`: the resource's project (PCF's field). Default: `providerOptions.gcp.projectId`,
 *   then `GOOGLE_CLOUD_PROJECT`, then `GCLOUD_PROJECT`.
 * - `adopt`: manage a resource that exists but lacks the `pcf-managed-by` label. Default false.
 * - `replace_on_change`: replace the resource when a field fixed at creation changes, instead of
 *   refusing. Default false.
 */
export const gcpCustomConfigSchema = z.looseObject({
  project: z.string().min(1).optional(),
  adopt: z.boolean().optional(),
  replace_on_change: z.boolean().optional(),
});

/**
 * The base of every GCP flavor: the provider's part of the kit's {@link DeclaredResource}. It
 * supplies the `gcp_resource` block, the particle's project (and the flavor's finer location),
 * errors classified per REST method from the flavor's `operationErrors` (see `gcpCall`), errors
 * that name the setting to fix, and the ownership label `pcf-managed-by: particle-cloud`.
 * Flavors supply their clients (`connect`) and the endpoint their errors name.
 *
 * @typeParam D - The parsed `gcp_resource` block.
 * @typeParam L - What the SDK returns for one resource.
 * @typeParam C - The client(s) the calls use.
 */
export abstract class GCPResource<
  D extends Record<string, unknown> = Record<string, unknown>,
  L = unknown,
  C = unknown,
> extends DeclaredResource<D, L, C> {
  static override readonly resourceKey: string = "gcp_resource";
  /** Polls of one flavor arriving within 10 ms share one list call. */
  static override readonly readBatchWindowMs: number = 10;

  /** The run the particle last worked in, for the project and endpoint its errors name. */
  private lastContext: RunContext | undefined = undefined;

  /** `gcp:<service>:<project>`: GCP's quotas are per API and project. */
  override concurrencyScope(context: RunContext): string {
    const service = (this.constructor as typeof GCPResource).service ?? this.flavor;
    return `gcp:${service}:${this.project(context)}`;
  }

  /** The project (flavors with zones refine it). */
  protected override location(context: RunContext): string {
    return this.project(context);
  }

  /**
   * The run's client for `location`, from the flavor's {@link GCPResource.connect}; a failure
   * (no credentials) is wrapped like any call's.
   */
  protected override clientIn(
    location: string,
    context: RunContext,
    options: { readonly isSingleAttempt: boolean },
  ): Promise<C> {
    this.lastContext = context;
    return this.step("authenticate to GCP", () => this.connect(location, context, options));
  }

  /** Creates (or finds) the run's client for `location`, resolving its credentials. */
  protected abstract connect(
    location: string,
    context: RunContext,
    options: { readonly isSingleAttempt: boolean },
  ): Promise<C>;

  /** Classifies by the flavor's `operationErrors` (see `gcpCallFailure`). */
  protected override classifyFailure(error: unknown): CallFailure {
    return gcpCallFailure(error, (this.constructor as typeof GCPResource).operationErrors);
  }

  /** See {@link wrapGcpError}; the project and endpoint are this particle's. */
  protected override callError(
    error: unknown,
    what: string,
    particles: readonly string[] = [this.id],
  ): PcfError {
    const context = this.lastContext;
    return wrapGcpError(error, particles.join(", "), what, {
      project: context === undefined ? "" : this.project(context),
      endpoint: context === undefined ? "" : this.endpoint(context),
    });
  }

  /** `pcf-managed-by: particle-cloud`. */
  protected override get ownershipTag(): TagMap {
    return OWNERSHIP_LABELS;
  }

  /** The flavor and the unique-key values: `storage "logs"`. */
  protected override resourceLabel(): string {
    const type = this.constructor as typeof GCPResource;
    const values = type.uniqueKeys.map((key) => String(readPath(this.definition, key)));
    return `${this.flavor} "${values.join(", ")}"`;
  }

  /** The desired definition, validated against the flavor's schema now that references are resolved. */
  protected override desiredDefinition(): D {
    return this.parseDesiredDefinition<D>();
  }

  /** This particle's project (see {@link gcpCustomConfigSchema}). */
  protected project(context: RunContext): string {
    this.lastContext = context;
    return resolveProject(
      context,
      readPath(this.desiredStateDefinition, "custom_config.project"),
      this.id,
    );
  }

  /**
   * Where this particle's resource is read, as its `custom_config` gives it: the project (flavors
   * with zones add theirs). Observations carry it, so that a discovered definition names where
   * the resource was found, as an AWS one names its region; it is never compared.
   */
  protected placeOf(context: RunContext): Record<string, string> {
    return { project: this.project(context) };
  }

  /** The API endpoint the flavor's calls go to, as errors name it. */
  protected abstract endpoint(context: RunContext): string;

  /** Drops `custom_config`: it is not a property of the live resource. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { custom_config: _config, ...rest } = definition;
    return rest;
  }
}
