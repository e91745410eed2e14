import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApplyError,
  Field,
  Particle,
  applyField,
  fieldToNuke,
  inventory,
  planField,
  type ApplyOptions,
  type ParticleDefinition,
  type ParticleReport,
} from "../../src/index.js";
import { isDeepStrictEqual } from "node:util";
import { createRunContext } from "../../src/core/run-context.js";
import { areStatesEquivalent } from "../../src/core/state.js";
import { readPath } from "../../src/core/values.js";
import { discoverFlavor, type DiscoverableClass } from "../../src/providers/kit/discovery.js";
import type { ProviderOptions } from "../../src/core/run-context.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { awsBackend } from "./aws/backend.js";
import type { ConformanceBackend, ConformanceSpec, ConformanceStep, LiveFields } from "./spec.js";

/**
 * The conformance suite: `registerConformance(spec)` gives a flavor one `describe` with a test
 * per step of its lifecycle, run on its backend's emulator (moto, Azurite, the GCP test server)
 * through the real SDK and checked with a second client.
 * Every apply is planned first, and its transitions must be the plan's.
 */

/** The sentence each step's test is named by, in the order the steps run. */
const STEP_NAMES: Readonly<Record<ConformanceStep, string>> = {
  create: "creates the resource, as a second client sees",
  "no-op": "leaves an unchanged resource unchanged",
  discover: "lists the resource with the others of its kind, as a definition that plans no change",
  drift: "corrects a field changed behind its back",
  update: "updates a changed field in place",
  "replace-refused": "refuses to replace a field fixed at creation, naming the field",
  replace: "replaces the resource for a field fixed at creation when allowed",
  "stop-start": "stops the resource and starts it again",
  terminate: "terminates the resource",
  "terminate-gone": "terminates nothing when the resource is already gone",
  foreign: "refuses to terminate or update a resource it did not create",
  adopt: "adopts a resource it did not create when told, and owns it from then on",
  "lost-answer": "makes no duplicate when a create's answer is lost, and converges on the next run",
  "killed-before-tags":
    "owns on the next run a resource whose creating run was killed after the create",
  census:
    "leaves nothing its field owns once pcf nuke's field has run (the leak census, by inventory)",
};

/** Registers `spec`'s flavor: one `describe(flavor)` with one test per step. */
export function registerConformance(spec: ConformanceSpec): void {
  const flavor = spec.flavor.flavor;
  describe(flavor, () => {
    const run = new StepRunner(spec);
    beforeAll(() => run.setUp());
    afterAll(() => run.tearDown());

    step(spec, "create", () => run.create());
    step(spec, "no-op", () => run.noOp());
    step(spec, "discover", () => run.discover());
    step(spec, "drift", () => run.drift());
    step(spec, "update", () => run.update());
    if (spec.replace === "none") {
      it("fixes no field at creation, as its spec says", () => {
        expect(spec.flavor).toHaveProperty("fixedFields", []);
        expect(overridesFixedDifferences(spec)).toBe(false);
      });
    } else {
      const change = spec.replace;
      step(spec, "replace-refused", () => run.replaceRefused(change));
      step(spec, "replace", () => run.replace(change));
    }
    if (spec.stop === "none") {
      it("has no stopped form, as its spec says", () => {
        expect(hasStoppedForm(spec)).toBe(false);
      });
    } else {
      const form = spec.stop;
      step(spec, "stop-start", async () => {
        expect(hasStoppedForm(spec)).toBe(true);
        await run.stopStart(form);
      });
    }
    step(spec, "terminate", () => run.terminate());
    step(spec, "terminate-gone", () => run.terminateGone());
    step(spec, "foreign", () => run.foreign());
    step(spec, "adopt", () => run.adopt());
    step(spec, "lost-answer", () => run.lostAnswer());
    step(spec, "killed-before-tags", () => run.killedBeforeTags());
    step(spec, "census", () => run.census());
  });
}

/** One test for `name`, or, when the spec lists it as a known gap, a test that it still fails. */
function step(spec: ConformanceSpec, name: ConformanceStep, body: () => Promise<void>): void {
  const gap = spec.knownGaps?.find((entry) => entry.step === name);
  if (gap === undefined) {
    it(STEP_NAMES[name], body);
    return;
  }
  it(`${STEP_NAMES[name]}: still fails, a known gap (${gap.reason})`, async () => {
    await expect(body()).rejects.toThrow(gap.failure);
  });
}

/** The particle the main steps work on, and the one each other step starts from. */
const MAIN = "main";

/** Runs the steps of one spec, on one particle per label. */
class StepRunner {
  private readonly backend: ConformanceBackend;
  private readonly providerOptions: ProviderOptions;
  private proxy: FaultProxy | undefined;
  /** What the second client read after the last change the framework made to `main`. */
  private lastSeen: LiveFields | undefined;
  /** `main`'s definition as last applied: the spec's, its update's, or its replacement's. */
  private current: ParticleDefinition;

  constructor(private readonly spec: ConformanceSpec) {
    this.backend = spec.backend ?? awsBackend;
    this.providerOptions = this.backend.providerOptions(spec.testFileUrl);
    this.current = spec.definition(MAIN);
  }

  async setUp(): Promise<void> {
    this.proxy = await startFaultProxy({
      target: this.backend.endpoint(),
      ...(this.backend.operationOf === undefined ? {} : { operationOf: this.backend.operationOf }),
    });
    await this.spec.beforeAll?.();
  }

  async tearDown(): Promise<void> {
    await this.proxy?.stop();
  }

  async create(): Promise<void> {
    const report = await this.applyAsPlanned(this.spec.definition(MAIN));
    expect(report).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    this.lastSeen = await this.verified(MAIN);
  }

  async noOp(): Promise<void> {
    const report = await this.applyAsPlanned(this.spec.definition(MAIN));
    expect(report).toMatchObject({ outcome: "unchanged", transitions: [], state: "running" });
  }

  async discover(): Promise<void> {
    const context = createRunContext({ providerOptions: this.providerOptions });
    const found = await discoverFlavor(this.spec.flavor as unknown as DiscoverableClass, context);
    expect(found, `${this.spec.flavor.flavor} lists its resources (listAll)`).toBeDefined();
    const wanted = uniqueKeyValues(this.spec, this.spec.definition(MAIN));
    const entry = (found ?? []).find((candidate) =>
      isDeepStrictEqual(uniqueKeyValues(this.spec, candidate.definition), wanted),
    );
    expect(entry, `the resource ${wanted.join("/")} is listed`).toBeDefined();
    if (entry === undefined) return;
    const id = `${this.spec.flavor.flavor}:${MAIN}`;
    const provenance =
      this.spec.writesProvenance === false
        ? undefined
        : this.backend.provenanceOf?.(CONFORMANCE_FIELD, id);
    if (provenance !== undefined) expect(entry.tags).toMatchObject(provenance);
    const plan = await planField(new Field([new this.spec.flavor(entry.definition)]).link(), {
      providerOptions: this.providerOptions,
    });
    expect(
      plan.particles.map(({ transitions, differences }) => ({ transitions, differences })),
    ).toEqual([{ transitions: [], differences: [] }]);
  }

  async drift(): Promise<void> {
    const { field } = this.spec.drift;
    const before = this.lastSeen ?? (await this.verified(MAIN));
    await this.spec.drift.apply(MAIN);
    expect((await this.verified(MAIN))[field]).not.toEqual(before[field]);
    const report = await this.applyAsPlanned(this.spec.definition(MAIN));
    expect(report).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect((await this.verified(MAIN))[field]).toEqual(before[field]);
  }

  async update(): Promise<void> {
    this.current = this.spec.update.definition(MAIN);
    const report = await this.applyAsPlanned(this.current);
    expect(report).toMatchObject({ outcome: "converged", transitions: ["update"] });
    this.lastSeen = await this.verified(MAIN);
    expect(this.lastSeen).toMatchObject(this.spec.update.expected);
  }

  async replaceRefused(change: ConformanceSpec["replace"] & object): Promise<void> {
    const definition = change.definition(MAIN);
    const field = `${this.backend.resourceBlock}.${change.field}`;
    const plan = await planField(fieldOf(this.spec, definition), {
      providerOptions: this.providerOptions,
    });
    expect(plan.particles[0]).toMatchObject({
      transitions: [],
      refusal: { code: "REPLACE_REFUSED", where: { field } },
    });
    const error = await rejectionOf(
      applyField(fieldOf(this.spec, definition), { providerOptions: this.providerOptions }),
    );
    expect(error.result.particles[0]?.error).toMatchObject({
      code: "REPLACE_REFUSED",
      where: { field },
    });
    expect(await this.verified(MAIN)).toEqual(this.lastSeen);
  }

  async replace(change: ConformanceSpec["replace"] & object): Promise<void> {
    const definition = change.definition(MAIN);
    const report = await this.applyAsPlanned(definition, {
      allowReplace: [String(definition.pcf_name)],
    });
    expect(report).toMatchObject({ outcome: "converged", transitions: ["terminate", "start"] });
    this.lastSeen = await this.verified(MAIN);
    expect(this.lastSeen).toMatchObject(change.expected);
    this.current = definition;
  }

  async stopStart(form: ConformanceSpec["stop"] & object): Promise<void> {
    const definition = this.current;
    const stopped = await this.applyAsPlanned(definition, { desiredState: "stopped" });
    expect(stopped).toMatchObject({
      outcome: "converged",
      transitions: ["stop"],
      state: "stopped",
    });
    expect(await this.verified(MAIN)).toMatchObject(form.stopped);
    const started = await this.applyAsPlanned(definition);
    expect(started).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    expect(await this.verified(MAIN)).toMatchObject(form.running);
  }

  async terminate(): Promise<void> {
    const report = await this.applyAsPlanned(this.current, { desiredState: "terminated" });
    expect(report).toMatchObject({
      outcome: "converged",
      transitions: ["terminate"],
      state: "terminated",
    });
    expect(await this.spec.verify(MAIN)).toBeUndefined();
  }

  async terminateGone(): Promise<void> {
    const report = await this.applyAsPlanned(this.current, { desiredState: "terminated" });
    expect(report).toMatchObject({ outcome: "unchanged", transitions: [], state: "terminated" });
  }

  async foreign(): Promise<void> {
    const label = "foreign";
    await this.spec.createForeign(label);
    const before = await this.verified(label);
    const terminate = await rejectionOf(
      applyField(fieldOf(this.spec, this.spec.definition(label)), {
        providerOptions: this.providerOptions,
        desiredState: "terminated",
      }),
    );
    expect(terminate.message).toMatch(/refusing to terminate: .*custom_config\.adopt: true/);
    const update = await rejectionOf(
      applyField(fieldOf(this.spec, this.spec.update.definition(label)), {
        providerOptions: this.providerOptions,
      }),
    );
    expect(update.message).toMatch(/refusing to update/);
    expect(await this.verified(label)).toEqual(before);
  }

  async adopt(): Promise<void> {
    const label = "adopted";
    await this.spec.createForeign(label);
    const plan = await planField(fieldOf(this.spec, this.spec.definition(label)), {
      providerOptions: this.providerOptions,
      desiredState: "terminated",
    });
    expect(plan.particles[0]?.note).toContain(`pcf apply --adopt ${label}`);
    // Adopting marks the resource as ours: a later run, not told again, may remove it.
    const adopted = await this.applyAsPlanned(this.spec.definition(label), { adopt: [label] });
    expect(adopted).toMatchObject({ state: "running", transitions: ["update"] });
    const terminated = await this.applyAsPlanned(this.spec.definition(label), {
      desiredState: "terminated",
    });
    expect(terminated).toMatchObject({ outcome: "converged", transitions: ["terminate"] });
    expect(await this.spec.verify(label)).toBeUndefined();
  }

  async lostAnswer(): Promise<void> {
    const label = "lost";
    const proxy = this.faultProxy();
    const operation = this.spec.createOperation;
    proxy.setRules([{ operation, fault: { kind: "drop", when: "after" }, times: 1 }]);
    const report = await this.applyAsPlanned(this.spec.definition(label), {
      providerOptions: this.backend.throughProxy(this.providerOptions, proxy.endpoint),
    });
    expect(proxy.injected.get(operation)).toBe(1);
    expect(report).toMatchObject({ outcome: "converged", state: "running" });
    await this.verified(label);
    const again = await this.applyAsPlanned(this.spec.definition(label));
    expect(again).toMatchObject({ outcome: "unchanged", transitions: [] });
  }

  async killedBeforeTags(): Promise<void> {
    const label = "killed";
    const kill = new AbortController();
    // The run dies the moment the create has answered: nothing after it reaches the cloud.
    const providerOptions = this.backend.killedAfter(
      this.providerOptions,
      this.spec.createOperation,
      kill,
      this.faultProxy(),
    );
    const definition = this.spec.definition(label);
    await rejectionOf(
      applyField(fieldOf(this.spec, definition), {
        providerOptions,
        signal: kill.signal,
      }),
    );
    expect(kill.signal.aborted).toBe(true);
    await this.verified(label);
    const next = await this.applyAsPlanned(definition);
    expect(next).toMatchObject({ state: "running" });
    const terminated = await this.applyAsPlanned(definition, { desiredState: "terminated" });
    expect(terminated).toMatchObject({ outcome: "converged", transitions: ["terminate"] });
    expect(await this.spec.verify(label)).toBeUndefined();
  }

  /**
   * What every step left that the suite's field owns (the lost answer's resource, at least) is
   * terminated from its tags alone, as `pcf nuke` does; the inventory then finds none.
   */
  async census(): Promise<void> {
    const options = { flavors: [this.spec.flavor.flavor], providerOptions: this.providerOptions };
    const { field, inventory: found } = await fieldToNuke(CONFORMANCE_FIELD, options);
    // A flavor whose listing failed has no census: its error is the step's.
    const [failure] = found.failures;
    if (failure !== undefined) throw failure.error;
    const result = await applyField(field, {
      providerOptions: this.providerOptions,
      desiredState: "terminated",
    });
    expect(result.ok).toBe(true);
    const left = await inventory({ ...options, field: CONFORMANCE_FIELD });
    expect(left.resources.map((resource) => resource.key)).toEqual([]);
  }

  /**
   * Plans `definition`, then applies it with the same options: the report of its particle, whose
   * transitions must be those of the plan.
   */
  private async applyAsPlanned(
    definition: ParticleDefinition,
    options: Pick<ApplyOptions, "desiredState" | "allowReplace" | "adopt" | "providerOptions"> = {},
  ): Promise<ParticleReport | undefined> {
    const runOptions = { providerOptions: this.providerOptions, ...options };
    const plan = await planField(fieldOf(this.spec, definition), runOptions);
    const result = await applyField(fieldOf(this.spec, definition), runOptions);
    expect(result.particles.map((report) => report.transitions)).toEqual(
      plan.particles.map((entry) => entry.transitions),
    );
    return result.particles[0];
  }

  /** The second client's read of `label`, which must find the resource. */
  private async verified(label: string): Promise<LiveFields> {
    const fields = await this.spec.verify(label);
    expect(fields, `${label} exists`).toBeDefined();
    return fields ?? {};
  }

  private faultProxy(): FaultProxy {
    if (this.proxy === undefined) throw new Error("the fault proxy did not start");
    return this.proxy;
  }
}

/** The name of every field the suite applies, so each step runs with the provenance tags written. */
export const CONFORMANCE_FIELD = "conformance";

/** A field of one particle of the spec's flavor. */
function fieldOf(spec: ConformanceSpec, definition: ParticleDefinition): Field {
  return new Field([new spec.flavor(definition)], { name: CONFORMANCE_FIELD }).link();
}

/** The unique-key values of a definition, compared as the clouds list names (no final dot, any case). */
function uniqueKeyValues(spec: ConformanceSpec, definition: ParticleDefinition): string[] {
  return spec.flavor.uniqueKeys.map((path) =>
    String(readPath(definition, path)).replace(/\.$/, "").toLowerCase(),
  );
}

/** The `ApplyError` that `promise` must reject with. */
async function rejectionOf(promise: Promise<unknown>): Promise<ApplyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApplyError);
  return error as ApplyError;
}

function hasStoppedForm(spec: ConformanceSpec): boolean {
  return !areStatesEquivalent(spec.flavor.equivalentStates, "stopped", "terminated");
}

function overridesFixedDifferences(spec: ConformanceSpec): boolean {
  return spec.flavor.prototype.fixedDifferences !== Particle.prototype.fixedDifferences;
}

/** Which part of a spec list a test file registers. */
export interface ShardOptions {
  /** This file's part, from 0. */
  readonly shard: number;
  /** How many files share the list. */
  readonly shards: number;
}

/**
 * The specs of `specs` that one of `shards` test files registers, every `shards`-th from
 * `shard`: files running on separate workers together register every spec exactly once.
 */
export function shardOf<T>(specs: readonly T[], options: ShardOptions): T[] {
  return specs.filter((_, index) => index % options.shards === options.shard);
}
