import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import {
  Field,
  acquireLease,
  fileLeaseBackend,
  reconcile,
  type Lease,
  type LeaseBackend,
  type LeaseHolderIdentity,
  type ReconcileEvent,
  type ReconcileOptions,
} from "../../src/index.js";
import { roundDelayMs } from "../../src/core/reconcile.js";
import { MemoryCloud, MemoryParticle, memory } from "../support/memory-particle.js";

const TTL_MS = 30_000;
const INTERVAL_MS = 10_000;
const folders: string[] = [];
const leases: Lease[] = [];

afterAll(async () => {
  await Promise.all(leases.map((lease) => lease.release().catch(() => undefined)));
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function newBackend(): Promise<LeaseBackend> {
  const dir = await mkdtemp(join(tmpdir(), "pcf-reconcile-"));
  folders.push(dir);
  return fileLeaseBackend(join(dir, "web"));
}

/** The field `web`: `a`, and `b` whose parent is `a`. */
function webField(): Field {
  return new Field(
    [new MemoryParticle(memory("a")), new MemoryParticle(memory("b", { parents: ["memory:a"] }))],
    { name: "web" },
  ).link();
}

function watcher(pid: number): LeaseHolderIdentity {
  return { owner: `w${pid}@${hostname()} pid ${pid}`, host: hostname(), pid };
}

/** A wall clock the test moves: each pause between rounds advances it by the pause. */
function manualClock(startMs = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (ms) => void (nowMs += ms) };
}

/**
 * Runs a watch of `field` on `cloud` with the manual clock, stopped once `until` says so.
 * `betweenRounds` runs in each pause, after the round it follows.
 */
async function watch(
  field: Field,
  cloud: MemoryCloud,
  options: Partial<ReconcileOptions> & {
    readonly until: (event: ReconcileEvent) => boolean;
    readonly betweenRounds?: (pause: number) => void | Promise<void>;
  },
): Promise<{ events: ReconcileEvent[]; result: Awaited<ReturnType<typeof reconcile>> }> {
  const clock = manualClock();
  const stop = new AbortController();
  const events: ReconcileEvent[] = [];
  let pauses = 0;
  const result = await reconcile(field, {
    signal: stop.signal,
    intervalMs: INTERVAL_MS,
    jitter: 0,
    leaseTtlMs: TTL_MS,
    holder: watcher(1),
    now: clock.now,
    sleep: async (ms) => {
      pauses += 1;
      clock.advance(ms);
      await options.betweenRounds?.(pauses);
      await nextTurn();
    },
    ...options,
    applyOptions: { providerOptions: cloud.options(), ...options.applyOptions },
    onEvent: (event) => {
      events.push(event);
      if (options.until(event)) stop.abort();
    },
  });
  return { events, result };
}

function ofType<T extends ReconcileEvent["type"]>(
  events: readonly ReconcileEvent[],
  type: T,
): Extract<ReconcileEvent, { type: T }>[] {
  return events.filter(
    (event): event is Extract<ReconcileEvent, { type: T }> => event.type === type,
  );
}

const afterRound =
  (round: number) =>
  (event: ReconcileEvent): boolean =>
    event.type === "round.end" && event.round === round;

describe("reconcile", () => {
  it("converges the field in its first round and changes nothing in the next", async () => {
    const cloud = new MemoryCloud();

    const { events, result } = await watch(webField(), cloud, { until: afterRound(2) });

    expect(cloud.log).toEqual(["a:start", "b:start"]);
    const ends = ofType(events, "round.end");
    expect(ends.map((end) => end.changed)).toEqual([
      [
        { particle: "memory:a", outcome: "converged", transitions: ["start"] },
        { particle: "memory:b", outcome: "converged", transitions: ["start"] },
      ],
      [],
    ]);
    expect(ends.map((end) => end.ok)).toEqual([true, true]);
    expect(result).toEqual({ rounds: 2, failedRounds: 0, skippedRounds: 0 });
  });

  it("reads the whole field in one batched read in each round where nothing drifted", async () => {
    const cloud = new MemoryCloud();

    await watch(webField(), cloud, {
      until: afterRound(3),
      // The first round's creates read again each particle they changed.
      betweenRounds: (pause) => void (pause === 1 && cloud.batches.splice(0)),
    });

    expect(cloud.batches).toEqual([
      ["a", "b"],
      ["a", "b"],
    ]);
  });

  it("puts back a resource deleted behind its back in the next round", async () => {
    const cloud = new MemoryCloud();

    const { events } = await watch(webField(), cloud, {
      until: afterRound(2),
      betweenRounds: (pause) => void (pause === 1 && cloud.resources.delete("b")),
    });

    expect(ofType(events, "round.end")[1]?.changed).toEqual([
      { particle: "memory:b", outcome: "converged", transitions: ["start"] },
    ]);
    expect([...cloud.resources.keys()].sort()).toEqual(["a", "b"]);
  });

  it("reports a failed round and tries again in the next", async () => {
    const cloud = new MemoryCloud();
    cloud.failures.add("a:start");

    const { events, result } = await watch(webField(), cloud, {
      until: afterRound(2),
      betweenRounds: () => void cloud.failures.clear(),
    });

    const [first, second] = ofType(events, "round.end");
    expect(first?.ok).toBe(false);
    expect(first?.errors).toEqual([
      {
        code: "TRANSITION_FAILED",
        message: expect.stringContaining("start refused by the cloud") as unknown,
        particle: "memory:a",
      },
    ]);
    expect(second?.ok).toBe(true);
    expect(second?.errors).toEqual([]);
    expect(cloud.resources.has("b")).toBe(true);
    expect(result).toEqual({ rounds: 2, failedRounds: 1, skippedRounds: 0 });
  });

  it("pauses intervalMs, moved by up to jitter of it, between rounds", async () => {
    const cloud = new MemoryCloud();
    const randoms = [0, 0.5, 0.999];
    const pauses: number[] = [];

    const { events } = await watch(webField(), cloud, {
      until: (event) => event.type === "round.start" && event.round === 3,
      jitter: 0.1,
      random: () => randoms.shift() ?? 0.5,
      betweenRounds: () => undefined,
      sleep: (ms) => {
        pauses.push(ms);
        return Promise.resolve();
      },
    });

    expect(pauses).toEqual([9_000, 10_000]);
    expect(ofType(events, "round.end").map((end) => end.nextRoundInMs)).toEqual([
      9_000,
      10_000,
      undefined,
    ]);
    expect(roundDelayMs(1_000, 0.1, () => 0.999)).toBe(1_100);
  });

  it("stamps each event with its sequence, the wall clock, the field and the watcher", async () => {
    const cloud = new MemoryCloud();

    const { events } = await watch(webField(), cloud, { until: afterRound(2) });

    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.atMs)).toEqual([
      1_000_000,
      1_000_000,
      1_000_000 + INTERVAL_MS,
      1_000_000 + INTERVAL_MS,
    ]);
    for (const event of events) {
      expect(event.field).toBe("web");
      expect(event.watcher).toBe(watcher(1).owner);
    }
  });

  it("rejects an interval that is not positive and a jitter outside [0, 1)", async () => {
    const field = webField();

    await expect(reconcile(field, { intervalMs: 0 })).rejects.toMatchObject({
      code: "DEFINITION_INVALID",
    });
    await expect(reconcile(field, { jitter: 1 })).rejects.toMatchObject({
      code: "DEFINITION_INVALID",
    });
  });
});

describe("reconcile with a lease", () => {
  it("takes the lease, keeps it across rounds with one token, and releases it at the end", async () => {
    const cloud = new MemoryCloud();
    const backend = await newBackend();

    const { events } = await watch(webField(), cloud, { lease: backend, until: afterRound(3) });

    expect(events.map((event) => event.type)).toEqual([
      "lease.acquired",
      "round.start",
      "round.end",
      "round.start",
      "round.end",
      "round.start",
      "round.end",
      "lease.released",
    ]);
    expect(ofType(events, "round.start").map((start) => start.token)).toEqual([1, 1, 1]);
    const stored = await backend.read();
    expect(stored?.record.token).toBe(1);
    expect(stored?.record.releasedAtMs).toBeDefined();
  });

  it("skips its rounds while another watcher holds the lease, naming it, and changes nothing", async () => {
    const cloud = new MemoryCloud();
    const backend = await newBackend();
    const other = await acquireLease(backend, { holder: watcher(2), ttlMs: TTL_MS });
    leases.push(other);

    const { events, result } = await watch(webField(), cloud, {
      lease: backend,
      // The other watcher's heartbeat keeps its lease: on this clock, it never expires.
      now: () => other.holder.acquiredAtMs,
      until: (event) => event.type === "round.skipped" && event.round === 2,
    });

    expect(events.map((event) => event.type)).toEqual(["round.skipped", "round.skipped"]);
    expect(ofType(events, "round.skipped")[0]).toMatchObject({
      reason: "held",
      holder: watcher(2).owner,
      token: 1,
    });
    expect(cloud.log).toEqual([]);
    expect(result).toEqual({ rounds: 0, failedRounds: 0, skippedRounds: 2 });
    expect((await backend.read())?.record.owner).toBe(watcher(2).owner);
  });

  it("takes over the lease of a watcher that died once it expires, with the next token", async () => {
    const cloud = new MemoryCloud();
    const backend = await newBackend();
    const clock = manualClock();
    // A dead watcher's record: nobody renews it.
    const dead = watcher(3);
    await backend.write(
      {
        ...dead,
        acquiredAtMs: clock.now(),
        expiresAtMs: clock.now() + TTL_MS,
        token: 1,
      },
      { expectedVersion: undefined },
    );

    const { events } = await watch(webField(), cloud, {
      lease: backend,
      until: afterRound(4),
    });

    // Rounds 1 to 3 start 0, 10 and 20 s in; the record expires at 30 s, when round 4 starts.
    expect(events.map((event) => event.type)).toEqual([
      "round.skipped",
      "round.skipped",
      "round.skipped",
      "lease.acquired",
      "round.start",
      "round.end",
      "lease.released",
    ]);
    expect(ofType(events, "round.skipped").map((skip) => skip.reason)).toEqual([
      "held",
      "held",
      "held",
    ]);
    expect(ofType(events, "round.start")[0]).toMatchObject({ round: 4, token: 2 });
    expect(cloud.log).toEqual(["a:start", "b:start"]);
  });

  it("stops its rounds once another watcher took the lease over, and says it lost it", async () => {
    const cloud = new MemoryCloud();
    const backend = await newBackend();

    const { events } = await watch(webField(), cloud, {
      lease: backend,
      until: (event) => event.type === "round.skipped",
      betweenRounds: async () => {
        // Another watcher takes the lease over (as after this one stalled past its expiry).
        const stored = await backend.read();
        if (stored === undefined) throw new Error("no lease");
        await backend.write(
          { ...watcher(4), acquiredAtMs: 0, expiresAtMs: Number.MAX_SAFE_INTEGER, token: 2 },
          { expectedVersion: stored.version },
        );
      },
    });

    expect(events.map((event) => event.type)).toEqual([
      "lease.acquired",
      "round.start",
      "round.end",
      "lease.lost",
      "round.skipped",
    ]);
    expect(ofType(events, "lease.lost")[0]?.message).toContain(`taken over by ${watcher(4).owner}`);
    expect(ofType(events, "round.skipped")[0]).toMatchObject({ holder: watcher(4).owner });
    expect((await backend.read())?.record.owner).toBe(watcher(4).owner);
  });

  it("skips a round whose lease cannot be read, reporting why, and takes the lease in the next", async () => {
    const cloud = new MemoryCloud();
    const backend = await newBackend();
    let failures = 1;
    const flaky: LeaseBackend = {
      location: backend.location,
      read: (options) =>
        failures-- > 0 ? Promise.reject(new Error("socket hang up")) : backend.read(options),
      write: (record, options) => backend.write(record, options),
    };

    const { events, result } = await watch(webField(), cloud, {
      lease: flaky,
      until: afterRound(2),
    });

    expect(events.map((event) => event.type)).toEqual([
      "round.skipped",
      "lease.acquired",
      "round.start",
      "round.end",
      "lease.released",
    ]);
    expect(ofType(events, "round.skipped")[0]).toMatchObject({
      reason: "lease-failed",
      error: { message: "socket hang up" },
      nextRoundInMs: INTERVAL_MS,
    });
    expect(result).toEqual({ rounds: 1, failedRounds: 0, skippedRounds: 1 });
  });

  it("lets one of two watchers of a field run its rounds while the other skips", async () => {
    const backend = await newBackend();
    const cloud = new MemoryCloud();
    const stop = new AbortController();
    const events: ReconcileEvent[] = [];
    const onEvent = (event: ReconcileEvent): void => {
      events.push(event);
      if (ofType(events, "round.end").length >= 3 && ofType(events, "round.skipped").length >= 3)
        stop.abort();
    };
    const options = (pid: number): ReconcileOptions => ({
      signal: stop.signal,
      lease: backend,
      leaseTtlMs: TTL_MS,
      holder: watcher(pid),
      intervalMs: INTERVAL_MS,
      sleep: () => nextTurn().then(() => undefined),
      applyOptions: { providerOptions: cloud.options() },
      onEvent,
    });

    await Promise.all([reconcile(webField(), options(5)), reconcile(webField(), options(6))]);

    const runners = new Set(ofType(events, "round.start").map((event) => event.watcher));
    const skippers = new Set(ofType(events, "round.skipped").map((event) => event.watcher));
    expect(runners.size).toBe(1);
    expect(skippers.size).toBe(1);
    expect([...skippers][0]).not.toBe([...runners][0]);
    const holders = ofType(events, "round.skipped").map((event) =>
      event.reason === "held" ? event.holder : event.error.message,
    );
    expect(new Set(holders)).toEqual(runners);
    expect(ofType(events, "lease.lost")).toEqual([]);
    expect(cloud.log).toEqual(["a:start", "b:start"]);
  });

  it("finishes the round under way when its signal aborts, then releases the lease and returns", async () => {
    const cloud = new MemoryCloud();
    const backend = await newBackend();
    const stop = new AbortController();
    const events: ReconcileEvent[] = [];
    let pauses = 0;

    const result = await reconcile(webField(), {
      signal: stop.signal,
      lease: backend,
      holder: watcher(7),
      sleep: () => {
        pauses += 1;
        return Promise.resolve();
      },
      applyOptions: {
        providerOptions: cloud.options(),
        onEvent: (event) => {
          if (event.type === "transition.start" && event.particle === "memory:a") stop.abort();
        },
      },
      onEvent: (event) => events.push(event),
    });

    // a's start was in flight and finished; b, which waits for it, was not started.
    expect(cloud.log).toEqual(["a:start"]);
    expect(cloud.resources.get("a")?.state).toBe("running");
    const [end] = ofType(events, "round.end");
    expect(end).toMatchObject({ isStopped: true, ok: false, errors: [] });
    expect(end?.nextRoundInMs).toBeUndefined();
    expect(end?.changed).toEqual([
      { particle: "memory:a", outcome: "converged", transitions: ["start"] },
      { particle: "memory:b", outcome: "not-started", transitions: [] },
    ]);
    expect(events.at(-1)?.type).toBe("lease.released");
    expect((await backend.read())?.record.releasedAtMs).toBeDefined();
    expect(pauses).toBe(0);
    expect(result.rounds).toBe(1);
  });

  it("ends a pause between rounds at once when its signal aborts", async () => {
    const cloud = new MemoryCloud();
    const stop = new AbortController();

    const result = await reconcile(webField(), {
      signal: stop.signal,
      intervalMs: 3_600_000,
      applyOptions: { providerOptions: cloud.options() },
      onEvent: (event) => {
        if (event.type === "round.end") setImmediate(() => stop.abort());
      },
    });

    expect(result.rounds).toBe(1);
  });
});
