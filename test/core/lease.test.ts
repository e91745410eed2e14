import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import {
  Field,
  LeaseHeldError,
  PcfError,
  acquireLease,
  applyField,
  fileLeaseBackend,
  readLeaseHolder,
  unlockLease,
  waitFor,
  type AcquireLeaseOptions,
  Lease,
  type LeaseBackend,
  type LeaseHolderIdentity,
} from "../../src/index.js";
import { MemoryCloud, MemoryParticle, memory } from "../support/memory-particle.js";

const TTL_MS = 30_000;
const folders: string[] = [];
const leases: Lease[] = [];

afterAll(async () => {
  await Promise.all(leases.map((lease) => lease.release().catch(() => undefined)));
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function newBackend(): Promise<LeaseBackend> {
  const dir = await mkdtemp(join(tmpdir(), "pcf-lease-"));
  folders.push(dir);
  return fileLeaseBackend(join(dir, ".pcf.lock"));
}

/** A wall clock the test moves by hand. */
function manualClock(startMs = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (ms) => void (nowMs += ms) };
}

function someone(pid: number): LeaseHolderIdentity {
  return { owner: `alice@${hostname()} pid ${pid}`, host: hostname(), pid };
}

async function take(backend: LeaseBackend, options: AcquireLeaseOptions = {}): Promise<Lease> {
  const lease = await acquireLease(backend, { ttlMs: TTL_MS, ...options });
  leases.push(lease);
  return lease;
}

async function caught(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("acquireLease", () => {
  it("writes a record naming this process, its expiry and token 1", async () => {
    const backend = await newBackend();
    const clock = manualClock();

    const lease = await take(backend, { now: clock.now });

    const stored = await backend.read();
    expect(stored?.record).toEqual({
      owner: expect.stringContaining(`pid ${process.pid}`) as unknown,
      host: hostname(),
      pid: process.pid,
      acquiredAtMs: clock.now(),
      expiresAtMs: clock.now() + TTL_MS,
      token: 1,
    });
    expect(lease.token).toBe(1);
  });

  it("refuses a held lease at once, naming the holder, its age and token", async () => {
    const backend = await newBackend();
    const clock = manualClock();
    await take(backend, { now: clock.now, holder: someone(4242) });
    clock.advance(12_000);

    const error = await caught(take(backend, { now: clock.now }));

    expect(error).toBeInstanceOf(LeaseHeldError);
    expect((error as LeaseHeldError).code).toBe("LEASE_HELD");
    expect((error as LeaseHeldError).message).toBe(
      `locked by alice@${hostname()} pid 4242 for 12 s (token 1)`,
    );
  });

  it("takes over an expired lease with the next token", async () => {
    const backend = await newBackend();
    const clock = manualClock();
    await take(backend, { now: clock.now, holder: someone(4242) });
    clock.advance(TTL_MS);

    const lease = await take(backend, { now: clock.now });

    expect(lease.token).toBe(2);
    expect((await backend.read())?.record.pid).toBe(process.pid);
  });

  it("increases the token with every acquisition", async () => {
    const backend = await newBackend();
    const tokens: number[] = [];
    for (let run = 0; run < 4; run += 1) {
      const lease = await take(backend);
      tokens.push(lease.token);
      await lease.release();
    }

    expect(tokens).toEqual([1, 2, 3, 4]);
  });

  it("is free for the next run once released", async () => {
    const backend = await newBackend();
    const first = await take(backend, { holder: someone(4242) });

    await first.release();

    expect(await readLeaseHolder(backend)).toBeUndefined();
    expect((await take(backend)).token).toBe(2);
  });

  it("waits for a held lease and takes it once it is released", async () => {
    const backend = await newBackend();
    const holder = await take(backend, { holder: someone(4242) });
    const waitedFor: number[] = [];

    const lease = await take(backend, {
      waitMs: 60_000,
      onWait: (record) => waitedFor.push(record.pid),
      sleep: () => holder.release(),
    });

    expect(waitedFor).toEqual([4242]);
    expect(lease.token).toBe(2);
  });

  it("gives up waiting once waitMs has passed", async () => {
    const backend = await newBackend();
    const clock = manualClock();
    await take(backend, { now: clock.now, holder: someone(4242) });
    const delays: number[] = [];

    const error = await caught(
      take(backend, {
        now: clock.now,
        waitMs: 5_000,
        random: () => 0.5,
        sleep: (ms) => {
          delays.push(ms);
          clock.advance(ms);
          return Promise.resolve();
        },
      }),
    );

    expect(error).toBeInstanceOf(LeaseHeldError);
    expect(delays.reduce((sum, ms) => sum + ms, 0)).toBe(5_000);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);
  });

  it("ends a wait with ABORTED when its signal aborts", async () => {
    const backend = await newBackend();
    await take(backend, { holder: someone(4242) });
    const controller = new AbortController();

    const error = await caught(
      take(backend, {
        waitMs: 60_000,
        signal: controller.signal,
        onWait: () => controller.abort(),
      }),
    );

    expect(error).toBeInstanceOf(PcfError);
    expect((error as PcfError).code).toBe("ABORTED");
  });
});

describe("Lease", () => {
  it("renews its expiry, so that a later acquirer is still refused", async () => {
    const backend = await newBackend();
    const clock = manualClock();
    const lease = await take(backend, { now: clock.now });
    clock.advance(20_000);

    await lease.renew();
    clock.advance(20_000);

    expect((await backend.read())?.record.expiresAtMs).toBe(clock.now() - 20_000 + TTL_MS);
    await expect(take(backend, { now: clock.now })).rejects.toBeInstanceOf(LeaseHeldError);
    expect(() => lease.check()).not.toThrow();
  });

  it("retries a renewal the backend refused while the record stayed its own", async () => {
    const backend = await newBackend();
    let refusals = 1;
    const flaky: LeaseBackend = {
      location: backend.location,
      read: (options) => backend.read(options),
      write: (record, options) =>
        refusals-- > 0 ? Promise.resolve(undefined) : backend.write(record, options),
    };
    const clock = manualClock();
    const lease = await take(backend, { now: clock.now });
    const renewing = new Lease(
      flaky,
      { record: lease.holder, version: "1" },
      {
        ttlMs: TTL_MS,
        renewEveryMs: TTL_MS,
        now: clock.now,
      },
    );
    leases.push(renewing);
    clock.advance(10_000);

    await renewing.renew();

    expect((await backend.read())?.record.expiresAtMs).toBe(clock.now() + TTL_MS);
  });

  it("renews itself on a heartbeat", async () => {
    const backend = await newBackend();
    const lease = await take(backend, { ttlMs: 60_000, renewEveryMs: 10 });
    const firstExpiryMs = lease.holder.expiresAtMs;

    const renewed = await waitFor(
      async () => {
        const stored = await backend.read();
        const expiresAtMs = stored?.record.expiresAtMs ?? 0;
        return expiresAtMs > firstExpiryMs ? { done: true, value: expiresAtMs } : { done: false };
      },
      { signal: AbortSignal.timeout(10_000), minDelayMs: 5, maxDelayMs: 50 },
    );

    expect(renewed).toBeGreaterThan(firstExpiryMs);
    expect(lease.token).toBe(1);
  });

  it("fails its hook with LEASE_LOST once another run took it over", async () => {
    const backend = await newBackend();
    const clock = manualClock();
    const lease = await take(backend, { now: clock.now });
    const otherClock = manualClock(clock.now() + TTL_MS);
    await take(backend, { now: otherClock.now, holder: someone(4242) });

    const renewal = await caught(lease.renew());

    expect((renewal as PcfError).code).toBe("LEASE_LOST");
    expect((renewal as PcfError).message).toContain(`taken over by alice@${hostname()} pid 4242`);
    await expect(lease.beforeMutation()).rejects.toMatchObject({ code: "LEASE_LOST" });
  });

  it("fails its hook with LEASE_LOST once it expired unrenewed", async () => {
    const backend = await newBackend();
    const clock = manualClock();
    const lease = await take(backend, { now: clock.now });
    await expect(lease.beforeMutation()).resolves.toBeUndefined();

    clock.advance(TTL_MS);

    await expect(lease.beforeMutation()).rejects.toMatchObject({ code: "LEASE_LOST" });
  });

  it("leaves a lease it lost to its new holder when released", async () => {
    const backend = await newBackend();
    const clock = manualClock();
    const lease = await take(backend, { now: clock.now });
    const otherClock = manualClock(clock.now() + TTL_MS);
    await take(backend, { now: otherClock.now, holder: someone(4242) });
    await caught(lease.renew());

    await lease.release();

    expect((await readLeaseHolder(backend, { now: otherClock.now }))?.pid).toBe(4242);
  });

  it("stops the engine from starting transitions once lost", async () => {
    const backend = await newBackend();
    const clock = manualClock();
    const lease = await take(backend, { now: clock.now });
    clock.advance(TTL_MS);
    const cloud = new MemoryCloud();
    const field = new Field([
      new MemoryParticle(memory("vpc")),
      new MemoryParticle(memory("subnet", { parents: ["memory:vpc"] })),
    ]).link();

    const error = await caught(
      applyField(field, { providerOptions: cloud.options(), beforeMutation: lease.beforeMutation }),
    );

    expect(error).toBeInstanceOf(PcfError);
    expect(cloud.log).toEqual([]);
    expect(cloud.resources.size).toBe(0);
  });

  it("lets the engine run while held", async () => {
    const backend = await newBackend();
    const lease = await take(backend);
    const cloud = new MemoryCloud();
    const field = new Field([new MemoryParticle(memory("vpc"))]).link();

    await applyField(field, {
      providerOptions: cloud.options(),
      beforeMutation: lease.beforeMutation,
    });

    expect(cloud.log).toEqual(["vpc:start"]);
  });
});

describe("unlockLease", () => {
  it("frees the lease of a holder on this host whose process is gone", async () => {
    const backend = await newBackend();
    await take(backend, { holder: someone(4242) });

    const result = await unlockLease(backend, { isProcessAlive: () => false });

    expect(result.outcome).toBe("released");
    expect(result.holder?.pid).toBe(4242);
    expect((await take(backend)).token).toBe(2);
  });

  it("refuses a holder that may be alive without force", async () => {
    const backend = await newBackend();
    await take(backend, { holder: someone(4242) });

    const error = await caught(unlockLease(backend, { isProcessAlive: () => true }));

    expect(error).toBeInstanceOf(LeaseHeldError);
    expect((await readLeaseHolder(backend))?.pid).toBe(4242);
  });

  it("frees a live holder's lease with force, and that holder's next mutation fails", async () => {
    const backend = await newBackend();
    const lease = await take(backend);

    const result = await unlockLease(backend, { force: true });
    const renewal = await caught(lease.renew());

    expect(result.outcome).toBe("released");
    expect((renewal as PcfError).code).toBe("LEASE_LOST");
    await expect(lease.beforeMutation()).rejects.toMatchObject({ code: "LEASE_LOST" });
  });

  it("reports a lease nobody holds as free", async () => {
    const backend = await newBackend();

    expect(await unlockLease(backend)).toEqual({ outcome: "free", holder: undefined });
  });
});

describe("fileLeaseBackend", () => {
  it("lets exactly one of 20 concurrent acquirers in one process win", async () => {
    const backend = await newBackend();

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        take(fileLeaseBackend(backend.location), { holder: someone(1000 + index) }),
      ),
    );

    const won = results.filter((result) => result.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const result of results)
      if (result.status === "rejected") expect(result.reason).toBeInstanceOf(LeaseHeldError);
  });

  it("lets exactly one of 10 concurrent acquirers take over an expired lease", async () => {
    const backend = await newBackend();
    const clock = manualClock();
    await take(backend, { now: clock.now, holder: someone(4242) });
    clock.advance(TTL_MS);

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) =>
        take(fileLeaseBackend(backend.location), { now: clock.now, holder: someone(index + 1) }),
      ),
    );

    const won = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    expect(won.map((lease) => lease.token)).toEqual([2]);
  });

  it("lets exactly one of a renewal and a takeover racing for an expired lease succeed", async () => {
    for (let round = 0; round < 10; round += 1) {
      const backend = await newBackend();
      const clock = manualClock();
      const holder = await take(backend, { now: clock.now });
      // The holder was paused past its expiry; it wakes as another run comes for the lease.
      clock.advance(TTL_MS);

      const [renewal, takeover] = await Promise.allSettled([
        holder.renew(),
        take(fileLeaseBackend(backend.location), { now: clock.now, holder: someone(4242) }),
      ]);

      expect([renewal.status, takeover.status].sort()).toEqual(["fulfilled", "rejected"]);
    }
  });

  it("refuses a write from a revision long since pruned", async () => {
    const backend = await newBackend();
    const first = await take(backend, { holder: someone(4242) });
    const stale = await backend.read();
    await first.renew();
    await first.renew();

    const written = await backend.write(
      { ...first.holder, owner: "mallory@elsewhere pid 1", token: 2 },
      { expectedVersion: stale?.version },
    );

    expect(written).toBeUndefined();
    expect((await backend.read())?.record.token).toBe(1);
  });

  it("keeps only the current revision in its folder", async () => {
    const backend = await newBackend();
    const lease = await take(backend);
    for (let beat = 0; beat < 5; beat += 1) await lease.renew();

    expect(await readdir(backend.location)).toEqual(["6.json"]);
  });

  it("reports a folder holding no lease record as LEASE_INVALID", async () => {
    const backend = await newBackend();
    await take(backend);
    await writeFile(join(backend.location, "9.json"), "not json");

    const error = await caught(backend.read());

    expect((error as PcfError).code).toBe("LEASE_INVALID");
  });

  it("lets exactly one of 4 processes racing for the lease win", async () => {
    const backend = await newBackend();
    const contenders = Array.from({ length: 4 }, () =>
      spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(import.meta.dirname, "fixtures/lease-contender.ts"),
          backend.location,
        ],
        { stdio: ["pipe", "pipe", "inherit"] },
      ),
    );
    const outputs = contenders.map((child) =>
      createInterface({ input: child.stdout })[Symbol.asyncIterator](),
    );
    const exited = contenders.map(
      (child) => new Promise<number | null>((resolve) => child.once("exit", resolve)),
    );

    for (const lines of outputs) expect((await lines.next()).value).toBe("ready");
    for (const child of contenders) child.stdin.write("go\n");
    const results = await Promise.all(
      outputs.map(
        async (lines) =>
          JSON.parse(String((await lines.next()).value)) as { won: boolean; holder?: number },
      ),
    );
    for (const child of contenders) child.stdin.end();

    const winners = results.filter((result) => result.won);
    expect(winners).toHaveLength(1);
    const winnerPid = contenders[results.findIndex((result) => result.won)]?.pid;
    for (const result of results) if (!result.won) expect(result.holder).toBe(winnerPid);
    expect(await Promise.all(exited)).toEqual([0, 0, 0, 0]);
    expect(await readLeaseHolder(backend)).toBeUndefined();
  });
});
