import {
  CloudWatchLogsClient,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { ChildProcess } from "node:child_process";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoAccountEnv } from "../support/moto-cli-env.js";
import {
  cleanup,
  isBuilt,
  jsonLines,
  makeProject,
  runPcf,
  spawnPcf,
  type RunResult,
} from "../cli/pcf.js";
import { motoEndpoint, uniqueName, verificationClient } from "../support/aws.js";
import { EventStream, type JsonEvent } from "../support/event-stream.js";

/**
 * Three `pcf watch` processes share 30 fields (one log group each) through per-field S3 leases on
 * moto. One is killed with SIGKILL mid-round; the other two must take its fields over once their
 * leases expire, a log group deleted behind their backs must come back, no field may ever be
 * reconciled by two watchers at once (from the events of all three), and SIGTERM must end the
 * survivors with exit 0. Then `pcf inventory` takes the census: each field owns its one group,
 * and after `pcf nuke --field` of each, nothing.
 */

const FIELDS = 30;
const WATCHERS = 3;
const LEASE_TTL = "3s";
const prefix = uniqueName(import.meta.url, "watch");
const bucket = uniqueName(import.meta.url, "leases");
const fieldNames = Array.from(
  { length: FIELDS },
  (_, index) => `f${String(index).padStart(2, "0")}`,
);
const logs = verificationClient(CloudWatchLogsClient, import.meta.url);
let env: Record<string, string> = {};
let dir = "";

/** One `pcf watch` process: its JSON events as they come, and how it ended. */
interface Watcher {
  readonly child: ChildProcess;
  readonly events: EventStream;
  readonly done: Promise<RunResult>;
  stderr(): string;
}

beforeAll(async () => {
  expect(isBuilt, "run `npm run build` first (npm run test:watch does)").toBe(true);
  env = await motoAccountEnv(import.meta.url, "pcf-watch");
  const s3 = verificationClient(S3Client, import.meta.url);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  dir = await makeProject(
    Object.fromEntries(
      fieldNames.map((name) => [
        `${name}.yml`,
        `- flavor: cloudwatch_logs\n  pcf_name: logs\n  aws_resource: { logGroupName: ${prefix}-${name} }\n`,
      ]),
    ),
  );
});

afterAll(async () => {
  logs.destroy();
  await cleanup(dir);
});

/** `pcf inventory`'s log groups of this test, by the field that owns them. */
async function censusOfFields(): Promise<Record<string, string[]>> {
  const result = await runPcf(
    ["inventory", "--flavor", "cloudwatch_logs", "--json", "--endpoint", motoEndpoint()],
    { cwd: dir, env },
  );
  expect(result.code, result.stderr).toBe(0);
  const [report] = jsonLines(result.stdout);
  const owned = (report?.["resources"] ?? []) as { field: string | null; key: string }[];
  const byField: Record<string, string[]> = {};
  for (const { field, key } of owned)
    if (key.startsWith(prefix)) (byField[field ?? "(none)"] ??= []).push(key);
  return byField;
}

function startWatcher(): Watcher {
  const child = spawnPcf(
    [
      "watch",
      ...fieldNames.flatMap((name) => ["-f", `${name}.yml`]),
      "--lock",
      `s3://${bucket}/leases/`,
      "--lease-ttl",
      LEASE_TTL,
      "--interval",
      "1s",
      "--json",
      "--endpoint",
      motoEndpoint(),
    ],
    { cwd: dir, env },
  );
  const events = new EventStream(child.stdout);
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin?.end();
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: events.describe(), stderr }));
  });
  return { child, events, done, stderr: () => stderr };
}

const ofType =
  (type: string, field?: string) =>
  (event: JsonEvent): boolean =>
    event["type"] === type && (field === undefined || event["field"] === field);

/** The fields a watcher holds after its events so far: acquired and not lost since. */
function heldBy(watcher: Watcher): Set<string> {
  const held = new Set<string>();
  for (const event of watcher.events.events) {
    const field = String(event["field"]);
    if (event["type"] === "lease.acquired") held.add(field);
    if (event["type"] === "lease.lost" || event["type"] === "lease.released") held.delete(field);
  }
  return held;
}

/** A round of one field by one watcher, from its start to its end (or the kill). */
interface RoundSpan {
  readonly watcher: string;
  readonly round: number;
  readonly startMs: number;
  readonly endMs: number;
}

/** Every round each watcher ran, per field; a round cut by the kill ends at `killedAtMs`. */
function roundSpans(watchers: readonly Watcher[], killedAtMs: number): Map<string, RoundSpan[]> {
  const spans = new Map<string, RoundSpan[]>();
  for (const watcher of watchers) {
    const open = new Map<string, { round: number; startMs: number; watcher: string }>();
    for (const event of watcher.events.events) {
      const field = String(event["field"]);
      if (event["type"] === "round.start")
        open.set(field, {
          round: Number(event["round"]),
          startMs: Number(event["atMs"]),
          watcher: String(event["watcher"]),
        });
      if (event["type"] === "round.end") {
        const start = open.get(field);
        expect(start?.round, `round.end without its start: ${JSON.stringify(event)}`).toBe(
          event["round"],
        );
        if (start === undefined) continue;
        open.delete(field);
        spans.set(field, [...(spans.get(field) ?? []), { ...start, endMs: Number(event["atMs"]) }]);
      }
    }
    for (const [field, start] of open)
      spans.set(field, [...(spans.get(field) ?? []), { ...start, endMs: killedAtMs }]);
  }
  return spans;
}

/** The log groups of this test moto holds. */
async function liveGroups(): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: `${prefix}-`, nextToken }),
    );
    names.push(...(page.logGroups ?? []).map((group) => group.logGroupName ?? ""));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return names.sort();
}

describe("three pcf watch processes sharing 30 fields through S3 leases", () => {
  it("converge every field, take over a killed watcher's fields, never reconcile a field twice at once, and exit 0 on SIGTERM", async () => {
    const startedMs = Date.now();
    const watchers = Array.from({ length: WATCHERS }, startWatcher);
    const failure = (): string =>
      watchers
        .map((watcher, index) => `--- watcher ${index} stderr:\n${watcher.stderr()}`)
        .join("\n");

    // Every field is held and has finished a round.
    await Promise.all(
      fieldNames.map((field) =>
        Promise.any(watchers.map((watcher) => watcher.events.find(ofType("round.end", field)))),
      ),
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${failure()}`);
    });

    // Kill the watcher holding the most fields, right as one of its rounds starts.
    const victim = watchers.reduce((most, watcher) =>
      heldBy(watcher).size > heldBy(most).size ? watcher : most,
    );
    const survivors = watchers.filter((watcher) => watcher !== victim);
    await victim.events.next(ofType("round.start"));
    victim.child.kill("SIGKILL");
    const killedAtMs = Date.now();
    const killed = await victim.done;
    const victimFields = [...heldBy(victim)];
    expect(killed.code).toBeNull();
    expect(victimFields.length).toBeGreaterThan(0);

    // The survivors take over each of its fields, and finish a round of it.
    await Promise.all(
      victimFields.map(async (field) => {
        const acquired = await Promise.any(
          survivors.map((watcher) =>
            watcher.events.find(
              (event) =>
                ofType("lease.acquired", field)(event) && Number(event["atMs"]) > killedAtMs,
            ),
          ),
        );
        const holder = survivors.find((watcher) => watcher.events.events.includes(acquired));
        await holder?.events.find(
          (event) =>
            ofType("round.end", field)(event) && Number(event["atMs"]) > Number(acquired["atMs"]),
        );
      }),
    );

    // A log group deleted behind their backs comes back in the next round of its field.
    const victimField = victimFields[0] ?? "f00";
    await logs.send(new DeleteLogGroupCommand({ logGroupName: `${prefix}-${victimField}` }));
    const deletedAtMs = Date.now();
    const recreated = await Promise.any(
      survivors.map((watcher) =>
        watcher.events.find(
          (event) =>
            ofType("round.end", victimField)(event) &&
            Number(event["atMs"]) > deletedAtMs &&
            JSON.stringify(event["changed"]).includes('"transitions":["start"]'),
        ),
      ),
    );
    expect(recreated["ok"]).toBe(true);

    expect(await liveGroups()).toEqual(fieldNames.map((name) => `${prefix}-${name}`));

    for (const watcher of survivors) watcher.child.kill("SIGTERM");
    const ends = await Promise.all(survivors.map((watcher) => watcher.done));
    expect(
      ends.map((end) => end.code),
      failure(),
    ).toEqual([0, 0]);

    // After SIGTERM, every field a survivor held was released.
    for (const watcher of survivors) expect(heldBy(watcher)).toEqual(new Set());

    // No field was ever reconciled by two watchers at once.
    const spans = roundSpans(watchers, killedAtMs);
    expect([...spans.keys()].sort()).toEqual(fieldNames);
    for (const [field, fieldSpans] of spans) {
      const sorted = [...fieldSpans].sort((a, b) => a.startMs - b.startMs);
      for (let index = 1; index < sorted.length; index += 1) {
        const previous = sorted[index - 1];
        const span = sorted[index];
        expect(
          span !== undefined && previous !== undefined && span.startMs >= previous.endMs,
          `${field}: ${JSON.stringify(previous)} overlaps ${JSON.stringify(span)}`,
        ).toBe(true);
      }
    }
    // Every field a dead watcher held moved to another watcher.
    for (const field of victimFields) {
      const byWatcher = new Set(spans.get(field)?.map((span) => span.watcher));
      expect(byWatcher.size, field).toBeGreaterThanOrEqual(2);
    }

    // The leak census: each field owns its one group and nothing else; once terminated, nothing.
    expect(await censusOfFields()).toEqual(
      Object.fromEntries(fieldNames.map((name) => [name, [`${prefix}-${name}`]])),
    );
    const limit = pLimit(5);
    const nukes = await Promise.all(
      fieldNames.map((name) =>
        limit(() =>
          runPcf(["nuke", "--field", name, "--yes", "--no-lock", "--endpoint", motoEndpoint()], {
            cwd: dir,
            env,
          }),
        ),
      ),
    );
    expect(nukes.map((nuke) => nuke.code)).toEqual(fieldNames.map(() => 0));
    expect(await censusOfFields()).toEqual({});

    const rounds = [...spans.values()].reduce((sum, list) => sum + list.length, 0);
    process.stdout.write(
      `watch scale: ${FIELDS} fields, ${WATCHERS} watchers, the killed one held ${victimFields.length}; ` +
        `${rounds} rounds in ${((Date.now() - startedMs) / 1000).toFixed(1)} s\n`,
    );
  });
});
