import { beforeAll, describe, expect, it, vi } from "vitest";
import { Field, applyField } from "../../../src/index.js";
import { StorageBucket } from "../../../src/providers/gcp/storage/bucket.js";
import { uniqueName } from "../../support/aws.js";
import {
  gcpEndpoint,
  gcpProject,
  gcpTestOptions,
  registerProject,
  verificationStorage,
} from "../../support/gcp.js";

describe("storage: STORAGE_EMULATOR_HOST", () => {
  beforeAll(() => registerProject(gcpProject(import.meta.url)));

  it("is the JSON API's base URL when no storageEndpoint option is given", async () => {
    vi.stubEnv("STORAGE_EMULATOR_HOST", `${gcpEndpoint()}/storage/v1`);
    const name = uniqueName(import.meta.url, "emulator-host");
    const field = (): Field =>
      new Field([
        new StorageBucket({ pcf_name: "host", flavor: "storage", gcp_resource: { name } }),
      ]).link();
    const providerOptions = gcpTestOptions(import.meta.url, { storageEndpoint: undefined });
    const created = await applyField(field(), { providerOptions });
    expect(created.particles[0]).toMatchObject({ state: "running", transitions: ["start"] });
    vi.unstubAllEnvs();
    const [exists] = await verificationStorage(import.meta.url)
      .bucket(name)
      .exists();
    expect(exists).toBe(true);
    vi.stubEnv("STORAGE_EMULATOR_HOST", `${gcpEndpoint()}/storage/v1`);
    await applyField(field(), { providerOptions, desiredState: "terminated" });
    vi.unstubAllEnvs();
  });
});
