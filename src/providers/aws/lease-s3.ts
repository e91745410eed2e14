import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { LeaseBackend, LeaseCallOptions, LeaseWriteOptions } from "../../core/lease.js";
import {
  parseLeaseRecord,
  serializeLeaseRecord,
  type LeaseRecord,
  type StoredLease,
} from "../../core/lease-record.js";
import { createRunContext, type ProviderOptions } from "../../core/run-context.js";
import { awsClient, resolveRegion } from "./clients.js";
import { isConflict, isNotFound, isPreconditionFailed, wrapAwsError } from "./errors.js";

/** Options of {@link s3LeaseBackend}. */
export interface S3LeaseBackendOptions {
  /** The bucket; it must exist, and the caller may read and write `key` in it. */
  readonly bucket: string;
  /** The object holding the lease record, e.g. `team/app.pcf.lock`. */
  readonly key: string;
  /**
   * `providerOptions` as a run gets them: `aws.region`, `aws.profile`, `aws.endpoint`,
   * `aws.configureClient` apply to the lease's S3 client too.
   */
  readonly providerOptions?: ProviderOptions;
}

/**
 * A lease in one S3 object, for teams and CI: the compare-and-swap is a conditional PutObject,
 * `If-None-Match: *` for the first record (as Terraform 1.10's S3 lockfile does) and
 * `If-Match: <ETag>` for every later write (takeover, renewal, release). S3 answers 412 when the
 * condition is false and 409 when another conditional write to the key is in flight; both mean
 * "another writer got there first". moto 5.2.1 honours both conditions (docs/reliability.md).
 * Call `close` when done: it destroys the S3 client.
 *
 * @example
 * ```ts
 * const backend = s3LeaseBackend({ bucket: "acme-pcf", key: "prod/app.lock" });
 * const lease = await acquireLease(backend, { waitMs: 120_000 });
 * ```
 */
export function s3LeaseBackend(options: S3LeaseBackendOptions): LeaseBackend {
  const { bucket, key } = options;
  const location = `s3://${bucket}/${key}`;
  const context = createRunContext({ providerOptions: options.providerOptions });
  const client = (): Promise<S3Client> =>
    awsClient(S3Client, context, resolveRegion(context, { particle: location }));
  return {
    location,
    async read(callOptions: LeaseCallOptions = {}): Promise<StoredLease | undefined> {
      try {
        const response = await (
          await client()
        ).send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
          abortSignal: callOptions.signal,
        });
        const text = (await response.Body?.transformToString("utf8")) ?? "";
        if (response.ETag === undefined) throw new Error("GetObject returned no ETag");
        return { record: parseLeaseRecord(text, location), version: response.ETag };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw wrapAwsError(error, location, "read the lease");
      }
    },
    async write(record: LeaseRecord, writeOptions: LeaseWriteOptions): Promise<string | undefined> {
      const condition =
        writeOptions.expectedVersion === undefined
          ? { IfNoneMatch: "*" }
          : { IfMatch: writeOptions.expectedVersion };
      try {
        const response = await (
          await client()
        ).send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: serializeLeaseRecord(record),
            ContentType: "application/json",
            ...condition,
          }),
          { abortSignal: writeOptions.signal },
        );
        if (response.ETag === undefined) throw new Error("PutObject returned no ETag");
        return response.ETag;
      } catch (error) {
        // 404: an If-Match write to a key someone deleted; the caller reads again.
        if (isPreconditionFailed(error) || isConflict(error) || isNotFound(error)) return undefined;
        throw wrapAwsError(error, location, "write the lease");
      }
    },
    close(): void {
      context.close();
    },
  };
}
