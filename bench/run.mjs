// The benchmark: runs PCF-format workloads through the built CLI (`node bin/pcf.js`) exactly as a
// user would, against moto behind a proxy that adds latency to every request and counts them.
// For each workload it prints one JSON line, then a table (unless --json-only).
//
//   npm run bench
//   node bench/run.mjs --workload bench/workloads/chain-local-20.json --runs 1
//   node bench/run.mjs --workload gen:local-10000 --phases plan --latency-ms 0
//
// Method and figures: docs/performance.md.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import process from "node:process";
import { clearInterval, setInterval } from "node:timers";
import { basename, dirname, join, resolve } from "node:path";
import { URL, fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { shapeOf } from "./bound.mjs";
import { generateLocalWorkload, parseGeneratedSpec } from "./generate-local.mjs";
import { startLatencyProxy } from "./latency-proxy.mjs";
import { motoVersion, resetMoto, startMoto, stopMoto } from "./moto.mjs";
import {
  ALL_PHASES,
  HELP_TARGET_S,
  formatTable,
  headlineOf,
  isPhaseOk,
  median,
  round,
  summarize,
} from "./report.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PCF_BIN = join(ROOT, "bin", "pcf.js");
const GNU_TIME = "/usr/bin/time";
/** Generated workloads at least this large run `plan` only unless --phases says otherwise. */
const PLAN_ONLY_FROM = 5000;
const STDERR_TAIL_CHARS = 4000;

/** @typedef {import("./report.mjs").Phase} Phase */
/** @typedef {import("./report.mjs").PhaseSample} PhaseSample */

const DEFAULT_WORKLOADS = [
  "bench/workloads/flat.json",
  "bench/workloads/flat-s3-sqs.json",
  "bench/workloads/chain-aws-10.json",
  "bench/workloads/catalogue.json",
  "bench/workloads/chain-local-20.json",
  "gen:local-1000",
  "gen:local-10000",
];

const { values: options } = parseArgs({
  options: {
    workload: { type: "string", multiple: true },
    "latency-ms": { type: "string", default: "50" },
    runs: { type: "string", default: "5" },
    phases: { type: "string" },
    "help-runs": { type: "string", default: "20" },
    "json-only": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (options.help) {
  process.stdout.write(
    [
      "usage: node bench/run.mjs [options]",
      "  --workload FILE|gen:local-N|gen:chain-local-N   repeatable; default: the set in bench/workloads",
      "                                                  plus gen:local-1000 and gen:local-10000",
      "  --latency-ms N      added to every request by the proxy (default 50)",
      "  --runs N            runs per workload; figures are medians (default 5)",
      "  --phases LIST       subset of create,noop,plan,inventory,terminate (default all; plan only for",
      `                      generated workloads of ${PLAN_ONLY_FROM}+ particles)`,
      "  --help-runs N       times `pcf --help` is timed (default 20; 0 skips it)",
      "  --json-only         print only the JSON lines",
      "",
    ].join("\n"),
  );
  process.exit(0);
}

const latencyMs = positiveNumber("--latency-ms", options["latency-ms"], true);
const runs = positiveNumber("--runs", options.runs, false);
const helpRuns = positiveNumber("--help-runs", options["help-runs"], true);
const explicitPhases = options.phases === undefined ? undefined : parsePhases(options.phases);
const isJsonOnly = options["json-only"] === true;

/** Everything to undo on exit: temp dirs, moto, the proxy, a running CLI. */
const cleanup = {
  /** @type {import("node:child_process").ChildProcess | undefined} */ moto: undefined,
  /** @type {import("node:child_process").ChildProcess | undefined} */ child: undefined,
  /** @type {Set<string>} */ dirs: new Set(),
};
process.on("exit", stopChildren);
/** Set by SIGINT or SIGTERM: errors from the interrupted work are then expected. */
let isStopping = false;
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.once(signal, () => {
    isStopping = true;
    progress(`\n${signal}: stopping`);
    stopChildren();
    void Promise.allSettled(
      [...cleanup.dirs].map((dir) => rm(dir, { recursive: true, force: true })),
    ).then(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  // Interrupted: the signal handler cleans up and exits.
  if (!isStopping) throw error;
}

/**
 * Stops what this script started, by PID: the CLI run in progress (its own process group, so
 * GNU time and the node process under it go together) and moto.
 */
function stopChildren() {
  const { child } = cleanup;
  if (child?.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  cleanup.child = undefined;
  stopMoto(cleanup.moto);
  cleanup.moto = undefined;
}

async function main() {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    fail("dist/cli/main.js is missing: run `npm run build` first (npm run bench does)");
  }
  const specs = options.workload ?? DEFAULT_WORKLOADS;
  const scratch = await mkdtemp(join(os.tmpdir(), "pcf-bench-"));
  cleanup.dirs.add(scratch);

  /** @type {{ spec: string, name: string, file: string, shape: ReturnType<typeof shapeOf>, onMoto: boolean, phases: Phase[] }[]} */
  const workloads = [];
  for (const spec of specs) workloads.push(await resolveWorkload(spec, scratch));

  const machine = machineInfo();
  const needsMoto = workloads.some(
    (w) => w.shape.rounds.noop > 0 || w.shape.unknownFlavors.length > 0,
  );
  /** @type {Awaited<ReturnType<typeof startMoto>> | undefined} */
  let moto;
  /** @type {Awaited<ReturnType<typeof startLatencyProxy>> | undefined} */
  let proxy;
  /** @type {string | undefined} */
  let motoProblem;
  if (needsMoto) {
    try {
      moto = await startMoto();
      cleanup.moto = moto.process;
      progress(`moto_server: ${moto.url} (pid ${String(moto.process.pid)})`);
      machine.moto = motoVersion();
      proxy = await startLatencyProxy({ targetPort: Number(new URL(moto.url).port), latencyMs });
    } catch (error) {
      motoProblem = error instanceof Error ? error.message : String(error);
      progress(`moto: ${motoProblem}`);
    }
  }

  const memory = hasGnuTime() ? "gnu-time" : "proc";
  if (memory === "proc")
    progress(`${GNU_TIME} (GNU time) not found: peak memory falls back to /proc VmHWM polling`);

  for (const workload of workloads) {
    const usesNetwork = workload.onMoto;
    /** @type {Map<Phase, PhaseSample[]>} */
    const samples = new Map(workload.phases.map((phase) => [phase, []]));
    const loadAtStart = loadAverage();
    if (usesNetwork && (moto === undefined || proxy === undefined)) {
      report(workload, samples, {
        loadAtStart,
        machine,
        skippedBecause: `moto unavailable: ${motoProblem ?? "not started"}`,
      });
      continue;
    }
    if (usesNetwork && moto !== undefined && proxy !== undefined) {
      // Loads moto's lazy service back ends (about 1.4 s for EC2) once, outside the figures.
      await resetMoto(moto.url);
      await runCli(["plan", "-f", workload.file], scratch, proxy, "none");
    }
    for (let run = 1; run <= runs; run += 1) {
      if (usesNetwork && moto !== undefined) await resetMoto(moto.url);
      const cwd = await mkdtemp(join(scratch, "run-"));
      for (const phase of workload.phases) {
        progress(`${workload.name}: run ${run}/${runs} ${phase}`);
        const sample = await runCli(
          argsOf(phase, workload.file),
          cwd,
          usesNetwork ? proxy : undefined,
          memory,
        );
        samples.get(phase)?.push(sample);
        if (!isPhaseOk(phase, sample.exitCode)) {
          progress(`  ${phase} exited ${sample.exitCode}: ${headlineOf(sample.stderrTail)}`);
        }
      }
      await rm(cwd, { recursive: true, force: true });
    }
    report(workload, samples, { loadAtStart, machine, skippedBecause: undefined });
  }

  if (helpRuns > 0) {
    /** @type {number[]} */
    const walls = [];
    for (let run = 0; run < helpRuns; run += 1)
      walls.push((await runCli(["--help"], ROOT, undefined, "none")).wallS);
    const wall = round(median(walls), 3);
    const line = {
      command: "pcf --help",
      runs: helpRuns,
      wall_s: wall,
      min_s: round(Math.min(...walls), 3),
      target_s: HELP_TARGET_S,
      machine: { ...machine, load_avg_1m_end: loadAverage() },
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    if (!isJsonOnly) {
      process.stdout.write(
        `\npcf --help: median ${wall.toFixed(3)} s, min ${line.min_s.toFixed(3)} s over ${helpRuns} runs ` +
          `(target ≤ ${HELP_TARGET_S} s${wall <= HELP_TARGET_S ? ", met" : ", MISSED"})\n`,
      );
    }
  }

  await proxy?.close();
  await rm(scratch, { recursive: true, force: true });
  cleanup.dirs.delete(scratch);
  stopMoto(cleanup.moto);
  cleanup.moto = undefined;
}

/**
 * Prints the JSON line of one workload, then its table unless --json-only.
 * @param {Parameters<typeof summarize>[0]} workload
 * @param {Map<Phase, PhaseSample[]>} samples
 * @param {{ loadAtStart: number, machine: Record<string, unknown>, skippedBecause: string | undefined }} context
 */
function report(workload, samples, { loadAtStart, machine, skippedBecause }) {
  const line = summarize(workload, samples, {
    latencyMs,
    runs,
    machine: { ...machine, load_avg_1m_start: loadAtStart, load_avg_1m_end: loadAverage() },
    skippedBecause,
  });
  process.stdout.write(`${JSON.stringify(line)}\n`);
  if (!isJsonOnly) process.stdout.write(`${formatTable(line)}\n`);
}

/**
 * @param {string} spec
 * @param {string} scratch
 */
async function resolveWorkload(spec, scratch) {
  const generated = parseGeneratedSpec(spec);
  let file;
  let name;
  if (generated !== undefined) {
    name = spec.slice("gen:".length);
    file = join(scratch, `${name}.json`);
    await writeFile(file, JSON.stringify(generateLocalWorkload(generated)));
  } else {
    file = resolve(spec);
    name = basename(file);
    if (!existsSync(file)) fail(`workload not found: ${spec}`);
  }
  const shape = shapeOf(JSON.parse(await readFile(file, "utf8")));
  // `inventory` lists the AWS flavors: a phase of the workloads that run on moto only.
  const onMoto = shape.rounds.noop > 0 || shape.unknownFlavors.length > 0;
  const phases =
    explicitPhases ??
    (generated !== undefined && generated.count >= PLAN_ONLY_FROM
      ? ["plan"]
      : ALL_PHASES.filter((phase) => onMoto || phase !== "inventory"));
  return { spec, name, file, shape, onMoto, phases: /** @type {Phase[]} */ (phases) };
}

/** @param {Phase} phase @param {string} file @returns {string[]} */
function argsOf(phase, file) {
  switch (phase) {
    case "create":
    case "noop":
      return ["apply", "-f", file, "--yes"];
    case "plan":
      return ["plan", "-f", file];
    case "inventory":
      // Every AWS flavor lists the region: the workload's resources and what else is there.
      return ["inventory"];
    case "terminate":
      return ["terminate", "-f", file, "--yes"];
  }
}

/**
 * Runs the CLI once, as a user would, and measures it.
 * @param {string[]} args arguments after `node bin/pcf.js`
 * @param {string} cwd
 * @param {Awaited<ReturnType<typeof startLatencyProxy>> | undefined} proxy
 * @param {"gnu-time" | "proc" | "none"} memory how peak RSS is measured: GNU time's %M (exact),
 *   polling /proc/PID/status VmHWM every 20 ms (misses growth in the last 20 ms), or not at all
 * @returns {Promise<PhaseSample>}
 */
async function runCli(args, cwd, proxy, memory) {
  if (isStopping) throw new Error("stopping");
  const useGnuTime = memory === "gnu-time";
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("AWS_")) delete env[key];
  Object.assign(env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    // Without a proxy nothing may reach a real endpoint: point at a closed port.
    AWS_ENDPOINT_URL: proxy?.url ?? "http://127.0.0.1:9",
  });
  const timeFile = join(cwd, `.time-${process.pid}-${Date.now()}`);
  const [command, commandArgs] = useGnuTime
    ? [GNU_TIME, ["-o", timeFile, "-f", "%M %U %S", process.execPath, PCF_BIN, ...args]]
    : [process.execPath, [PCF_BIN, ...args]];

  proxy?.reset();
  const started = process.hrtime.bigint();
  // detached: a process group of its own, which stopChildren ends as one.
  const child = spawn(command, commandArgs, {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  cleanup.child = child;
  let stderr = "";
  child.stdout.resume();
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (/** @type {string} */ chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  let polledKb = 0;
  const poller =
    memory !== "proc"
      ? undefined
      : setInterval(() => {
          polledKb = Math.max(polledKb, vmHwmKb(child.pid));
        }, 20);
  const exitCode = await new Promise((done) => {
    child.on("error", (error) => {
      stderr += `\nspawn failed: ${error.message}`;
      done(127);
    });
    child.on("exit", (code, signal) =>
      done(code ?? (signal === null ? 1 : 128 + (os.constants.signals[signal] ?? 0))),
    );
  });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  if (poller !== undefined) clearInterval(poller);
  cleanup.child = undefined;
  const stats = proxy?.stats() ?? { requests: 0, peakInFlight: 0, byOperation: {} };

  let peakMb = polledKb > 0 ? polledKb / 1024 : null;
  /** @type {number | null} */
  let cpuS = null;
  if (useGnuTime) {
    const text = await readFile(timeFile, "utf8").catch(() => "");
    // GNU time writes "Command exited with non-zero status N" before the figures.
    const [kb = NaN, user = NaN, system = NaN] = (text.trim().split("\n").at(-1) ?? "")
      .split(" ")
      .map(Number);
    peakMb = Number.isFinite(kb) && kb > 0 ? kb / 1024 : null;
    cpuS = Number.isFinite(user + system) ? user + system : null;
    await rm(timeFile, { force: true });
  }
  return {
    exitCode: /** @type {number} */ (exitCode),
    wallS,
    requests: stats.requests,
    peakMb,
    cpuS,
    peakInFlight: stats.peakInFlight,
    byOperation: stats.byOperation,
    stderrTail: stderr,
  };
}

/** @param {number | undefined} pid @returns {number} peak RSS so far, in KB; 0 when unknown */
function vmHwmKb(pid) {
  if (pid === undefined) return 0;
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function hasGnuTime() {
  if (!existsSync(GNU_TIME)) return false;
  const probe = spawnSync(GNU_TIME, ["-f", "%M", "-o", "/dev/null", "true"]);
  return probe.status === 0;
}

// small helpers ----------------------------------------------------------------------------------

function machineInfo() {
  return /** @type {Record<string, unknown>} */ ({
    cpus: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    mem_gb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
  });
}

/** The 1-minute load average: on a shared machine it says how far to trust wall times. */
function loadAverage() {
  return round(os.loadavg()[0] ?? 0, 2);
}

/** @param {string} message */
function progress(message) {
  process.stderr.write(`${message}\n`);
}

/** @param {string} message @returns {never} */
function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

/** @param {string} flag @param {string | undefined} text @param {boolean} isZeroAllowed */
function positiveNumber(flag, text, isZeroAllowed) {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!isZeroAllowed && value === 0))
    fail(`${flag}: expected a number, got ${text}`);
  return value;
}

/** @param {string} text @returns {Phase[]} */
function parsePhases(text) {
  const phases = text
    .split(",")
    .map((phase) => phase.trim())
    .filter(Boolean);
  for (const phase of phases) {
    if (!(/** @type {readonly string[]} */ (ALL_PHASES).includes(phase))) {
      fail(`--phases: unknown phase ${phase} (expected ${ALL_PHASES.join(",")})`);
    }
  }
  return /** @type {Phase[]} */ (phases);
}
