import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runPcf, type RunResult } from "./pcf.js";

// Every file in test/fixtures/bad/ is a definition the CLI must refuse before any API call.
// manifest.json says, per file, which class of problem it is and what the one error line must
// name: the particle and the field where the case has them, and a phrase of the message.

const FIXTURES = join(ROOT, "test/fixtures/bad");

interface Expectation {
  readonly class: string;
  readonly particle?: string;
  readonly field?: string;
  readonly mentions?: string;
}

const manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8")) as Record<
  string,
  Expectation
>;
const fixtures = readdirSync(FIXTURES)
  .filter((name) => name !== "manifest.json")
  .sort();

/** Two CLI processes at a time: the machine has two cores. */
const limit = pLimit(2);
let cwd = "";

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "pcf-bad-"));
});

afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** Runs pcf with `--endpoint` at a server of its own that answers 500 and counts the requests. */
async function runCounted(
  args: (endpoint: string) => readonly string[],
): Promise<RunResult & { requests: number }> {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests += 1;
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const result = await runPcf(args(endpoint), {
      cwd,
      env: { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
    });
    return { ...result, requests };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const VERBS = {
  validate: (file: string) => () => ["validate", "-f", file],
  run: (file: string) => (endpoint: string) => [
    "run",
    "-f",
    file,
    "--yes",
    "--region",
    "us-east-1",
    "--endpoint",
    endpoint,
  ],
} as const;

describe("the corpus of bad definition files", () => {
  it("holds at least 60 files, each described by the manifest", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
    expect(fixtures.filter((name) => manifest[name] === undefined)).toEqual([]);
    expect(Object.keys(manifest).filter((name) => !fixtures.includes(name))).toEqual([]);
  });
});

describe.concurrent.each(Object.keys(VERBS) as (keyof typeof VERBS)[])("pcf %s", (verb) => {
  it.each(fixtures)("refuses %s with one clean error line and no request", async (name) => {
    const file = join(FIXTURES, name);
    const expected = manifest[name] ?? { class: "unknown" };

    const { code, stderr, requests } = await limit(() => runCounted(VERBS[verb](file)));

    const lines = stderr.replace(/\n$/, "").split("\n");
    const [error = "", ...rest] = lines;
    expect(code, stderr).toBe(1);
    expect(requests).toBe(0);
    // One error line; the only other line allowed is the CLI's hint.
    expect(error).toMatch(/^error: /);
    expect(rest.filter((line) => !line.startsWith("hint: "))).toEqual([]);
    expect(rest.length).toBeLessThanOrEqual(1);
    expect(stderr).not.toMatch(/^\s+at /m);
    // No raw control character (but the line ends) and no lone surrogate reaches the terminal.
    expect(lines.join("")).not.toMatch(/[\p{Cc}\u2028\u2029\ud800-\udfff]/u);
    expect(error).toContain(`error: ${file}`);
    const location = [file, expected.particle, expected.field].filter(
      (part): part is string => part !== undefined,
    );
    expect(error).toContain(`${location.join(" › ")}: `);
    if (expected.mentions !== undefined) expect(error).toContain(expected.mentions);
  });
});
