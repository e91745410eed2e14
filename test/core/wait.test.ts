import { describe, expect, it } from "vitest";
import { PcfError, backoffDelayMs, waitFor } from "../../src/index.js";

describe("backoffDelayMs", () => {
  it.each([
    [1, 0, 25],
    [1, 0.999, 50],
    [3, 0, 100],
    [10, 0, 2500],
    [10, 0.999, 4998],
  ])("after attempt %i with random %d waits %d ms", (attempt, random, expected) => {
    expect(backoffDelayMs(attempt, () => random)).toBe(expected);
  });
});

describe("waitFor", () => {
  it("polls at once, then after growing delays, until done", async () => {
    const delays: number[] = [];
    let polls = 0;
    const value = await waitFor(
      async () => ((polls += 1) === 4 ? { done: true, value: "ready" } : { done: false }),
      {
        random: () => 0.5,
        sleep: (ms) => {
          delays.push(ms);
          return Promise.resolve();
        },
      },
    );
    expect(value).toBe("ready");
    expect(delays).toEqual([38, 75, 150]);
  });

  it("ends with WAIT_TIMEOUT when the signal times out", async () => {
    const error = await waitFor(() => Promise.resolve({ done: false }), {
      signal: AbortSignal.timeout(20),
      minDelayMs: 1,
      maxDelayMs: 5,
      description: "x",
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PcfError);
    expect((error as PcfError).code).toBe("WAIT_TIMEOUT");
  });

  it("ends with ABORTED when the caller aborts", async () => {
    const controller = new AbortController();
    const error = await waitFor(
      () => {
        controller.abort();
        return Promise.resolve({ done: false });
      },
      { signal: controller.signal },
    ).catch((caught: unknown) => caught);
    expect((error as PcfError).code).toBe("ABORTED");
  });
});
