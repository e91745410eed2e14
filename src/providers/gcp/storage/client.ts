import { Storage, type StorageOptions } from "@google-cloud/storage";
import type { RunContext } from "../../../core/run-context.js";
import { gcpCall } from "../call.js";
import { readGcpOptions } from "../options.js";

/** Google's Cloud Storage endpoint, when none is configured. */
const GOOGLE_STORAGE_ENDPOINT = "https://storage.googleapis.com";

/**
 * The Cloud Storage endpoint of a run: `providerOptions.gcp.storageEndpoint`, else
 * `STORAGE_EMULATOR_HOST` (which the SDK itself reads, as the JSON API's base URL), else Google's.
 */
export function storageEndpoint(context: RunContext): string {
  return (
    readGcpOptions(context).storageEndpoint ??
    (process.env["STORAGE_EMULATOR_HOST"] || GOOGLE_STORAGE_ENDPOINT)
  );
}

/**
 * The run's Cloud Storage client for `project`, created on first use and shared by the run's
 * particles there. Its credentials are `providerOptions.gcp.authClient`, else Application Default
 * Credentials, resolved once when the client is created, so that missing credentials fail the
 * first read, before any change. A single-attempt client (for creates) sends each call once.
 */
export function storageClient(
  context: RunContext,
  project: string,
  options: { readonly isSingleAttempt: boolean },
): Promise<Storage> {
  const gcp = readGcpOptions(context);
  const key = ["gcp:storage", project, storageEndpoint(context), options.isSingleAttempt].join("|");
  return context.memo(key, async () => {
    const config: StorageOptions = {
      projectId: project,
      // A custom endpoint still authenticates: a private endpoint needs credentials too.
      useAuthWithCustomEndpoint: true,
      // The SDK reads `maxRetries: 0` as its default (3): no retries is `autoRetry: false`.
      retryOptions: {
        autoRetry: !options.isSingleAttempt && gcp.maxRetries !== 0,
        ...(gcp.maxRetries === undefined ? {} : { maxRetries: gcp.maxRetries }),
      },
      ...(gcp.storageEndpoint === undefined ? {} : { apiEndpoint: gcp.storageEndpoint }),
      ...(gcp.authClient === undefined
        ? {}
        : { authClient: gcp.authClient as StorageOptions["authClient"] }),
    };
    const storage = new Storage(config);
    if (gcp.authClient === undefined)
      await gcpCall("credentials", context.signal, () => storage.authClient.getClient());
    return storage;
  });
}
