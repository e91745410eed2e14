import { describe, expect, it } from "vitest";
import { PcfError, backoffDelayMs, deadlineSignal, waitFor } from "../../src/index.js";

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

describe("deadlineSignal", () => {
  it("aborts with a TimeoutError once the time has passed", async () => {
    const deadline = deadlineSignal(undefined, 5);
    await new Promise((resolve) => deadline.signal.addEventListener("abort", resolve));
    expect((deadline.signal.reason as DOMException).name).toBe("TimeoutError");
    deadline.dispose();
  });

  it("follows its parent's abort and reason", () => {
    const parent = new AbortController();
    const deadline = deadlineSignal(parent.signal, undefined);
    parent.abort("stop");
    expect(deadline.signal.reason).toBe("stop");
  });

  it("never fires after dispose", () => {
    const parent = new AbortController();
    const deadline = deadlineSignal(parent.signal, 1_000);
    deadline.dispose();
    parent.abort();
    expect(deadline.signal.aborted).toBe(false);
  });

  it("takes a listener per request in flight without Node's leak warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on("warning", onWarning);
    const deadline = deadlineSignal(undefined, undefined);
    for (let request = 0; request < 50; request += 1)
      deadline.signal.addEventListener("abort", () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    process.off("warning", onWarning);
    deadline.dispose();

    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });
});
