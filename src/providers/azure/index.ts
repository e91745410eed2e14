/**
 * The Azure provider: the `blob` flavor (a Blob Storage container) on `@azure/storage-blob`, and
 * what Azure flavors share. Importing this module loads the Blob SDK; `@azure/identity` loads only
 * when a run needs `DefaultAzureCredential`. The flavor loader instead imports the flavor's module
 * (`providers/azure/blob/container.js`) when a definition first uses it.
 */
export {
  accountOfConnectionString,
  blobServiceClient,
  resolveAccount,
  type AccountSources,
  type AzureClientOptions,
} from "./clients.js";
export { azureCallFailure } from "./call-failure.js";
export {
  AzureCallError,
  azureErrorCode,
  azureHttpStatus,
  isAbort,
  isCredentialError,
  isNoAnswer,
  wrapAzureError,
} from "./errors.js";
export { blobOperationOfRequest } from "./operations.js";
export type { AzureProviderOptions } from "./options.js";
export {
  AzureResource,
  OWNERSHIP_METADATA,
  azureCustomConfigSchema,
  storageAccountSchema,
} from "./resource.js";
export {
  BlobContainer,
  blobContainerSchema,
  type AccessLevel,
  type BlobContainerDefinition,
} from "./blob/container.js";
