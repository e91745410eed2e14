import type { Pipeline, RequestPolicyFactory } from "@azure/storage-blob";
import type { ProviderOptions } from "../../../src/core/run-context.js";
import { blobOperationOfRequest } from "../../../src/providers/azure/operations.js";
import type { AzureProviderOptions } from "../../../src/providers/azure/options.js";
import { azureTestOptions, azuriteAccountUrl, azuriteEndpoint } from "../../support/azure.js";
import type { ConformanceBackend } from "../spec.js";

/** The `azure` block of provider options the suite built with {@link azureBackend}. */
function azureOf(options: ProviderOptions): AzureProviderOptions {
  return options["azure"] as AzureProviderOptions;
}

/**
 * A request policy under which the run dies the moment `operation` has answered: `kill` is
 * aborted then, and every later request of the pipeline fails before it is sent.
 */
function killAfter(operation: string, kill: AbortController): RequestPolicyFactory {
  return {
    create: (next) => ({
      sendRequest: async (request) => {
        kill.signal.throwIfAborted();
        const response = await next.sendRequest(request);
        if (blobOperationOfRequest(request.method, new URL(request.url)) === operation)
          kill.abort(new Error("killed after create"));
        return response;
      },
    }),
  };
}

/** Azure Blob on Azurite: unique container names per test file; the kill is a pipeline policy. */
export const azureBackend: ConformanceBackend = {
  emulator: "Azurite",
  resourceBlock: "azure_resource",
  endpoint: azuriteEndpoint,
  operationOf: (request) =>
    blobOperationOfRequest(request.method ?? "GET", new URL(request.url ?? "/", "http://proxy")),
  providerOptions: () => azureTestOptions(),
  throughProxy: (options, endpoint) => ({
    ...options,
    azure: { ...azureOf(options), endpoint: azuriteAccountUrl(endpoint), maxTries: 3 },
  }),
  killedAfter: (options, operation, kill) => {
    const azure = azureOf(options);
    return {
      ...options,
      azure: {
        ...azure,
        configurePipeline: (pipeline: Pipeline) => {
          azure.configurePipeline?.(pipeline);
          pipeline.factories.push(killAfter(operation, kill));
        },
      },
    };
  },
};
