import type { ConformanceSpec } from "../spec.js";
import { blobContainerSpec } from "./blob.js";

/** Every Azure flavor's conformance spec, run against Azurite by `azure.test.ts`. */
export const AZURE_CONFORMANCE: readonly ConformanceSpec[] = [blobContainerSpec];
