import type { ProviderOptions } from "../../../src/core/run-context.js";
import type { GcpProviderOptions } from "../../../src/providers/gcp/options.js";
import { gcpEndpoint, gcpOperationOf, gcpTestOptions } from "../../support/gcp.js";
import type { ConformanceBackend } from "../spec.js";

function gcpOf(options: ProviderOptions): GcpProviderOptions {
  return options["gcp"] as GcpProviderOptions;
}

/** `options` with both APIs at `endpoint`, and the SDKs' retries on as for a user. */
function through(options: ProviderOptions, endpoint: string): ProviderOptions {
  return {
    ...options,
    gcp: { ...gcpOf(options), storageEndpoint: endpoint, computeEndpoint: endpoint, maxRetries: 3 },
  };
}

/**
 * GCP on the GCP test server: a project per test file; operations named by REST method. The
 * kill is the fault proxy's (`killAfter`): neither SDK offers a hook after an answer.
 */
export const gcpBackend: ConformanceBackend = {
  emulator: "the GCP test server (ours, written from Google's REST reference)",
  resourceBlock: "gcp_resource",
  endpoint: gcpEndpoint,
  operationOf: gcpOperationOf,
  providerOptions: (testFileUrl) => gcpTestOptions(testFileUrl),
  throughProxy: through,
  killedAfter: (options, operation, kill, proxy) => {
    proxy.killAfter(operation, () => kill.abort(new Error("killed after create")));
    return through(options, proxy.endpoint);
  },
};
