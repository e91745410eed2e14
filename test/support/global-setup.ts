import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { provideAzurite } from "./azurite.js";
import { provideGcpServer } from "./gcp-server/index.js";
import { startMoto } from "./moto.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The endpoint of the run's one moto_server, `http://127.0.0.1:PORT`. */
    motoEndpoint: string;
    /** The endpoint of the run's one GCP test server (`gcp-server/`), `http://127.0.0.1:PORT`. */
    gcpEndpoint: string;
  }
}

/**
 * Starts one moto_server for the whole vitest run and hands its endpoint to the test files
 * (`inject("motoEndpoint")`); each file isolates itself with its own moto account.
 * @returns the teardown, which stops the server by its pid.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startMoto({
    projectRoot: fileURLToPath(new URL("../../", import.meta.url)),
  });
  project.provide("motoEndpoint", server.endpoint);
  const stopAzurite = await provideAzurite(project);
  await provideGcpServer(project);
  return async () => void (await Promise.all([server.stop(), stopAzurite()]));
}
