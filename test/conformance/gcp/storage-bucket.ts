import type { ParticleDefinition } from "../../../src/index.js";
import { StorageBucket } from "../../../src/providers/gcp/storage/bucket.js";
import { uniqueName } from "../../support/aws.js";
import { gcpProject, registerProject, verificationStorage } from "../../support/gcp.js";
import type { ConformanceSpec } from "../spec.js";
import { gcpBackend } from "./backend.js";

const storage = verificationStorage(import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, `gcs-${label}`);
}

function bucket(
  label: string,
  fields: { team: string; location?: string; storageClass?: string; versioning?: boolean },
): ParticleDefinition {
  return {
    pcf_name: label,
    flavor: "storage",
    gcp_resource: {
      name: name(label),
      location: fields.location ?? "EU",
      storageClass: fields.storageClass ?? "STANDARD",
      labels: { team: fields.team },
      versioning: { enabled: fields.versioning ?? false },
    },
  };
}

/** storage: labels, storage class and versioning update in place; the location is fixed; no stopped form. */
export const storageBucketSpec: ConformanceSpec = {
  flavor: StorageBucket,
  backend: gcpBackend,
  testFileUrl: import.meta.url,
  beforeAll: () => registerProject(gcpProject(import.meta.url)),
  definition: (label) => bucket(label, { team: "data" }),
  verify: async (label) => {
    const [exists] = await storage.bucket(name(label)).exists();
    if (!exists) return undefined;
    const [metadata] = await storage.bucket(name(label)).getMetadata();
    return {
      location: metadata.location,
      storageClass: metadata.storageClass,
      versioning: metadata.versioning?.enabled === true,
      team: metadata.labels?.["team"],
      owner: metadata.labels?.["pcf-managed-by"],
    };
  },
  drift: {
    apply: async (label) => {
      await storage.bucket(name(label)).setMetadata({ labels: { team: "hacked" } });
    },
    field: "team",
  },
  update: {
    definition: (label) =>
      bucket(label, { team: "ml", storageClass: "NEARLINE", versioning: true }),
    expected: { team: "ml", storageClass: "NEARLINE", versioning: true, owner: "particle-cloud" },
  },
  replace: {
    definition: (label) =>
      bucket(label, { team: "ml", storageClass: "NEARLINE", versioning: true, location: "US" }),
    field: "location",
    expected: { location: "US", team: "ml", storageClass: "NEARLINE" },
  },
  stop: "none",
  createForeign: async (label) => {
    await storage.createBucket(name(label), { location: "EU", labels: { team: "data" } });
  },
  createOperation: "buckets.insert",
};
