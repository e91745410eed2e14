import * as z from "zod";
import { readProviderOptions, type RunContext } from "../../core/run-context.js";

/**
 * What the GCP SDKs accept as `authClient`: google-auth-library's clients (an `OAuth2Client`, a
 * `PassThroughClient`) and anything with their request methods.
 */
export interface GcpAuthClient {
  getRequestHeaders(url?: string | URL): Promise<unknown>;
}

/**
 * The `gcp` key of `providerOptions`: how the GCP provider builds its SDK clients for a run.
 * Every field is optional; without any, the SDKs' defaults apply: Application Default Credentials
 * (`GOOGLE_APPLICATION_CREDENTIALS`, `gcloud auth application-default login`, the metadata
 * server) and Google's endpoints.
 *
 * @example
 * ```ts
 * await field.apply({ providerOptions: { gcp: { projectId: "my-project", zone: "europe-west1-b" } } });
 * ```
 */
export interface GcpProviderOptions {
  /**
   * Project of the particles whose `custom_config.project` is not set. Default:
   * `GOOGLE_CLOUD_PROJECT`, then `GCLOUD_PROJECT`.
   */
  readonly projectId?: string | undefined;
  /** Zone of the `compute` particles whose `custom_config.zone` is not set. Default: `CLOUDSDK_COMPUTE_ZONE`. */
  readonly zone?: string | undefined;
  /**
   * Base URL of the Cloud Storage JSON API (`http://127.0.0.1:4443`): a test server or a private
   * endpoint. Default: `STORAGE_EMULATOR_HOST`, else Google's.
   */
  readonly storageEndpoint?: string | undefined;
  /** Base URL of the Compute Engine API (`http://127.0.0.1:4443`). Default: Google's. */
  readonly computeEndpoint?: string | undefined;
  /**
   * The credentials of every call, instead of Application Default Credentials: a
   * google-auth-library client (tests pass a `PassThroughClient`, which sends none).
   */
  readonly authClient?: GcpAuthClient | undefined;
  /** Retries of a failed read or idempotent call, after the first attempt. Default: the SDKs' (3). */
  readonly maxRetries?: number | undefined;
}

const gcpProviderOptionsSchema = z
  .strictObject({
    projectId: z.string().min(1).optional(),
    zone: z.string().min(1).optional(),
    storageEndpoint: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
    computeEndpoint: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
    authClient: z
      .custom<GcpAuthClient>(
        (value) =>
          typeof value === "object" &&
          value !== null &&
          typeof (value as Partial<GcpAuthClient>).getRequestHeaders === "function",
        "expected a google-auth-library client",
      )
      .optional(),
    maxRetries: z.int().min(0).max(10).optional(),
  })
  .optional();

/**
 * The validated `providerOptions.gcp` of a run; `{}` when absent.
 * @throws PcfError `DEFINITION_INVALID` naming the offending option.
 * @internal
 */
export function readGcpOptions(context: RunContext): GcpProviderOptions {
  return readProviderOptions<GcpProviderOptions>(context, "gcp", gcpProviderOptionsSchema);
}
