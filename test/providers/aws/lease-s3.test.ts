import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LeaseHeldError,
  acquireLease,
  openLeaseBackend,
  unlockLease,
  type Lease,
  type LeaseBackend,
  type LeaseHolderIdentity,
  type PcfError,
} from "../../../src/index.js";
import { s3LeaseBackend } from "../../../src/providers/aws/lease-s3.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";

const s3 = verificationClient(S3Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);
const bucket = uniqueName(import.meta.url, "locks");
const backends: LeaseBackend[] = [];
const leases: Lease[] = [];
let keys = 0;

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  await Promise.all(leases.map((lease) => lease.release().catch(() => undefined)));
  for (const backend of backends) backend.close?.();
  s3.destroy();
});

function backendFor(key: string): LeaseBackend {
  const backend = s3LeaseBackend({ bucket, key, providerOptions });
  backends.push(backend);
  return backend;
}

function newKey(): string {
  keys += 1;
  return `app-${keys}.lock`;
}

function someone(pid: number): LeaseHolderIdentity {
  return { owner: `alice@${hostname()} pid ${pid}`, host: hostname(), pid };
}

async function take(
  backend: LeaseBackend,
  options: Parameters<typeof acquireLease>[1] = {},
): Promise<Lease> {
  const lease = await acquireLease(backend, options);
  leases.push(lease);
  return lease;
}

async function storedRecord(key: string): Promise<Record<string, unknown>> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await response.Body?.transformToString()) ?? "") as Record<string, unknown>;
}

describe("s3LeaseBackend on moto", () => {
  it("writes the lease record as a JSON object", async () => {
    const key = newKey();

    const lease = await take(backendFor(key));

    expect(await storedRecord(key)).toMatchObject({ pid: process.pid, token: 1 });
    expect(lease.location).toBe(`s3://${bucket}/${key}`);
  });

  it("refuses a second acquirer while the lease is held", async () => {
    const key = newKey();
    await take(backendFor(key), { holder: someone(4242) });

    await expect(take(backendFor(key))).rejects.toBeInstanceOf(LeaseHeldError);
  });

  it("lets exactly one of 10 concurrent acquirers win", async () => {
    const key = newKey();

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) =>
        take(backendFor(key), { holder: someone(1000 + index) }),
      ),
    );

    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
  });

  it("lets exactly one of 10 concurrent acquirers take over an expired lease", async () => {
    const key = newKey();
    let nowMs = 1_000_000;
    const now = (): number => nowMs;
    await take(backendFor(key), { now, ttlMs: 30_000, holder: someone(4242) });
    nowMs += 30_000;

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) =>
        take(backendFor(key), { now, holder: someone(index + 1) }),
      ),
    );

    const won = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    expect(won.map((lease) => lease.token)).toEqual([2]);
    expect(await storedRecord(key)).toMatchObject({ token: 2, pid: won[0]?.holder.pid });
  });

  it("renews with If-Match, and a holder that lost the lease learns it on renewal", async () => {
    const key = newKey();
    let nowMs = 1_000_000;
    const now = (): number => nowMs;
    const lease = await take(backendFor(key), { now, ttlMs: 30_000 });
    await lease.renew();
    nowMs += 30_000;
    await take(backendFor(key), { now, holder: someone(4242) });

    const error = (await lease.renew().catch((caught: unknown) => caught)) as PcfError;

    expect(error.code).toBe("LEASE_LOST");
    await expect(lease.beforeMutation()).rejects.toMatchObject({ code: "LEASE_LOST" });
  });

  it("keeps the token when released, so the next holder's is larger", async () => {
    const key = newKey();
    const first = await take(backendFor(key));
    await first.release();

    const second = await take(backendFor(key));

    expect(second.token).toBe(2);
  });

  it("is freed by unlockLease with force", async () => {
    const key = newKey();
    await take(backendFor(key), { holder: someone(4242) });

    const result = await unlockLease(backendFor(key), { force: true });

    expect(result.outcome).toBe("released");
    expect((await take(backendFor(key))).token).toBe(2);
  });

  it("is what openLeaseBackend makes of an s3:// location", async () => {
    const key = newKey();
    const backend = await openLeaseBackend(`s3://${bucket}/${key}`, { providerOptions });
    backends.push(backend);

    await take(backend);

    expect(await storedRecord(key)).toMatchObject({ token: 1 });
  });
});
