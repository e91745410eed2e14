import { describe, expect, it } from "vitest";
import { createRetryBudget, type RetryGrant } from "../../../src/providers/kit/retry-budget.js";

/** A call that fails `failures` times with `error`, then returns "ok". */
function flaky(failures: number, error: unknown = new Error("throttled")) {
  let calls = 0;
  const call = (): Promise<string> => {
    calls += 1;
    return calls <= failures ? Promise.reject(error) : Promise.resolve("ok");
  };
  return { call, calls: () => calls };
}

const slept: number[] = [];
const budgetOptions = {
  random: () => 0.5,
  sleep: (ms: number) => {
    slept.push(ms);
    return Promise.resolve();
  },
};
const throttled = (): string => "throttled";

describe("createRetryBudget", () => {
  it("retries a retryable failure with growing delays and reports each retry", async () => {
    slept.length = 0;
    const grants: RetryGrant[] = [];
    const budget = createRetryBudget(budgetOptions);
    const { call, calls } = flaky(3);
    const value = await budget.run(call, {
      scope: "aws:sqs:us-east-1",
      classify: throttled,
      onRetry: (grant) => grants.push(grant),
    });
    expect(value).toBe("ok");
    expect(calls()).toBe(4);
    expect(slept).toEqual([150, 300, 600]);
    expect(grants.map((grant) => [grant.attempt, grant.reason])).toEqual([
      [1, "throttled"],
      [2, "throttled"],
      [3, "throttled"],
    ]);
    expect(budget.spent().get("aws:sqs:us-east-1")).toBe(3);
  });

  it("does not retry a failure its classifier refuses", async () => {
    const budget = createRetryBudget(budgetOptions);
    const refusal = new Error("AccessDenied");
    const { call, calls } = flaky(1, refusal);
    await expect(budget.run(call, { scope: "s", classify: () => undefined })).rejects.toBe(refusal);
    expect(calls()).toBe(1);
  });

  it("gives one call at most its rounds", async () => {
    const budget = createRetryBudget({ ...budgetOptions, retriesPerCall: 2 });
    const { call, calls } = flaky(5);
    await expect(budget.run(call, { scope: "s", classify: throttled })).rejects.toThrow(
      "throttled",
    );
    expect(calls()).toBe(3);
  });

  it("fails at once once its scope's retries are spent, and leaves other scopes theirs", async () => {
    const budget = createRetryBudget({ ...budgetOptions, retriesPerScope: 3 });
    await budget.run(flaky(3).call, { scope: "aws:ec2:us-east-1", classify: throttled });
    const spent = flaky(1);
    await expect(
      budget.run(spent.call, { scope: "aws:ec2:us-east-1", classify: throttled }),
    ).rejects.toThrow("throttled");
    expect(spent.calls()).toBe(1);
    const other = flaky(1);
    await expect(
      budget.run(other.call, { scope: "aws:ec2:eu-west-1", classify: throttled }),
    ).resolves.toBe("ok");
  });
});
