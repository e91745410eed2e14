import { describe, expect, it } from "vitest";
import { PcfError, formatIssue, listNames } from "../../src/index.js";

describe("listNames", () => {
  it("names all of a few, and the first three of many with a count", () => {
    expect(listNames(["a", "b", "c", "d"])).toBe("a, b, c, d");
    expect(listNames(["a", "b", "c", "d", "e"])).toBe("a, b, c and 2 more");
    expect(listNames(["a", "b", "c"], 1)).toBe("a and 2 more");
  });
});

describe("formatIssue and describe", () => {
  it("put the location first: file › particle › field", () => {
    expect(
      formatIssue({
        file: "pcf.yml",
        particle: "s3_bucket:logs",
        field: "Bucket",
        message: "required",
      }),
    ).toBe("pcf.yml › s3_bucket:logs › Bucket: required");
    expect(new PcfError("NOT_FOUND", "gone", { particle: "sqs_queue:q" }).describe()).toBe(
      "sqs_queue:q: gone",
    );
  });
});
