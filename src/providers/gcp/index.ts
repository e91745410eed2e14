/**
 * The GCP provider: the `storage` and `compute` flavors on `@google-cloud/storage` and
 * `@google-cloud/compute`, and what they share. Importing this module loads both SDKs; the flavor
 * loader instead imports one flavor's module when a definition first uses it.
 */
export { gcpCallFailure, gcpCall, operationOf } from "./call.js";
export { gcpErrorInfo, wrapGcpError, type GcpErrorInfo } from "./errors.js";
export {
  OWNERSHIP_LABELS,
  OWNERSHIP_LABEL_KEY,
  OWNERSHIP_LABEL_VALUE,
  labelMapSchema,
} from "./labels.js";
export { resolveProject, resolveZone } from "./location.js";
export type { GcpAuthClient, GcpProviderOptions } from "./options.js";
export { GCPResource, gcpCustomConfigSchema } from "./resource.js";
export {
  StorageBucket,
  storageBucketSchema,
  type StorageBucketDefinition,
} from "./storage/bucket.js";
export { ComputeInstance } from "./compute/instance.js";
export {
  computeInstanceSchema,
  type ComputeInstanceDefinition,
} from "./compute/instance-schema.js";
