// moto_server for the benchmark: started on loopback, reset between runs, stopped by its PID.

import { spawn, spawnSync } from "node:child_process";
import net from "node:net";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Starts `moto_server` on 127.0.0.1 and a free port, and waits until `/moto-api/` answers.
 * @returns {Promise<{ url: string, process: import("node:child_process").ChildProcess }>}
 * @throws Error when `moto_server` is not on PATH, exits early, or is not ready in 30 s
 */
export async function startMoto() {
  const which = spawnSync("sh", ["-c", "command -v moto_server"], { encoding: "utf8" });
  if (which.status !== 0) {
    throw new Error(
      "moto_server is not on PATH (pip install 'moto[server]'); AWS workloads cannot run",
    );
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  moto.stdout.setEncoding("utf8").on("data", (chunk) => void (log = (log + chunk).slice(-2000)));
  moto.stderr.setEncoding("utf8").on("data", (chunk) => void (log = (log + chunk).slice(-2000)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (moto.exitCode !== null) {
      throw new Error(`moto_server exited ${moto.exitCode}: ${log.trim()}`);
    }
    try {
      const response = await globalThis.fetch(`${url}/moto-api/`);
      await response.arrayBuffer();
      if (response.ok) return { url, process: moto };
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  moto.kill("SIGTERM");
  throw new Error(`moto_server did not answer on ${url} within 30 s: ${log.trim()}`);
}

/**
 * Stops a moto_server started by {@link startMoto}, by its PID.
 * @param {import("node:child_process").ChildProcess | undefined} moto
 */
export function stopMoto(moto) {
  if (moto?.pid !== undefined && moto.exitCode === null) {
    try {
      process.kill(moto.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

/**
 * Empties moto: every account and region. `/moto-api/config` survives.
 * @param {string} url
 */
export async function resetMoto(url) {
  const response = await globalThis.fetch(`${url}/moto-api/reset`, { method: "POST" });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
}

/** moto's version from `pip show moto`, or "unknown". */
export function motoVersion() {
  const pip = spawnSync("pip", ["show", "moto"], { encoding: "utf8" });
  return /^Version:\s*(\S+)/m.exec(pip.stdout ?? "")?.[1] ?? "unknown";
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((done, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}
