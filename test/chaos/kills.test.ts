import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoAccountEnv } from "../support/moto-cli-env.js";
import { motoEndpoint, uniqueName } from "../support/aws.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { cleanup, isBuilt, makeProject, type RunResult } from "../cli/pcf.js";
import {
  NOTHING,
  chaosField,
  convergedCount,
  countField,
  runAgainst,
  type FieldShape,
} from "./chaos-field.js";

/**
 * `pcf run` and `pcf terminate` killed with SIGKILL after the Nth request reached the proxy, for
 * N spread over each command's requests, then run again: the second run must succeed, and moto
 * (asked directly) must hold one of everything after a run, nothing after a terminate.
 */

/**
 * No bucket: moto drops the tags CreateBucket carries, so a kill between CreateBucket and
 * PutBucketTagging leaves an untagged bucket that the next run does not claim and terminate
 * refuses to delete (found here at the run's kill point 3 of 11; open in the provider-kit
 * issue). Add buckets back once that window is closed on moto.
 */
const SHAPE: FieldShape = {
  queues: 3,
  logGroups: 2,
  buckets: 0,
  subnets: 2,
  securityGroups: 2,
  roles: 2,
};
/** Kill points per command: 11 cycles of run and terminate give 22. */
const CYCLES = 11;
let proxy: FaultProxy;
let env: Record<string, string> = {};
const dirs: string[] = [];
let killAt: number | undefined;
let kill: (() => void) | undefined;

beforeAll(async () => {
  expect(isBuilt, "run `npm run build` first (npm run test:chaos does)").toBe(true);
  env = await motoAccountEnv(import.meta.url, "pcf-chaos");
  proxy = await startFaultProxy({
    target: motoEndpoint(),
    onRequest: (_operation, index) => {
      if (killAt !== undefined && index >= killAt) kill?.();
    },
  });
});

afterAll(async () => {
  await proxy.stop();
  await Promise.all(dirs.map(cleanup));
});

/** Runs `args`; with `killAfter`, kills it with SIGKILL once that many requests have arrived. */
async function pcf(dir: string, args: readonly string[], killAfter?: number): Promise<RunResult> {
  const started = proxy.totalRequests();
  const run = runAgainst([...args, "--no-lock"], { cwd: dir, env, endpoint: proxy.endpoint });
  killAt = killAfter === undefined ? undefined : started + killAfter;
  kill = () => run.child.kill("SIGKILL");
  const result = await run.done;
  killAt = undefined;
  return result;
}

/** How many requests a whole command takes, measured on a field of its own. */
async function requestsOf(dir: string, args: readonly string[]): Promise<number> {
  const before = proxy.totalRequests();
  const result = await pcf(dir, args);
  expect(result.code, result.stderr).toBe(0);
  return proxy.totalRequests() - before;
}

describe("kill -9 during run and terminate, then run again", () => {
  it("leaves no duplicate and no orphan at any of 22 kill points", async () => {
    const probe = await project("probe");
    const runRequests = await requestsOf(probe.dir, ["run"]);
    const terminateRequests = await requestsOf(probe.dir, ["terminate", "--yes"]);
    const survived: string[] = [];
    for (let cycle = 1; cycle <= CYCLES; cycle += 1) {
      const { dir, prefix } = await project(`k${cycle}`);
      const runKill = killPoint(cycle, runRequests);
      const killed = await pcf(dir, ["run"], runKill);
      expect(killed.code, `run killed after ${runKill} requests`).toBeNull();
      const rerun = await pcf(dir, ["run"]);
      expect(rerun.code, `run after a kill at ${runKill}: ${rerun.stderr}`).toBe(0);
      expect(await countField(import.meta.url, prefix)).toEqual(convergedCount(SHAPE));
      survived.push(`run@${runKill}`);

      const terminateKill = killPoint(cycle, terminateRequests);
      const stopped = await pcf(dir, ["terminate", "--yes"], terminateKill);
      expect(stopped.code, `terminate killed after ${terminateKill} requests`).toBeNull();
      const again = await pcf(dir, ["terminate", "--yes"]);
      expect(again.code, `terminate after a kill at ${terminateKill}: ${again.stderr}`).toBe(0);
      expect(await countField(import.meta.url, prefix)).toEqual(NOTHING);
      survived.push(`terminate@${terminateKill}`);
    }
    process.stdout.write(
      `kills: run ${runRequests} requests, terminate ${terminateRequests}; survived ${survived.length}: ${survived.join(" ")}\n`,
    );
    expect(survived).toHaveLength(2 * CYCLES);
  });
});

/**
 * The request after which cycle `cycle` kills a command that took `requests` on the probe field:
 * spread over its first 85 %, as the count varies a little with the order of concurrent calls.
 */
function killPoint(cycle: number, requests: number): number {
  return Math.max(1, Math.round((cycle * 0.85 * requests) / CYCLES));
}

async function project(label: string): Promise<{ dir: string; prefix: string }> {
  const prefix = uniqueName(import.meta.url, label);
  const dir = await makeProject({ "pcf.yml": chaosField(prefix, SHAPE) });
  dirs.push(dir);
  return { dir, prefix };
}
