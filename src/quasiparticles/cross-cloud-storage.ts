import type { DefinitionIssue } from "../core/errors.js";
import { escapeText } from "../core/escape.js";
import type { FusedMember } from "../core/fuse.js";
import { Quasiparticle } from "../core/quasiparticle.js";
import { isPlainObject } from "../core/values.js";

/** Each storage flavor, its provider block and the field that names the bucket. */
const STORES: Readonly<Record<string, { readonly block: string; readonly nameField: string }>> = {
  s3_bucket: { block: "aws_resource", nameField: "Bucket" },
  storage: { block: "gcp_resource", nameField: "name" },
  blob: { block: "azure_resource", nameField: "name" },
};

/**
 * One logical bucket on several clouds at once, as PCF's premade `cross_cloud_storage`: an S3
 * bucket, a Cloud Storage bucket and a Blob container, all named `storage_name`, brought up and
 * taken down together. PCF's own form, a top-level `storage_name` and no `particles`, places it
 * on all three clouds (each configured by its provider options: region, project, storage
 * account). Listing `particles` picks the clouds and gives each its settings; a member without a
 * name of its own gets `storage_name`. Only `s3_bucket`, `storage` and `blob` members are allowed.
 *
 * @example
 * ```yaml
 * pcf_name: assets
 * flavor: cross_cloud_storage
 * storage_name: acme-assets
 * particles:
 *   - { flavor: s3_bucket }
 *   - { flavor: storage, gcp_resource: { location: EU } }
 *   - { flavor: blob, azure_resource: { storage_account: acmeassets } }
 * ```
 */
export class CrossCloudStorage extends Quasiparticle {
  static override readonly flavor: string = "cross_cloud_storage";

  /**
   * PCF's form made general: `storage_name` moves into `custom_config` (where the framework keeps
   * a quasiparticle's settings), one member per cloud is added when there are no `particles`, and
   * each storage member without a bucket name of its own gets `storage_name`.
   */
  static normalizeDefinition(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const { storage_name: topLevel, ...rest } = raw;
    const config = isPlainObject(raw["custom_config"]) ? raw["custom_config"] : {};
    const storageName = topLevel ?? config["storage_name"];
    const listed = Array.isArray(raw["particles"])
      ? (raw["particles"] as unknown[])
      : Object.keys(STORES).map((flavor) => ({ flavor }));
    return {
      ...rest,
      custom_config: {
        ...config,
        ...(storageName === undefined ? {} : { storage_name: storageName }),
      },
      particles: listed.map((member) => named(member, storageName)),
    };
  }

  /** Refuses members that are not storage. */
  static prepareMembers(
    members: readonly FusedMember[],
    where: { readonly file: string | undefined; readonly particle: string },
  ): { members: FusedMember[]; issues: DefinitionIssue[] } {
    const issues: DefinitionIssue[] = [];
    for (const member of members)
      if (STORES[member.flavor] === undefined)
        issues.push({
          ...where,
          field: "particles",
          message: `${escapeText(member.flavor)} is not a storage flavor: the members are ${Object.keys(STORES).join(", ")}`,
        });
    return { members: [...members], issues };
  }
}

/** `member` with its bucket named `storageName`, unless it is not storage or names its own. */
function named(member: unknown, storageName: unknown): unknown {
  if (!isPlainObject(member) || storageName === undefined) return member;
  const store = STORES[String(member["flavor"])];
  if (store === undefined) return member;
  const written = member[store.block];
  const block: Record<string, unknown> = isPlainObject(written) ? written : {};
  if (block[store.nameField] !== undefined) return member;
  return { ...member, [store.block]: { ...block, [store.nameField]: storageName } };
}
