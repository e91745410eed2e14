import type { MetadataBearer, MiddlewareStack } from "@smithy/types";
import * as z from "zod";
import { readProviderOptions, type RunContext } from "../../core/run-context.js";

/**
 * Any AWS SDK v3 client, as far as the provider needs to know it: a middleware stack to extend
 * and a `destroy` to release its sockets.
 */
export interface AwsClient {
  readonly middlewareStack: MiddlewareStack<object, MetadataBearer>;
  destroy(): void;
}

/**
 * The `aws` key of `providerOptions`: how the AWS provider builds its SDK clients for a run.
 * Every field is optional; without any, the SDK's own defaults apply (credentials from the
 * default chain, which honours `AWS_PROFILE`; endpoints from `AWS_ENDPOINT_URL` /
 * `AWS_ENDPOINT_URL_<SERVICE>`).
 *
 * @example
 * ```ts
 * await bucket.apply({ providerOptions: { aws: { region: "eu-west-1", profile: "dev" } } });
 * ```
 */
export interface AwsProviderOptions {
  /**
   * Region for particles whose `aws_resource.region_name` is not set. Default: `AWS_REGION`,
   * then `AWS_DEFAULT_REGION`.
   */
  readonly region?: string | undefined;
  /** Shared-config profile the clients read credentials and settings from. Default: `AWS_PROFILE`, else `default`. */
  readonly profile?: string | undefined;
  /** One endpoint URL for every service (a local emulator, a VPC endpoint). Default: the SDK's resolution. */
  readonly endpoint?: string | undefined;
  /** Attempts per API call, first included, with adaptive retry. Default: the SDK's (3). */
  readonly maxAttempts?: number | undefined;
  /**
   * Most ms one attempt of a request may take, connecting included, before it fails with a
   * `TimeoutError` (then retried up to `maxAttempts`). 0: no limit. Default
   * `DEFAULT_AWS_REQUEST_TIMEOUT_MS` (30 s).
   */
  readonly requestTimeoutMs?: number | undefined;
  /**
   * Most ms connecting may take, within `requestTimeoutMs`. 0: no limit. Default
   * `DEFAULT_AWS_CONNECTION_TIMEOUT_MS` (5 s).
   */
  readonly connectionTimeoutMs?: number | undefined;
  /** Called once on every client the provider creates, e.g. to add middleware. */
  readonly configureClient?: ((client: AwsClient) => void) | undefined;
}

const awsProviderOptionsSchema = z
  .strictObject({
    region: z.string().min(1).optional(),
    profile: z.string().min(1).optional(),
    endpoint: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
    maxAttempts: z.int().min(1).max(20).optional(),
    requestTimeoutMs: z.int().min(0).optional(),
    connectionTimeoutMs: z.int().min(0).optional(),
    configureClient: z
      .custom<(client: AwsClient) => void>(
        (value) => typeof value === "function",
        "expected a function",
      )
      .optional(),
  })
  .optional();

/**
 * The validated `providerOptions.aws` of a run; `{}` when absent.
 * @throws PcfError `DEFINITION_INVALID` naming the offending option.
 * @internal
 */
export function readAwsOptions(context: RunContext): AwsProviderOptions {
  return readProviderOptions<AwsProviderOptions>(context, "aws", awsProviderOptionsSchema);
}
