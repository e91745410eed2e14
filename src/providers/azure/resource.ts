import type { BlobServiceClient } from "@azure/storage-blob";
import * as z from "zod";
import type { PcfError } from "../../core/errors.js";
import type { RunContext } from "../../core/run-context.js";
import { readPath } from "../../core/values.js";
import type { CallFailure } from "../kit/calls.js";
import { DeclaredResource } from "../kit/declared-resource.js";
import type { TagMap } from "../kit/tags.js";
import { azureCallFailure } from "./call-failure.js";
import { blobServiceClient, resolveAccount } from "./clients.js";
import { wrapAzureError } from "./errors.js";

/** The metadata entry every container the framework creates carries (keys are C# identifiers). */
export const OWNERSHIP_METADATA: TagMap = { pcf_managed_by: "particle_cloud" };

/**
 * The `custom_config` settings every Azure flavor understands.
 * - `adopt`: manage (update, terminate) a resource that exists but was not created by
 *   particle-cloud, i.e. lacks the `pcf_managed_by` metadata. Default false: it is only read.
 * - `replace_on_change`: when a field fixed at creation changes, replace the resource instead of
 *   refusing. Default false.
 */
export const azureCustomConfigSchema = z.looseObject({
  adopt: z.boolean().optional(),
  replace_on_change: z.boolean().optional(),
});

/** A storage account's name: 3 to 24 lower-case letters and digits. */
export const storageAccountSchema = z
  .string()
  .regex(/^[a-z0-9]{3,24}$/, "expected 3 to 24 lower-case letters and digits");

/**
 * The base of every Azure flavor: the provider's part of the kit's {@link DeclaredResource}. It
 * supplies the `azure_resource` block, one Blob service client per storage account per run, the
 * particle's storage account as its location (reads batch per account), errors classified per
 * operation from the flavor's `operationErrors`, and the ownership metadata
 * `pcf_managed_by=particle_cloud`.
 *
 * @typeParam D - The parsed `azure_resource` block.
 * @typeParam L - What the SDK returns for one resource (`ContainerItem`).
 */
export abstract class AzureResource<
  D extends Record<string, unknown> = Record<string, unknown>,
  L = unknown,
> extends DeclaredResource<D, L, BlobServiceClient> {
  static override readonly resourceKey: string = "azure_resource";
  /** Polls of one flavor arriving within 10 ms (far below a round trip) share one list call. */
  static override readonly readBatchWindowMs: number = 10;

  /** `azure:<service>:<account>`: Azure Storage throttles per account. */
  override concurrencyScope(context: RunContext): string {
    const service = (this.constructor as typeof AzureResource).service ?? this.flavor;
    return `azure:${service}:${this.account(context)}`;
  }

  /** The storage account. */
  protected override location(context: RunContext): string {
    return this.account(context);
  }

  /** The run's Blob service client of `account`. */
  protected override clientIn(
    account: string,
    context: RunContext,
    options: { readonly isSingleAttempt: boolean },
  ): Promise<BlobServiceClient> {
    return blobServiceClient(context, account, options);
  }

  /** Classifies by the flavor's `operationErrors` (see `azureCallFailure`). */
  protected override classifyFailure(error: unknown): CallFailure {
    return azureCallFailure(error, (this.constructor as typeof AzureResource).operationErrors);
  }

  /** See {@link wrapAzureError}. */
  protected override callError(
    error: unknown,
    what: string,
    particles: readonly string[] = [this.id],
  ): PcfError {
    return wrapAzureError(error, particles.join(", "), what);
  }

  /** `pcf_managed_by=particle_cloud`. */
  protected override get ownershipTag(): TagMap {
    return OWNERSHIP_METADATA;
  }

  /** How error messages name the resource; the default lists the unique-key values. */
  protected override resourceLabel(): string {
    const type = this.constructor as typeof AzureResource;
    const values = type.uniqueKeys.map((key) => String(readPath(this.definition, key)));
    return `${this.flavor} "${values.join(", ")}"`;
  }

  /** The desired definition, validated against the flavor's schema. */
  protected override desiredDefinition(): D {
    return this.parseDesiredDefinition<D>();
  }

  /** This particle's storage account (see `resolveAccount`). */
  protected account(context: RunContext): string {
    return resolveAccount(context, {
      storageAccount: this.desiredStateDefinition["storage_account"],
      particle: this.id,
    });
  }

  /**
   * Drops `custom_config`, `resource_group` and `storage_account`: where the resource lives is
   * its location, not a property the live resource can differ in.
   */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const {
      custom_config: _config,
      resource_group: _group,
      storage_account: _account,
      ...rest
    } = definition;
    return rest;
  }
}
