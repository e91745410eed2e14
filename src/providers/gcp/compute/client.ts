import { InstancesClient, ZoneOperationsClient } from "@google-cloud/compute";
import type { RunContext } from "../../../core/run-context.js";
import { gcpCall } from "../call.js";
import { readGcpOptions } from "../options.js";

/**
 * The provider's one module that loads `@google-cloud/compute` (its types are a hand-written
 * subset, see `sdk-types.d.ts`).
 */

/** The options both clients are built with. */
type ComputeClientOptions = NonNullable<ConstructorParameters<typeof InstancesClient>[0]>;

/** Google's Compute Engine endpoint, when none is configured. */
const GOOGLE_COMPUTE_ENDPOINT = "https://compute.googleapis.com";

/** The run's Compute Engine clients: instances, and the zone operations their changes answer. */
export interface ComputeClients {
  readonly instances: InstancesClient;
  readonly operations: ZoneOperationsClient;
  /** The call options of every call: the retries of `providerOptions.gcp.maxRetries`. */
  readonly callOptions: { readonly maxRetries?: number };
}

export type { ExtendedOperation, IInstance, IOperation } from "./types.js";

/** The Compute Engine endpoint of a run: `providerOptions.gcp.computeEndpoint`, else Google's. */
export function computeEndpoint(context: RunContext): string {
  return readGcpOptions(context).computeEndpoint ?? GOOGLE_COMPUTE_ENDPOINT;
}

/**
 * The run's Compute Engine clients, created on first use, shared by every particle of the run
 * and closed when it ends. They speak REST (the SDK's `fallback`) to `computeEndpoint`; their
 * credentials are `providerOptions.gcp.authClient`, else Application Default Credentials,
 * resolved here once, so that missing ones fail the first read (and leave no rejection behind).
 */
export function computeClients(context: RunContext): Promise<ComputeClients> {
  const gcp = readGcpOptions(context);
  return context.memo(`gcp:compute|${computeEndpoint(context)}`, async () => {
    const options: ComputeClientOptions = {
      fallback: true,
      ...endpointOptions(gcp.computeEndpoint),
    };
    if (gcp.authClient !== undefined) options.authClient = gcp.authClient;
    else {
      // The SDK resolves ADC lazily, leaving an unhandled rejection when there are none: resolve
      // them first, with the client's own GoogleAuth, and hand the result to both clients.
      const probe = new InstancesClient(options);
      options.authClient = await gcpCall("credentials", context.signal, () =>
        probe.auth.getClient(),
      );
    }
    const instances = new InstancesClient(options);
    const operations = new ZoneOperationsClient(options);
    context.defer(() => {
      void instances.close();
      void operations.close();
    });
    return {
      instances,
      operations,
      callOptions: gcp.maxRetries === undefined ? {} : { maxRetries: gcp.maxRetries },
    };
  });
}

/** `apiEndpoint`, `port` and `protocol` from an endpoint URL. */
function endpointOptions(endpoint: string | undefined): ComputeClientOptions {
  if (endpoint === undefined) return {};
  const url = new URL(endpoint);
  const protocol = url.protocol === "http:" ? "http" : "https";
  return {
    apiEndpoint: url.hostname,
    port: url.port === "" ? (protocol === "http" ? 80 : 443) : Number(url.port),
    protocol,
  };
}
