import type { ConformanceSpec } from "../spec.js";
import { computeInstanceSpec } from "./compute-instance.js";
import { storageBucketSpec } from "./storage-bucket.js";

/** Every GCP flavor's conformance spec. */
export const GCP_CONFORMANCE: readonly ConformanceSpec[] = [storageBucketSpec, computeInstanceSpec];
