import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";
import type { TestProject } from "vitest/node";
import { waitFor } from "../../src/core/wait.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The blob endpoint of the run's one Azurite, `http://127.0.0.1:PORT` (accounts are path segments). */
    azuriteBlobEndpoint: string;
  }
}

/** A running Azurite blob service on loopback. */
export interface AzuriteServer {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  /** Stops the server by its pid. */
  stop(): Promise<void>;
}

/**
 * Starts one Azurite blob service for the whole vitest run and hands its endpoint to the test
 * files (`inject("azuriteBlobEndpoint")`); each file isolates itself by unique container names.
 * @returns the teardown, which stops the server by its pid.
 */
export async function provideAzurite(project: TestProject): Promise<() => Promise<void>> {
  const server = await startAzurite();
  project.provide("azuriteBlobEndpoint", server.endpoint);
  return () => server.stop();
}

/**
 * Starts Azurite's blob service (the `azurite` dev dependency, run with this Node) on 127.0.0.1
 * and a free port, in memory, and waits until it accepts connections.
 * @throws Error with one clear line when azurite is not installed or exits before listening.
 */
export async function startAzurite(readyTimeoutMs = 30_000): Promise<AzuriteServer> {
  const main = azuriteMain();
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      main,
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(port),
      "--inMemoryPersistence",
      "--skipApiVersionCheck",
      "--disableTelemetry",
      "--silent",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(child.pid, "SIGTERM");
    await exited;
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(
            `azurite exited (${child.exitCode ?? child.signalCode}) before listening: ${stderr.trim()}`,
          );
        return (await isListening(port)) ? { done: true, value: undefined } : { done: false };
      },
      { signal: AbortSignal.timeout(readyTimeoutMs), minDelayMs: 50, maxDelayMs: 200 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: `http://127.0.0.1:${port}`, stop };
}

/** azurite's blob entry point, found through its package (no `npx`). */
function azuriteMain(): string {
  try {
    return createRequire(import.meta.url).resolve("azurite/dist/src/blob/main.js");
  } catch {
    throw new Error("azurite not found: install the dev dependencies with `npm ci`");
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}
