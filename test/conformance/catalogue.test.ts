import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { BUILT_IN_FLAVORS } from "../../src/index.js";
import { AWS_CONFORMANCE, AWS_CONFORMANCE_SHARDS } from "./aws/index.js";
import { CONFORMANCE, UNCOVERED_PROVIDERS } from "./registry.js";
import { shardOf } from "./suite.js";

const entries = Object.entries(BUILT_IN_FLAVORS);
const cloudFlavors = entries
  .filter(([, entry]) => !UNCOVERED_PROVIDERS.includes(entry.provider))
  .map(([flavor, entry]) => [flavor, entry.provider] as const);
const registered = Object.values(CONFORMANCE).flat();

describe("the flavor catalogue", () => {
  it.each(entries)("loads %s, whose class carries that flavor string", async (flavor, entry) => {
    const type = await entry.load();
    expect(type.flavor).toBe(flavor);
  });

  it.each(cloudFlavors)(
    "registers %s in the conformance suite of its provider (%s) with its own class",
    async (flavor, provider) => {
      const specs = (CONFORMANCE[provider] ?? []).filter((spec) => spec.flavor.flavor === flavor);
      expect(specs).toHaveLength(1);
      expect(specs[0]?.flavor).toBe(await BUILT_IN_FLAVORS[flavor]?.load());
    },
  );

  it("registers no flavor the catalogue does not list", () => {
    expect(registered.map((spec) => spec.flavor.flavor).sort()).toEqual(
      cloudFlavors.map(([flavor]) => flavor).sort(),
    );
  });

  it("has one test file per shard, and the shards together register every spec once", async () => {
    const files = (await readdir(new URL(".", import.meta.url))).filter((file) =>
      /^aws-\d+\.test\.ts$/.test(file),
    );
    expect(files).toHaveLength(AWS_CONFORMANCE_SHARDS);
    const registered = Array.from({ length: AWS_CONFORMANCE_SHARDS }, (_, shard) =>
      shardOf(AWS_CONFORMANCE, { shard, shards: AWS_CONFORMANCE_SHARDS }),
    ).flat();
    expect(registered).toHaveLength(AWS_CONFORMANCE.length);
    expect(new Set(registered)).toEqual(new Set(AWS_CONFORMANCE));
  });
});
