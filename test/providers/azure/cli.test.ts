import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, isBuilt, makeProject, runPcf } from "../../cli/pcf.js";
import {
  azuriteAccountUrl,
  azuriteConnectionString,
  uniqueContainerName,
  verificationClient,
} from "../../support/azure.js";

const name = uniqueContainerName(import.meta.url, "cli");

/** A PCF definition of a blob container, as PCF wrote it (block-level fields, `public`). */
const DEFINITION = [
  "- pcf_name: logs",
  "  flavor: blob",
  "  azure_resource:",
  `    name: ${name}`,
  "    resource_group: pcf-tests",
  "    storage_account: devstoreaccount1",
  "    public: true",
  "",
].join("\n");

describe("pcf with a blob container on Azurite", () => {
  let cwd: string;

  beforeAll(async () => {
    expect(isBuilt, "run `npm run build` first (npm test does)").toBe(true);
    cwd = await makeProject({ "pcf.yml": DEFINITION });
  });

  afterAll(async () => {
    await cleanup(cwd);
  });

  it("applies and terminates PCF's definition, configured by the environment alone", async () => {
    const env = { AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString() };

    const applied = await runPcf(["apply"], { cwd, env });
    expect(applied.stderr).toMatch(/1 converged/);
    expect(applied.code).toBe(0);
    const properties = await verificationClient().getContainerClient(name).getProperties();
    expect(properties.blobPublicAccess).toBe("container");
    expect(properties.metadata).toEqual({ pcf_managed_by: "particle_cloud" });

    const terminated = await runPcf(["terminate", "--yes"], { cwd, env });
    expect(terminated.code).toBe(0);
    expect(await verificationClient().getContainerClient(name).exists()).toBe(false);
  });

  it("reports bad settings on one line naming the particle, and exits 1", async () => {
    const env = { AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString() };
    const endpoint = azuriteAccountUrl("http://127.0.0.1:9");

    const { code, stderr } = await runPcf(["apply", "--azure-endpoint", endpoint], { cwd, env });

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^error: blob:logs: list blob \S+ failed: cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): check the endpoint \(--azure-endpoint, providerOptions\.azure\.endpoint\) and the network$/m,
    );
    expect(await verificationClient().getContainerClient(name).exists()).toBe(false);
  });
});
