import { describe, expect, it } from "vitest";
import { describeError } from "../../src/cli/errors.js";
import { ApplyError, PcfError, type ParticleReport } from "../../src/index.js";

function failed(particle: string, error: PcfError): ParticleReport {
  return { particle, outcome: "failed", transitions: [], state: undefined, ms: 0, error };
}

describe("describeError", () => {
  it("lists an error shared by a batch of particles once", () => {
    const batch = new PcfError("TRANSITION_FAILED", "list queues failed: throttled", {
      particle: "sqs_queue:a, sqs_queue:b",
    });
    const own = new PcfError("TRANSITION_FAILED", "bucket name taken", { particle: "s3_bucket:c" });
    const error = new ApplyError("APPLY_FAILED", {
      ok: false,
      ms: 0,
      particles: [
        failed("sqs_queue:a", batch),
        failed("sqs_queue:b", batch),
        failed("s3_bucket:c", own),
      ],
    });

    const { headline, details } = describeError(error);

    expect(headline).toBe("3 of 3 particles failed");
    expect(details).toEqual([
      "sqs_queue:a, sqs_queue:b: list queues failed: throttled",
      "s3_bucket:c: bucket name taken",
    ]);
  });
});
