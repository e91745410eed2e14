import type { Pipeline, RequestPolicyFactory } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApplyError,
  DefinitionError,
  Field,
  applyField,
  planField,
  type EngineEvent,
  type ProviderOptions,
} from "../../../src/index.js";
import { BlobContainer } from "../../../src/providers/azure/blob/container.js";
import { blobOperationOfRequest } from "../../../src/providers/azure/operations.js";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";
import {
  azureTestOptions,
  azuriteAccountUrl,
  azuriteEndpoint,
  uniqueContainerName,
  verificationClient,
} from "../../support/azure.js";

const blob = verificationClient();
const options = azureTestOptions();

function name(label: string): string {
  return uniqueContainerName(import.meta.url, label);
}

function particle(label: string, block: Record<string, unknown> = {}): BlobContainer {
  return new BlobContainer({
    pcf_name: label,
    flavor: "blob",
    azure_resource: { name: name(label), storage_account: "devstoreaccount1", ...block },
  });
}

async function live(label: string): Promise<Record<string, unknown> | undefined> {
  for await (const item of blob.listContainers({ includeMetadata: true, prefix: name(label) }))
    if (item.name === name(label))
      return { metadata: item.metadata, access: item.properties.publicAccess ?? "none" };
  return undefined;
}

/** Counts the requests of every pipeline the provider builds, by Blob operation. */
function counting(counts: Map<string, number>): (pipeline: Pipeline) => void {
  const counter: RequestPolicyFactory = {
    create: (next) => ({
      sendRequest: (request) => {
        const operation = blobOperationOfRequest(request.method, new URL(request.url));
        counts.set(operation, (counts.get(operation) ?? 0) + 1);
        return next.sendRequest(request);
      },
    }),
  };
  return (pipeline) => void pipeline.factories.push(counter);
}

async function apply(
  particles: readonly BlobContainer[],
  run: { providerOptions?: ProviderOptions; desiredState?: "terminated" } = {},
): Promise<Awaited<ReturnType<typeof applyField>>> {
  return applyField(new Field([...particles]).link(), { providerOptions: options, ...run });
}

describe("blob containers", () => {
  it("reads every container of an account with one ListContainers", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    await apply(labels.map((label) => particle(label)));
    const counts = new Map<string, number>();
    const providerOptions = {
      azure: { ...options.azure, configurePipeline: counting(counts) },
    };
    const plan = await planField(new Field(labels.map((label) => particle(label))).link(), {
      providerOptions,
    });
    expect(plan.particles.map((entry) => entry.transitions)).toEqual([[], [], []]);
    expect(Object.fromEntries(counts)).toEqual({ ListContainers: 1 });
    await apply(
      labels.map((label) => particle(label)),
      { desiredState: "terminated" },
    );
  });

  it("sets and corrects the public access level, `public_access` over `public`", async () => {
    await apply([particle("level", { public_access: "blob", public: true })]);
    expect(await live("level")).toMatchObject({ access: "blob" });
    // PCF's `public: false` means private: a level set behind its back is put back.
    const report = await apply([particle("level", { public: false })]);
    expect(report.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect(await live("level")).toMatchObject({ access: "none" });
    await apply([particle("level")], { desiredState: "terminated" });
  });

  it("keeps stored access policies when it changes the level", async () => {
    await apply([particle("policies")]);
    const container = blob.getContainerClient(name("policies"));
    const expiresOn = new Date("2030-01-01T00:00:00Z");
    await container.setAccessPolicy(undefined, [
      { id: "readers", accessPolicy: { permissions: "r", expiresOn } },
    ]);
    await apply([particle("policies", { public: true })]);
    const policy = await container.getAccessPolicy();
    expect(policy.blobPublicAccess).toBe("container");
    expect(policy.signedIdentifiers.map((identifier) => identifier.id)).toEqual(["readers"]);
    await apply([particle("policies")], { desiredState: "terminated" });
  });

  it("removes metadata the definition no longer lists and keeps the ownership entry", async () => {
    await apply([particle("meta", { metadata: { team: "web", cost_centre: "42" } })]);
    await apply([particle("meta", { metadata: { team: "web" } })]);
    expect(await live("meta")).toMatchObject({
      metadata: { team: "web", pcf_managed_by: "particle_cloud" },
    });
    expect((await live("meta"))?.["metadata"]).not.toHaveProperty("cost_centre");
    // A definition that lists no metadata does not compare it.
    const plan = await planField(new Field([particle("meta")]).link(), {
      providerOptions: options,
    });
    expect(plan.particles[0]?.transitions).toEqual([]);
    await apply([particle("meta")], { desiredState: "terminated" });
  });

  it("refuses a malformed block before any call, naming each field", () => {
    const error = (() => {
      try {
        return new BlobContainer({
          pcf_name: "bad",
          flavor: "blob",
          azure_resource: { name: "Bad--Name", metadata: { "not-an-identifier": "x" } },
        });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).issues.map((issue) => issue.field)).toEqual([
      "azure_resource.name",
      "azure_resource.metadata.not-an-identifier",
    ]);
  });
});

describe("a name Azure still deletes", () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy({
      target: azuriteEndpoint(),
      operationOf: (request) =>
        blobOperationOfRequest(request.method ?? "GET", new URL(request.url ?? "/", "http://x")),
    });
  });

  afterAll(() => proxy.stop());

  /** Azure's answer to a create while a namesake is being deleted. */
  const beingDeleted = {
    kind: "respond",
    when: "before",
    status: 409,
    headers: { "x-ms-error-code": "ContainerBeingDeleted", "content-type": "application/xml" },
    body:
      '<?xml version="1.0" encoding="utf-8"?><Error><Code>ContainerBeingDeleted</Code>' +
      "<Message>The specified container is being deleted. Try operation later.</Message></Error>",
  } as const;

  function throughProxy(extra: Record<string, unknown> = {}): ProviderOptions {
    return { azure: { ...options.azure, endpoint: azuriteAccountUrl(proxy.endpoint), ...extra } };
  }

  it("is created again once the name is free, waiting with backoff", async () => {
    proxy.setRules([{ operation: "CreateContainer", fault: beingDeleted, times: 2 }]);
    const events: EngineEvent[] = [];
    const report = await applyField(new Field([particle("recreated")]).link(), {
      providerOptions: throughProxy(),
      onEvent: (event) => events.push(event),
    });
    expect(report.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    expect(proxy.injected.get("CreateContainer")).toBe(2);
    expect(
      events.filter((event) => event.type === "call.retry").map((event) => event.reason),
    ).toEqual(["container-being-deleted", "container-being-deleted"]);
    expect(await live("recreated")).toBeDefined();
    await apply([particle("recreated")], { desiredState: "terminated" });
  });

  it("fails with one line once recreateWaitMs is over", async () => {
    proxy.setRules([{ operation: "CreateContainer", fault: beingDeleted }]);
    const error = await applyField(new Field([particle("stillgoing")]).link(), {
      providerOptions: throughProxy({ recreateWaitMs: 0 }),
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ApplyError);
    expect((error as ApplyError).message).toMatch(
      /^create blob "pcf-\w+-stillgoing" failed: ContainerBeingDeleted: The specified container is being deleted\. Try operation later\.$/,
    );
    expect(await live("stillgoing")).toBeUndefined();
  });
});
