import { describe, expect, it } from "vitest";
import { idempotencyToken } from "../../../src/providers/kit/idempotency-token.js";

describe("idempotencyToken", () => {
  const input = { ImageId: "ami-1", InstanceType: "t3.micro" };

  it("is the same for the same identity and input", () => {
    expect(idempotencyToken("ec2_instance:web", input)).toBe(
      idempotencyToken("ec2_instance:web", { ...input }),
    );
  });

  it("differs for another particle or another input", () => {
    const token = idempotencyToken("ec2_instance:web", input);
    expect(idempotencyToken("ec2_instance:api", input)).not.toBe(token);
    expect(idempotencyToken("ec2_instance:web", { ...input, InstanceType: "t3.large" })).not.toBe(
      token,
    );
  });

  it("moves down a chain after resources its tokens were answered with", () => {
    const first = idempotencyToken("ec2_instance:web", input);
    const second = idempotencyToken("ec2_instance:web", input, { after: ["i-1"] });
    const third = idempotencyToken("ec2_instance:web", input, { after: ["i-1", "i-2"] });
    expect(new Set([first, second, third]).size).toBe(3);
    expect(idempotencyToken("ec2_instance:web", input, { after: ["i-1"] })).toBe(second);
  });

  it("fits the API's length limit", () => {
    expect(idempotencyToken("x", input)).toHaveLength(64);
    expect(idempotencyToken("x", input, { maxLength: 32 })).toHaveLength(32);
  });
});
