import { BlobContainer } from "../../../src/providers/azure/blob/container.js";
import { uniqueContainerName, verificationClient } from "../../support/azure.js";
import type { ConformanceSpec } from "../spec.js";
import { azureBackend } from "./backend.js";

const blob = verificationClient();

function name(label: string): string {
  return uniqueContainerName(import.meta.url, label);
}

function container(
  label: string,
  block: Record<string, unknown> = {},
): ReturnType<ConformanceSpec["definition"]> {
  return {
    pcf_name: label,
    flavor: "blob",
    azure_resource: {
      name: name(label),
      resource_group: "pcf-tests",
      storage_account: "devstoreaccount1",
      metadata: { team: "web" },
      ...block,
    },
  };
}

/** blob: metadata and the public access level update in place; nothing fixed; no stopped form. */
export const blobContainerSpec: ConformanceSpec = {
  flavor: BlobContainer,
  backend: azureBackend,
  testFileUrl: import.meta.url,
  definition: (label) => container(label),
  verify: async (label) => {
    for await (const item of blob.listContainers({ includeMetadata: true, prefix: name(label) }))
      if (item.name === name(label))
        return { metadata: item.metadata ?? {}, access: item.properties.publicAccess ?? "none" };
    return undefined;
  },
  drift: {
    apply: async (label) => {
      await blob.getContainerClient(name(label)).setAccessPolicy("container");
    },
    field: "access",
  },
  update: {
    definition: (label) => container(label, { public: true, metadata: { team: "data" } }),
    expected: {
      access: "container",
      metadata: { team: "data", pcf_managed_by: "particle_cloud" },
    },
  },
  replace: "none",
  stop: "none",
  createForeign: async (label) => {
    await blob.getContainerClient(name(label)).create({ metadata: { team: "web" } });
  },
  createOperation: "CreateContainer",
};
