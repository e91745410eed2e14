import { readFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_TRANSITION_TIMEOUT_SECONDS,
} from "../../src/cli/options.js";
import { DEFAULT_TRANSITION_TIMEOUT_MS } from "../../src/index.js";
import {
  DEFAULT_AWS_CONNECTION_TIMEOUT_MS,
  DEFAULT_AWS_REQUEST_TIMEOUT_MS,
} from "../../src/providers/aws/request-timeouts.js";
import { ROOT, cleanup, makeProject, runPcf } from "./pcf.js";

const dirs: string[] = [];

async function project(files: Record<string, string>): Promise<string> {
  const dir = await makeProject(files);
  dirs.push(dir);
  return dir;
}

/** A loopback TCP server that accepts every connection and never answers. */
interface SilentServer {
  readonly endpoint: string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

async function startSilentServer(): Promise<SilentServer> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    get connections() {
      return sockets.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let silent: SilentServer;

beforeAll(async () => {
  silent = await startSilentServer();
});

afterAll(async () => {
  await silent.close();
  await Promise.all(dirs.splice(0).map(cleanup));
});

const AWS_ENV = { AWS_REGION: "us-east-1" };

const QUEUE = JSON.stringify([
  { pcf_name: "mute", flavor: "sqs_queue", aws_resource: { QueueName: "pcf-timeouts-mute" } },
]);

describe("a request that is never answered", () => {
  it("fails the particle with the request timeout after the SDK's attempts", async () => {
    const cwd = await project({ "pcf.json": QUEUE });
    const before = silent.connections;
    const startedMs = performance.now();

    const { code, stderr } = await runPcf(
      ["run", "--endpoint", silent.endpoint, "--request-timeout", "0.2"],
      { cwd, env: AWS_ENV },
    );

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^error: sqs_queue:mute: .* failed: no answer within the request timeout, 3 attempts \(--request-timeout/m,
    );
    expect(stderr).toContain("200 ms");
    expect(silent.connections - before).toBe(3);
    // Three attempts of 0.2 s and the SDK's backoff take about 1.5 s; a hang would hit the
    // test's watchdog (25 s) instead.
    expect(performance.now() - startedMs).toBeLessThan(20_000);
  });
});

describe("--transition-timeout", () => {
  const HOLD_MODULE = `import { setTimeout } from "node:timers/promises";
export async function hold({ signal }) {
  for (;;) { signal.throwIfAborted(); await setTimeout(20); }
}
`;

  it("fails a transition that outlasts it and names the limit", async () => {
    const cwd = await project({
      "hold.mjs": HOLD_MODULE,
      "pcf.json": JSON.stringify([
        {
          pcf_name: "endless",
          flavor: "local_file",
          local_resource: { path: "endless.txt" },
          callbacks: { start: { function: "./hold.mjs#hold" } },
        },
      ]),
    });

    const { code, stderr } = await runPcf(["run", "--transition-timeout", "0.3"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /local_file:endless: start did not finish within 0\.3 s \(the transition timeout\)/,
    );
    expect(stderr).toContain("hint: raise --timeout or --transition-timeout");
  });
});

describe("default limits", () => {
  it("are the library's defaults in the CLI's help", () => {
    expect(DEFAULT_TRANSITION_TIMEOUT_SECONDS * 1000).toBe(DEFAULT_TRANSITION_TIMEOUT_MS);
  });

  it("are what docs/cli.md states", async () => {
    const docs = await readFile(join(ROOT, "docs/cli.md"), "utf8");
    const rows: [string, number][] = [
      ["`--timeout`", DEFAULT_TIMEOUT_SECONDS * 1000],
      ["`--transition-timeout`", DEFAULT_TRANSITION_TIMEOUT_MS],
      ["`--request-timeout`", DEFAULT_AWS_REQUEST_TIMEOUT_MS],
      ["`connectionTimeoutMs`", DEFAULT_AWS_CONNECTION_TIMEOUT_MS],
    ];
    for (const [name, ms] of rows)
      expect(docs).toMatch(new RegExp(`^\\| ${name} +\\| ${durationText(ms)} +\\|`, "m"));
  });

  it("appear in the help of pcf run", async () => {
    const cwd = await project({});

    const { stdout } = await runPcf(["run", "--help"], { cwd });
    const text = stdout.replace(/\s+/g, " ");

    expect(text).toContain(`(default: ${DEFAULT_TIMEOUT_SECONDS})`);
    expect(text).toContain(`(default: ${DEFAULT_TRANSITION_TIMEOUT_SECONDS})`);
    expect(text).toContain(
      `(default: ${DEFAULT_AWS_REQUEST_TIMEOUT_MS / 1000}, of which connecting: ${DEFAULT_AWS_CONNECTION_TIMEOUT_MS / 1000})`,
    );
  });
});

/** How docs/cli.md writes a limit: `60 min`, `30 s`. */
function durationText(ms: number): string {
  return ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
