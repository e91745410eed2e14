import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { InstancesClient, ZoneOperationsClient } from "@google-cloud/compute";
import { Storage } from "@google-cloud/storage";
import { PassThroughClient } from "google-auth-library";
import { inject } from "vitest";
import type { ProviderOptions } from "../../src/core/run-context.js";
import type { GcpProviderOptions } from "../../src/providers/gcp/options.js";

/**
 * What GCP tests share: the run's GCP test server (`gcp-server/`), a project per test file
 * (their isolation, as moto accounts are for AWS), provider options and second clients that
 * reach the server through the real SDKs without credentials.
 */

/** The zone every compute test uses. */
export const TEST_ZONE = "us-central1-a";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The run's GCP test server, started by `global-setup.ts`. */
export function gcpEndpoint(): string {
  return inject("gcpEndpoint");
}

/** The project of a test file: `pcf-test-` and 8 hex digits of its path. */
export function gcpProject(testFileUrl: string): string {
  const path = relative(PROJECT_ROOT, fileURLToPath(testFileUrl));
  return `pcf-test-${createHash("sha256").update(path).digest("hex").slice(0, 8)}`;
}

/** Makes `project` exist on the test server (a project is unknown until then). */
export async function registerProject(project: string): Promise<void> {
  const answer = await fetch(`${gcpEndpoint()}/__test/projects/${project}`, { method: "PUT" });
  if (!answer.ok) throw new Error(`registering ${project}: ${answer.status}`);
}

/** The `gcp` provider options of a test file: its project, the test server, no credentials. */
export function gcpTestOptions(
  testFileUrl: string,
  overrides: GcpProviderOptions = {},
): ProviderOptions {
  const endpoint = gcpEndpoint();
  const gcp: GcpProviderOptions = {
    projectId: gcpProject(testFileUrl),
    zone: TEST_ZONE,
    storageEndpoint: endpoint,
    computeEndpoint: endpoint,
    authClient: new PassThroughClient(),
    maxRetries: 1,
    ...overrides,
  };
  return { gcp };
}

/** A second Storage client in the test file's project. */
export function verificationStorage(testFileUrl: string): Storage {
  return new Storage({
    apiEndpoint: gcpEndpoint(),
    projectId: gcpProject(testFileUrl),
    useAuthWithCustomEndpoint: false,
  });
}

/** Second Compute clients: instances and zone operations. */
export function verificationCompute(): {
  instances: InstancesClient;
  operations: ZoneOperationsClient;
} {
  const url = new URL(gcpEndpoint());
  const options = {
    apiEndpoint: url.hostname,
    port: Number(url.port),
    protocol: "http",
    fallback: true,
    authClient: new PassThroughClient(),
  } as const;
  return { instances: new InstancesClient(options), operations: new ZoneOperationsClient(options) };
}

/** REST methods by HTTP method and path, as the fault proxy's rules name them. */
const OPERATIONS: readonly (readonly [RegExp, string])[] = [
  [/^POST \/storage\/v1\/b$/, "buckets.insert"],
  [/^GET \/storage\/v1\/b$/, "buckets.list"],
  [/^GET \/storage\/v1\/b\/[^/]+$/, "buckets.get"],
  [/^PATCH \/storage\/v1\/b\/[^/]+$/, "buckets.patch"],
  [/^DELETE \/storage\/v1\/b\/[^/]+$/, "buckets.delete"],
  [/^POST \/compute\/v1\/projects\/[^/]+\/zones\/[^/]+\/instances$/, "instances.insert"],
  [/^GET \/compute\/v1\/projects\/[^/]+\/zones\/[^/]+\/instances$/, "instances.list"],
  [/^GET \/compute\/v1\/projects\/[^/]+\/zones\/[^/]+\/instances\/[^/]+$/, "instances.get"],
  [/^DELETE \/compute\/v1\/projects\/[^/]+\/zones\/[^/]+\/instances\/[^/]+$/, "instances.delete"],
  [/^GET \/compute\/v1\/projects\/[^/]+\/zones\/[^/]+\/operations\/[^/]+$/, "zoneOperations.get"],
  [
    /^POST \/compute\/v1\/projects\/[^/]+\/zones\/[^/]+\/operations\/[^/]+\/wait$/,
    "zoneOperations.wait",
  ],
];

/** The REST method of a request (`buckets.insert`, `instances.stop`), for the fault proxy. */
export function gcpOperationOf(request: IncomingMessage): string {
  const { pathname } = new URL(request.url ?? "/", "http://proxy");
  const line = `${request.method ?? "GET"} ${pathname}`;
  const verb = /^POST \/compute\/v1\/projects\/[^/]+\/zones\/[^/]+\/instances\/[^/]+\/(\w+)$/.exec(
    line,
  );
  if (verb !== null) return `instances.${verb[1] ?? ""}`;
  return OPERATIONS.find(([pattern]) => pattern.test(line))?.[1] ?? line;
}
