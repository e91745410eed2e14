import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DefinitionError, PcfError, loadField, parseJsonWithComments } from "../../src/index.js";
import { testRegistry } from "../support/registry.js";

// Random definitions, hostile keys and absurd multipliers included: loading either succeeds or
// throws the framework's own error, and never touches Object.prototype.

/** Fixed, so a failure reproduces; fast-check prints the counterexample and its path. */
const SEED = 20_261_203;
const RUNS = 300;

const KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "pcf_name",
  "flavor",
  "parents",
  "children",
  "multiplier",
  "particles",
  "base_particle_config",
  "custom_config",
  "master",
  "desired_state",
  "memory_resource",
  "name",
  "callbacks",
];

const key = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 }));
const text = fc.oneof(
  fc.constantFrom("a", "b", "a-0", "$inherit$memory:a$name", "$inherit$memory:a$__proto__", ""),
  fc.string({ maxLength: 8, unit: "binary" }),
);
const scalar = fc.oneof(
  text,
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

/** An object built from entries, so a "__proto__" key is an own key, as JSON.parse makes it. */
function objectOf(entries: fc.Arbitrary<[string, unknown][]>): fc.Arbitrary<object> {
  return entries.map((pairs) => Object.fromEntries(pairs) as object);
}

const { value: anyValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    objectOf(fc.array(fc.tuple(key, tie("value")), { maxLength: 4 })),
  ),
}));

/** `usual` nine times in ten, else one of `odd`: mostly what a file holds, sometimes hostile. */
function mostly<T>(usual: fc.Arbitrary<T>, ...odd: fc.Arbitrary<T>[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 9 * odd.length, arbitrary: usual },
    ...odd.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
}

const multiplier = mostly<unknown>(
  fc.integer({ min: 1, max: 4 }),
  fc.constantFrom(0, 1000, 1001, 1e9, -1, 2.5, Number.POSITIVE_INFINITY, "3", null, true),
);

const name = mostly<unknown>(
  fc.constantFrom("a", "b", "w", "w-1"),
  fc.constantFrom("x".repeat(254), "a\nb", "\u001b[2J", "\ud800"),
  text,
  fc.integer(),
);

/** A particle definition whose fields are mostly right, plus sometimes one more field. */
const particle = fc
  .record(
    {
      pcf_name: name,
      flavor: mostly(
        fc.constantFrom("memory", "memory_bucket"),
        fc.constantFrom("nope", "quasiparticle"),
      ),
      resourceName: mostly(fc.constantFrom("r1", "r2", "r3", "r4"), text),
      parents: mostly<string[]>(
        fc.constant([]),
        fc.array(fc.constantFrom("memory:a", "memory:w-0", "quasiparticle:q", "bad"), {
          maxLength: 2,
        }),
      ),
      desired_state: mostly(
        fc.constantFrom("running", "stopped", "terminated"),
        fc.constant("sleeping"),
      ),
      extra: mostly<[string, unknown] | null>(fc.constant(null), fc.tuple(key, anyValue)),
    },
    { requiredKeys: ["pcf_name", "flavor", "resourceName", "extra"] },
  )
  .map(({ resourceName, extra, ...fields }) =>
    Object.assign(Object.fromEntries(extra === null ? [] : [extra]), fields, {
      memory_resource: { name: resourceName },
    }),
  );

/** A quasiparticle member: a particle, sometimes multiplied or based on another. */
const member = fc
  .record(
    {
      definition: particle,
      multiplier: mostly<unknown>(fc.constant(undefined), multiplier),
      base_particle_config: mostly<unknown>(
        fc.constant(undefined),
        fc.constantFrom("a", "w", "__proto__"),
      ),
    },
    { requiredKeys: ["definition", "multiplier", "base_particle_config"] },
  )
  .map(({ definition, ...fuse }) => ({
    ...definition,
    ...Object.fromEntries(Object.entries(fuse).filter(([, value]) => value !== undefined)),
  }));

const quasiparticle = fc
  .record(
    {
      pcf_name: name,
      flavor: mostly(
        fc.constantFrom("quasiparticle", "distributed_master_worker"),
        fc.constant("memory"),
      ),
      particles: fc.array(member, { minLength: 1, maxLength: 4 }),
      custom_config: mostly<unknown>(
        fc.constantFrom({ master: "a" }, { master: "w" }),
        fc.constant({ master: "nobody" }),
        anyValue,
      ),
      // Refused outside the members: rare, so most quasiparticles get further.
      multiplier: mostly<unknown>(fc.constant(undefined), multiplier),
    },
    { requiredKeys: ["pcf_name", "flavor", "particles", "custom_config"] },
  )
  .map(({ multiplier: given, ...definition }) =>
    given === undefined ? definition : { ...definition, multiplier: given },
  );

const source = mostly<unknown>(
  fc.array(fc.oneof(particle, quasiparticle), { minLength: 1, maxLength: 4 }),
  particle,
  quasiparticle,
  anyValue,
);

function prototypeKeys(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

/** Passes when `load` resolves or throws a PcfError, and Object.prototype is unchanged. */
async function loadsOrRefuses(load: () => Promise<unknown>): Promise<void> {
  const before = prototypeKeys();
  try {
    await load();
  } catch (error) {
    if (!(error instanceof PcfError)) throw error;
  }
  expect(prototypeKeys()).toEqual(before);
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
}

describe("loadField on random definitions", () => {
  it("loads them or throws a PcfError, never another error", async () => {
    await fc.assert(
      fc.asyncProperty(source, (value) =>
        loadsOrRefuses(() => loadField(value, { registry: testRegistry() })),
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("loads them from JSON text with __proto__ keys, or throws a PcfError", async () => {
    // Every object of the text gets a "__proto__" key first (a brace inside a string may break
    // the JSON: that must be refused as well).
    const json = source.map((value) =>
      JSON.stringify(value)
        .replace(/\{/g, '{"__proto__": {"polluted": true}, ')
        .replace(/, \}/g, "}"),
    );
    await fc.assert(
      fc.asyncProperty(json, (text) =>
        loadsOrRefuses(async () =>
          loadField(parseJsonWithComments(text), { registry: testRegistry() }),
        ),
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("refuses every definition that holds a prototype key, naming its field", async () => {
    const hostile = fc.constantFrom("__proto__", "constructor", "prototype");
    await fc.assert(
      fc.asyncProperty(particle, hostile, async (definition, hostileKey) => {
        const block = Object.fromEntries([
          ["name", "a"],
          [hostileKey, { polluted: true }],
        ]);
        const error = await loadField(
          { ...definition, memory_resource: block },
          { registry: testRegistry() },
        ).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(DefinitionError);
        expect((error as DefinitionError).issues.map((issue) => issue.field)).toContain(
          `memory_resource.${hostileKey}`,
        );
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
