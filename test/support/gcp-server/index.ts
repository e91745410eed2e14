import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ComputeApi } from "./compute.js";
import { GoogleApiError, readJson, sendError, sendJson } from "./http.js";
import { Projects } from "./projects.js";
import { StorageApi } from "./storage.js";

/**
 * The GCP test server: a small `node:http` server, written by us from Google's public REST
 * reference, that answers the Cloud Storage bucket calls and the Compute Engine instance and
 * zone-operation calls the GCP provider makes, in their JSON shapes, status codes and error
 * bodies. It is not an emulator of GCP: what it does not serve answers 404. See
 * docs/providers/gcp.md for what it covers.
 */

/** A running server. */
export interface GcpTestServer {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startGcpServer(): Promise<GcpTestServer> {
  const projects = new Projects();
  const storage = new StorageApi(projects);
  const compute = new ComputeApi(projects);

  const route = async (request: IncomingMessage): Promise<{ status: number; body?: unknown }> => {
    const url = new URL(request.url ?? "/", "http://gcp");
    const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const method = request.method ?? "GET";
    const body = method === "GET" || method === "DELETE" ? {} : await readJson(request);
    const call = (prefix: number) => ({
      method,
      segments: segments.slice(prefix),
      query: url.searchParams,
      body,
    });
    if (segments[0] === "__test" && segments[1] === "projects" && method === "PUT") {
      projects.add(segments[2] ?? "");
      return { status: 204 };
    }
    if (segments[0] === "storage" && segments[1] === "v1" && segments[2] === "b")
      return storage.handle(call(3));
    if (segments[0] === "compute" && segments[1] === "v1" && segments[2] === "projects")
      return compute.handle(call(3));
    throw new GoogleApiError(404, "notFound", `Not Found: ${url.pathname}`);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    route(request).then(
      ({ status, body }) => sendJson(response, status, body),
      (error: unknown) =>
        sendError(
          response,
          error instanceof GoogleApiError
            ? error
            : new GoogleApiError(500, "backendError", String(error)),
        ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // It never keeps the process alive: vitest's main process ends with its run.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts the run's one GCP test server from vitest's global setup and hands its endpoint to the
 * test files (`inject("gcpEndpoint")`); each file isolates itself with its own project.
 */
export async function provideGcpServer(project: {
  provide(key: "gcpEndpoint", value: string): void;
}): Promise<void> {
  project.provide("gcpEndpoint", (await startGcpServer()).endpoint);
}
