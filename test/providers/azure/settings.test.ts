import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  ApplyError,
  Field,
  applyField,
  createRunContext,
  type ProviderOptions,
} from "../../../src/index.js";
import { BlobContainer } from "../../../src/providers/azure/blob/container.js";
import { readAzureOptions } from "../../../src/providers/azure/options.js";
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  azuriteAccountUrl,
  azuriteConnectionString,
  azuriteEndpoint,
  uniqueContainerName,
  verificationClient,
} from "../../support/azure.js";

const blob = verificationClient();

/** A container particle of this file, in Azurite's account unless `block` says otherwise. */
function particle(label: string, block: Record<string, unknown> = {}): BlobContainer {
  return new BlobContainer({
    pcf_name: label,
    flavor: "blob",
    azure_resource: { name: uniqueContainerName(import.meta.url, label), ...block },
  });
}

/** The error an apply of `label` fails with under `azure`; the container must not exist after. */
async function failureOf(label: string, azure: Record<string, unknown>): Promise<string> {
  const providerOptions: ProviderOptions = { azure };
  const error = await applyField(new Field([particle(label)]).link(), { providerOptions }).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApplyError);
  expect(await blob.getContainerClient(uniqueContainerName(import.meta.url, label)).exists()).toBe(
    false,
  );
  const message = (error as ApplyError).message;
  expect(message).not.toContain("\n");
  return message;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

const savedEnvironment = { ...process.env };

afterEach(() => {
  for (const key of ["AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT"])
    if (savedEnvironment[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnvironment[key];
});

describe("bad Azure settings fail with one clear line before any change", () => {
  it("no credentials: DefaultAzureCredential finds none", async () => {
    const message = await failureOf("nocreds", {
      account: AZURITE_ACCOUNT,
      endpoint: "https://127.0.0.1:9/devstoreaccount1",
    });
    expect(message).toMatch(
      /^list blob pcf-\w+-nocreds failed: no Azure credentials: DefaultAzureCredential found none \(sign in with `az login`/,
    );
  });

  it("an unknown storage account", async () => {
    const message = await failureOf("unknown", {
      account: "nosuchaccount",
      accountKey: AZURITE_KEY,
      endpoint: `${azuriteEndpoint()}/nosuchaccount`,
    });
    expect(message).toBe(
      `list blob pcf-${/pcf-(\w+)-unknown/.exec(message)?.[1]}-unknown failed: no such storage account at ${azuriteEndpoint()}/nosuchaccount (ResourceNotFound)`,
    );
  });

  it("an account name that resolves to no host", async () => {
    const message = await failureOf("nohost", {
      account: AZURITE_ACCOUNT,
      accountKey: AZURITE_KEY,
      endpoint: "http://pcf-no-such-account.invalid/devstoreaccount1",
      maxTries: 1,
    });
    expect(message).toMatch(
      /failed: no such host pcf-no-such-account\.invalid \(ENOTFOUND\): check the storage account name or the endpoint \(--azure-endpoint, providerOptions\.azure\.endpoint\)$/,
    );
  });

  it("an unreachable endpoint", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const message = await failureOf("unreachable", {
      account: AZURITE_ACCOUNT,
      accountKey: AZURITE_KEY,
      endpoint: `${endpoint}/devstoreaccount1`,
    });
    expect(message).toMatch(
      new RegExp(
        `failed: cannot reach ${endpoint.replaceAll(".", "\\.")} \\(ECONNREFUSED\\): check the endpoint \\(--azure-endpoint, providerOptions\\.azure\\.endpoint\\) and the network$`,
      ),
    );
  });

  it("a wrong account key", async () => {
    const message = await failureOf("wrongkey", {
      account: AZURITE_ACCOUNT,
      accountKey: Buffer.from("not the key").toString("base64"),
      endpoint: azuriteAccountUrl(),
    });
    expect(message).toMatch(
      /failed: AuthorizationFailure: the storage account refused the credentials \(check the account name, its key or the connection string\)$/,
    );
  });

  it("a token credential over plain http", async () => {
    const message = await failureOf("plainhttp", {
      account: AZURITE_ACCOUNT,
      endpoint: azuriteAccountUrl(),
    });
    expect(message).toMatch(
      /no credential for the http endpoint .*: Azure AD tokens need https; give providerOptions\.azure\.connectionString or accountKey/,
    );
  });

  it("a connection string for another account than the block's", async () => {
    const message = await failureOf("otheraccount", {
      connectionString: azuriteConnectionString(),
      account: "acmelogs",
    });
    expect(message).toMatch(
      /the connection string is for storage account "devstoreaccount1", not "acmelogs"/,
    );
  });

  it("no storage account anywhere", async () => {
    const message = await failureOf("noaccount", {});
    expect(message).toMatch(
      /no Azure storage account: set azure_resource\.storage_account, providerOptions\.azure\.account, AZURE_STORAGE_ACCOUNT or AZURE_STORAGE_CONNECTION_STRING/,
    );
  });

  it.each([
    [{ maxTries: 0 }, "providerOptions.azure.maxTries"],
    [{ account: "Bad_Name" }, "providerOptions.azure.account"],
    [{ endpoint: "ftp://example.com" }, "providerOptions.azure.endpoint"],
    [{ region: "westeurope" }, "providerOptions.azure"],
  ])("a malformed option %j, naming it", (azure, field) => {
    const context = createRunContext({ providerOptions: { azure } });
    expect(() => readAzureOptions(context)).toThrow(
      expect.objectContaining({ code: "DEFINITION_INVALID", where: { field } }),
    );
  });
});

describe("Azurite by configuration alone", () => {
  it("through a connection string whose endpoint providerOptions.azure.endpoint replaces", async () => {
    const elsewhere = `http://127.0.0.1:${await closedPort()}/${AZURITE_ACCOUNT}`;
    process.env["AZURE_STORAGE_CONNECTION_STRING"] = azuriteConnectionString().replace(
      azuriteAccountUrl(),
      elsewhere,
    );
    const providerOptions = { azure: { endpoint: azuriteAccountUrl() } };
    const report = await applyField(new Field([particle("replaced")]).link(), { providerOptions });
    expect(report.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const terminated = await applyField(new Field([particle("replaced")]).link(), {
      providerOptions,
      desiredState: "terminated",
    });
    expect(terminated.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
  });

  it("through AZURE_STORAGE_CONNECTION_STRING, the account taken from it", async () => {
    process.env["AZURE_STORAGE_CONNECTION_STRING"] = azuriteConnectionString();
    const container = particle("fromenv");
    const report = await applyField(new Field([container]).link(), {});
    expect(report.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const terminated = await applyField(new Field([particle("fromenv")]).link(), {
      desiredState: "terminated",
    });
    expect(terminated.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
  });

  it("through providerOptions.azure.connectionString, the block naming the account", async () => {
    const providerOptions = { azure: { connectionString: azuriteConnectionString() } };
    const container = particle("fromoption", { storage_account: AZURITE_ACCOUNT });
    const report = await applyField(new Field([container]).link(), { providerOptions });
    expect(report.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const terminated = await applyField(
      new Field([particle("fromoption", { storage_account: AZURITE_ACCOUNT })]).link(),
      { providerOptions, desiredState: "terminated" },
    );
    expect(terminated.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
  });
});
