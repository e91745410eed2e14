import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoAccountEnv } from "../support/moto-cli-env.js";
import { motoEndpoint, uniqueName } from "../support/aws.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { cleanup, isBuilt, makeProject } from "../cli/pcf.js";
import {
  NOTHING,
  chaosField,
  convergedCount,
  countField,
  runAgainst,
  type FieldShape,
} from "./chaos-field.js";

/**
 * One `pcf run` and one `pcf terminate` of a 40-particle field through a proxy that faults a
 * fifth of all requests: throttling and 500s in each service's own shape, empty, truncated and
 * HTML 200 bodies, delays and dropped connections, before or after the call reached moto. Each
 * must succeed at once, and moto (asked directly) must hold exactly one of everything, then
 * nothing.
 */

const SHAPE: FieldShape = {
  queues: 10,
  logGroups: 10,
  buckets: 5,
  subnets: 4,
  securityGroups: 5,
  roles: 5,
};
const PREFIX = uniqueName(import.meta.url, "f");
const SEED = Number(process.env["PCF_CHAOS_SEED"] ?? 11);
/**
 * A rate of 20 % over every operation. (An empty 200 to PutBucketTagging that never reached S3
 * once passed for success; s3/bucket.ts now reads the tags back after writing them.)
 */
const CHAOS = { rate: 0.2 } as const;
let proxy: FaultProxy;
let dir = "";
let env: Record<string, string> = {};
let reported = 0;
let requestsSeen = 0;

beforeAll(async () => {
  expect(isBuilt, "run `npm run build` first (npm run test:chaos does)").toBe(true);
  env = await motoAccountEnv(import.meta.url, "pcf-chaos");
  proxy = await startFaultProxy({ target: motoEndpoint(), seed: SEED });
  dir = await makeProject({ "pcf.yml": chaosField(PREFIX, SHAPE) });
});

afterAll(async () => {
  await proxy.stop();
  await cleanup(dir);
});

function pcf(args: readonly string[]) {
  return runAgainst(args, { cwd: dir, env, endpoint: proxy.endpoint }).done;
}

describe("a fifth of all requests faulted", () => {
  it("defines 40 particles", () => {
    expect(1 + Object.values(SHAPE).reduce((sum, count) => sum + count, 0)).toBe(40);
  });

  it("converges the field in one pcf run, with one of everything", async () => {
    proxy.setChaos(CHAOS);
    const result = await pcf(["run"]);
    proxy.setChaos(undefined);
    report("run", result.stdout, result.stderr);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    // About 20 faults reach a run: some fall on creates, which are resent as `call.retry`.
    expect(result.stdout + result.stderr).toMatch(/^40 converged, \d+ calls? retried in /m);
    expect(await countField(import.meta.url, PREFIX)).toEqual(convergedCount(SHAPE));
    const again = await pcf(["apply"]);
    requestsSeen = proxy.totalRequests();
    expect(again.stdout + again.stderr).toMatch(/40 unchanged/);
  });

  it("terminates the field in one pcf terminate, leaving nothing", async () => {
    proxy.setChaos(CHAOS);
    const result = await pcf(["terminate", "--yes"]);
    proxy.setChaos(undefined);
    report("terminate", result.stdout, result.stderr);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(await countField(import.meta.url, PREFIX)).toEqual(NOTHING);
  });
});

/** The figures the docs quote: faults injected by the command, and its summary line. */
function report(command: string, stdout: string, stderr: string): void {
  const summary = /^\d+ (converged|unchanged).*$/m.exec(stdout + stderr)?.[0] ?? "";
  const total = [...proxy.injectedKinds.values()].reduce((sum, count) => sum + count, 0);
  process.stdout.write(
    `chaos ${command} (seed ${SEED}): ${total - reported} faults of ${proxy.totalRequests() - requestsSeen} requests; ${summary}\n`,
  );
  reported = total;
  requestsSeen = proxy.totalRequests();
}
