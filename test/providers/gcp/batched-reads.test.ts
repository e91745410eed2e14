import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Field, applyField, planField, type ParticleDefinition } from "../../../src/index.js";
import { ComputeInstance } from "../../../src/providers/gcp/compute/instance.js";
import { StorageBucket } from "../../../src/providers/gcp/storage/bucket.js";
import { uniqueName } from "../../support/aws.js";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";
import {
  gcpEndpoint,
  gcpOperationOf,
  gcpProject,
  gcpTestOptions,
  registerProject,
} from "../../support/gcp.js";

/** Five particles: more than the test server's page, so that the one list reads several pages. */
const LABELS = ["a", "b", "c", "d", "e"];

function buckets(): Field {
  return new Field(
    LABELS.map(
      (label) =>
        new StorageBucket({
          pcf_name: `bucket-${label}`,
          flavor: "storage",
          gcp_resource: { name: uniqueName(import.meta.url, `batch-${label}`) },
        }),
    ),
  ).link();
}

function vms(): Field {
  return new Field(
    LABELS.map((label): ComputeInstance => {
      const definition: ParticleDefinition = {
        pcf_name: `vm-${label}`,
        flavor: "compute",
        gcp_resource: { name: uniqueName(import.meta.url, `vm-${label}`), machineType: "e2-micro" },
      };
      return new ComputeInstance(definition);
    }),
  ).link();
}

describe("GCP reads are batched: one paged list per project (and zone) for every particle", () => {
  let proxy: FaultProxy;
  const options = (): Parameters<typeof planField>[1] => ({
    providerOptions: gcpTestOptions(import.meta.url, {
      storageEndpoint: proxy.endpoint,
      computeEndpoint: proxy.endpoint,
    }),
  });

  beforeAll(async () => {
    await registerProject(gcpProject(import.meta.url));
    proxy = await startFaultProxy({ target: gcpEndpoint(), operationOf: gcpOperationOf });
  });
  afterAll(async () => {
    await applyField(buckets(), { ...options(), desiredState: "terminated" });
    await applyField(vms(), { ...options(), desiredState: "terminated" });
    await proxy.stop();
  });

  it.each([
    ["storage", buckets, "buckets.list"],
    ["compute", vms, "instances.list"],
  ] as const)("%s: a plan of five lists once, over three pages", async (_flavor, field, list) => {
    await applyField(field(), options());
    const before = proxy.requests(list);
    const plan = await planField(field(), options());
    expect(plan.particles.map((particle) => particle.transitions)).toEqual(LABELS.map(() => []));
    // One list of five names, in pages of two: three requests.
    expect(proxy.requests(list) - before).toBe(3);
  });
});
