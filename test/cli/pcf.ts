import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Helpers to run the built `pcf` binary as a user would, in a fresh folder. */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(ROOT, "bin/pcf.js");

/** How long one run of the binary may take before the test kills it and fails. */
const WATCHDOG_MS = 25_000;

/** True when dist/ holds the built CLI (`npm test` builds first). */
export const isBuilt = existsSync(join(ROOT, "dist/cli/main.js"));

/** True when util-linux `script` can give the binary a pseudo-terminal. */
export const hasScript = spawnSync("script", ["--version"]).status === 0;

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed. */
  readonly input?: string;
  readonly nodeArgs?: readonly string[];
}

/** The environment of every run: no colour, no inherited AWS or colour settings. */
export function testEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env["FORCE_COLOR"];
  delete env["CI"];
  return { ...env, ...extra };
}

/** Starts `node bin/pcf.js …args` and returns the child, for tests that talk to it. */
export function spawnPcf(args: readonly string[], options: RunOptions): ChildProcess {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
    cwd: options.cwd,
    env: testEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs `node bin/pcf.js …args` to completion. */
export function runPcf(args: readonly string[], options: RunOptions): Promise<RunResult> {
  return collect(spawnPcf(args, options), options.input);
}

/** Runs a shell command line under `script`, which gives it a pseudo-terminal. */
export function runInTerminal(commandLine: string, options: RunOptions): Promise<RunResult> {
  const child = spawn("script", ["-qec", commandLine, "/dev/null"], {
    cwd: options.cwd,
    env: testEnv({ COLUMNS: "100", LINES: "30", ...options.env }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  return collect(child, options.input);
}

/** The shell command line that runs pcf with `args` (each quoted). */
export function pcfCommandLine(args: readonly string[]): string {
  return [process.execPath, BIN, ...args].map(shellQuote).join(" ");
}

/** Resolves with everything the child printed once it exits. */
export function collect(child: ChildProcess, input?: string): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  if (input !== undefined) child.stdin?.write(input);
  child.stdin?.end();
  // A watchdog, not a wait: a hung binary fails its test with what it printed so far.
  const watchdog = setTimeout(() => {
    stderr += `\n[test watchdog: killed after ${WATCHDOG_MS} ms]\n`;
    child.kill("SIGKILL");
  }, WATCHDOG_MS);
  return new Promise((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(watchdog);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Resolves once `stream` has printed text matching `pattern`. */
export function waitForOutput(
  stream: NodeJS.ReadableStream | null | undefined,
  pattern: RegExp,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    if (stream == null) return reject(new Error("no stream"));
    let seen = "";
    const onData = (chunk: Buffer | string): void => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        stream.removeListener("data", onData);
        resolvePromise(seen);
      }
    };
    stream.on("data", onData);
    stream.once("end", () =>
      reject(new Error(`stream ended without ${String(pattern)}:\n${seen}`)),
    );
  });
}

/** A fresh folder holding `files` (name → text); removed by `cleanup`. */
export async function makeProject(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pcf-cli-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

export async function cleanup(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A `local_file` particle definition as YAML list item. */
export function localFile(
  name: string,
  fields: { path?: string; content?: string; parents?: string[]; extra?: string } = {},
): string {
  const lines = [
    `- pcf_name: ${name}`,
    "  flavor: local_file",
    ...(fields.parents === undefined ? [] : [`  parents: [${fields.parents.join(", ")}]`]),
    ...(fields.extra === undefined ? [] : [fields.extra]),
    "  local_resource:",
    `    path: ${JSON.stringify(fields.path ?? `${name}.txt`)}`,
    `    content: ${JSON.stringify(fields.content ?? `${name}\n`)}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Whether `path` exists. */
export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Start callbacks that hold their particle in flight until the file `release` exists: `hold`
 * gives up when the run's signal aborts, `holdDeaf` ignores it.
 */
export const HOLD_MODULE = `import { access } from "node:fs/promises";
import { setTimeout } from "node:timers/promises";
async function until(release, signal) {
  for (;;) {
    signal?.throwIfAborted();
    try { await access(release); return; } catch { await setTimeout(20); }
  }
}
export const hold = ({ release, signal }) => until(release, signal);
export const holdDeaf = ({ release }) => until(release, undefined);
`;

/** Two local files; the first holds its start in the callback `holdExport` of HOLD_MODULE. */
export function heldProject(holdExport: "hold" | "holdDeaf"): Record<string, string> {
  return {
    "hold.mjs": HOLD_MODULE,
    "pcf.json": JSON.stringify([
      {
        pcf_name: "slow",
        flavor: "local_file",
        local_resource: { path: "slow.txt" },
        callbacks: {
          start: { function: `./hold.mjs#${holdExport}`, kwargs: { release: "release" } },
        },
      },
      { pcf_name: "next", flavor: "local_file", local_resource: { path: "next.txt" } },
    ]),
  };
}

/** The JSON lines of an NDJSON output. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function shellQuote(text: string): string {
  return /^[\w./:=@-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
