import { dirname, join, resolve } from "node:path";
import { PcfError } from "./core/errors.js";
import { checkFieldName, defaultFieldName } from "./core/field-name.js";
import type { LeaseBackend } from "./core/lease.js";
import { DEFAULT_LEASE_FOLDER, fileLeaseBackend } from "./core/lease-file.js";
import type { ProviderOptions } from "./core/run-context.js";

/** Options of {@link openLeaseBackend}. */
export interface OpenLeaseBackendOptions {
  /**
   * The (first) definition file: without `location`, the lease is the field's folder in
   * {@link DEFAULT_LEASE_FOLDER} next to it.
   */
  readonly definitionFile?: string;
  /**
   * The field's name: it names the lease in the default folder, and is appended to a `location`
   * that ends in `/`. Default: `defaultFieldName` of `definitionFile`.
   */
  readonly fieldName?: string;
  /** Settings for a cloud backend's client (`aws.region`, `aws.endpoint`, …). */
  readonly providerOptions?: ProviderOptions;
}

/**
 * The lease backend a location names: `s3://bucket/key` for an S3 object (the AWS SDK is loaded
 * only then), any other string for a local lease folder (relative to the working directory), and
 * no location for the field's folder in `.pcf/locks` next to the definition file. A location
 * ending in `/` is a prefix: the field's name completes it (`s3://acme/leases/` → `s3://acme/leases/web`),
 * so many fields share one setting. Call the backend's `close` when done.
 * @throws PcfError `DEFINITION_INVALID` (field `lock`) for another scheme, an S3 location without
 *   a key, or neither a location nor a definition file.
 */
export async function openLeaseBackend(
  given: string | undefined,
  options: OpenLeaseBackendOptions = {},
): Promise<LeaseBackend> {
  const fieldName = () => {
    if (options.fieldName !== undefined) return checkFieldName(options.fieldName);
    if (options.definitionFile === undefined)
      throw invalid("a lease location or a definition file is needed");
    return defaultFieldName(options.definitionFile);
  };
  if (given === undefined) {
    if (options.definitionFile === undefined)
      throw invalid("a lease location or a definition file is needed");
    const folder = join(dirname(resolve(options.definitionFile)), DEFAULT_LEASE_FOLDER);
    return fileLeaseBackend(join(folder, fieldName()));
  }
  const location = given.endsWith("/") ? `${given}${fieldName()}` : given;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) return fileLeaseBackend(resolve(location));
  if (scheme !== "s3")
    throw invalid(`unsupported lease location "${location}": use s3://bucket/key or a folder path`);
  const match = /^s3:\/\/([^/]+)\/(.+)$/i.exec(location);
  if (match?.[1] === undefined || match[2] === undefined)
    throw invalid(`expected s3://bucket/key, got "${location}"`);
  const { s3LeaseBackend } = await import("./providers/aws/lease-s3.js");
  return s3LeaseBackend({
    bucket: match[1],
    key: match[2],
    providerOptions: options.providerOptions,
  });
}

function invalid(message: string): PcfError {
  return new PcfError("DEFINITION_INVALID", message, { field: "lock" });
}
