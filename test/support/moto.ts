import { execFile, spawn, type ChildProcess } from "node:child_process";
import { constants, openSync, closeSync, readFileSync } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { waitFor } from "../../src/core/wait.js";

/** A running moto_server on loopback. */
export interface MotoServer {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  readonly pid: number;
  /** Stops the server by its pid and removes its log. */
  stop(): Promise<void>;
}

/** Options of {@link startMoto}. */
export interface StartMotoOptions {
  /** The project root, where a `.venv` with moto is looked for (and made, as a last resort). */
  readonly projectRoot: string;
  /** How long the server may take to answer, in ms. Default 30 000. */
  readonly readyTimeoutMs?: number;
  /**
   * Settings of the server, added to its environment (`INITIAL_NO_AUTH_ACTION_COUNT` turns on
   * IAM enforcement). Default: none beyond `MOTO_IAM_LOAD_MANAGED_POLICIES=true`.
   */
  readonly env?: Readonly<Record<string, string>>;
}

const INSTALL_HINT = "moto_server not found: install it with `pip install 'moto[server]'`";

/**
 * Starts one `moto_server` on 127.0.0.1 and a free port, and waits until `/moto-api/` answers.
 * The binary comes from PATH, else the project's `.venv`, else a `.venv` made now with pip.
 * @throws Error with one clear line when moto cannot be found or installed, or the server dies.
 */
export async function startMoto(options: StartMotoOptions): Promise<MotoServer> {
  const binary = await findMotoServer(options.projectRoot);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logDir = await mkdtemp(join(tmpdir(), "pcf-moto-"));
  const logPath = join(logDir, "moto.log");
  // A file, not a pipe: moto logs every request, and an undrained pipe would stall it.
  const logFd = openSync(logPath, "w");
  const child = spawn(binary, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: "true", ...options.env },
  });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  let failure: Error | undefined;
  void spawnError.then((error) => (failure = error));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGTERM");
      const killer = setTimeout(
        () =>
          child.pid !== undefined && child.exitCode === null && process.kill(child.pid, "SIGKILL"),
        5_000,
      );
      await exited;
      clearTimeout(killer);
    }
    await rm(logDir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      async () => {
        if (failure !== undefined)
          throw new Error(`moto_server could not start: ${failure.message}`);
        if (hasExited(child)) {
          const log = logTail(logPath);
          // A pyenv shim stays on PATH after moto is uninstalled, and exits at once saying so.
          if (/command not found|No module named/i.test(log))
            throw new Error(`${INSTALL_HINT}\n${log}`);
          throw new Error(
            `moto_server exited (${child.exitCode ?? child.signalCode}) before answering:\n${log}`,
          );
        }
        return (await answers(`${endpoint}/moto-api/`))
          ? { done: true, value: undefined }
          : { done: false };
      },
      {
        signal: AbortSignal.timeout(options.readyTimeoutMs ?? 30_000),
        minDelayMs: 20,
        maxDelayMs: 200,
        description: `moto_server on ${endpoint}`,
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error("moto_server started without a pid");
  return { endpoint, pid: child.pid, stop };
}

/** The moto_server binary: on PATH, in the project's `.venv`, or installed into a new `.venv`. */
async function findMotoServer(projectRoot: string): Promise<string> {
  const onPath = await firstExecutable(
    (process.env["PATH"] ?? "")
      .split(delimiter)
      .filter((dir) => dir !== "")
      .map((dir) => join(dir, "moto_server")),
  );
  if (onPath !== undefined) return onPath;
  const venvBinary = join(projectRoot, ".venv", "bin", "moto_server");
  if (await isExecutable(venvBinary)) return venvBinary;
  const run = promisify(execFile);
  try {
    await run("python3", ["-m", "venv", join(projectRoot, ".venv")], { timeout: 120_000 });
    await run(
      join(projectRoot, ".venv", "bin", "pip"),
      ["install", "--quiet", "--retries", "1", "--timeout", "15", "moto[server]"],
      { timeout: 600_000 },
    );
  } catch {
    throw new Error(INSTALL_HINT);
  }
  if (await isExecutable(venvBinary)) return venvBinary;
  throw new Error(INSTALL_HINT);
}

async function firstExecutable(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if (await isExecutable(path)) return path;
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
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

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function logTail(path: string): string {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
}
