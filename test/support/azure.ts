import { createHash } from "node:crypto";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { inject } from "vitest";
import type { AzureProviderOptions } from "../../src/providers/azure/options.js";

/** Azurite's one built-in account. */
export const AZURITE_ACCOUNT = "devstoreaccount1";

/** Azurite's well-known key of that account (public: it is in Azure's own documentation). */
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The run's Azurite blob endpoint, started by `global-setup.ts`: `http://127.0.0.1:PORT`. */
export function azuriteEndpoint(): string {
  return inject("azuriteBlobEndpoint");
}

/** The blob service URL of Azurite's account at `endpoint` (default the run's Azurite). */
export function azuriteAccountUrl(endpoint: string = azuriteEndpoint()): string {
  return `${endpoint}/${AZURITE_ACCOUNT}`;
}

/** Azurite's connection string (with its endpoint, as `UseDevelopmentStorage` assumes port 10000). */
export function azuriteConnectionString(): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=${azuriteAccountUrl()};`
  );
}

/**
 * A container name unique to a test file and label: `pcf-1a2b3c4d-label`. Files share Azurite's
 * one account, so the file's digest keeps them apart.
 */
export function uniqueContainerName(testFileUrl: string, label: string): string {
  const file = relative(PROJECT_ROOT, fileURLToPath(testFileUrl));
  const digest = createHash("sha256").update(file).digest("hex").slice(0, 8);
  return `pcf-${digest}-${label}`.toLowerCase();
}

/** Provider options reaching the run's Azurite by account, key and endpoint, one try per call. */
export function azureTestOptions(): { azure: AzureProviderOptions } {
  return {
    azure: {
      account: AZURITE_ACCOUNT,
      accountKey: AZURITE_KEY,
      endpoint: azuriteAccountUrl(),
      maxTries: 1,
    },
  };
}

/** A second client, outside the framework, to check and change what the framework did. */
export function verificationClient(): BlobServiceClient {
  return new BlobServiceClient(
    azuriteAccountUrl(),
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    { retryOptions: { maxTries: 1 } },
  );
}
