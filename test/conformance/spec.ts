import type { Particle, ParticleClass, ParticleDefinition } from "../../src/index.js";
import type { EquivalentStates } from "../../src/core/state.js";
import type { ProviderOptions } from "../../src/core/run-context.js";
import type { FaultProxy, OperationNamer } from "../support/fault-proxy.js";

/**
 * What a flavor gives the conformance suite (see `suite.ts`): data and small functions, written
 * once per flavor; the suite turns them into one `describe` with one test per step.
 */

/** A flavor's class, with the statics the suite checks its spec against. */
export type FlavorUnderTest = ParticleClass & {
  readonly equivalentStates: EquivalentStates;
  readonly fixedFields: readonly string[];
  readonly prototype: Particle;
};

/** The live fields a second-client read returns; `undefined` when the resource is gone. */
export type LiveFields = Readonly<Record<string, unknown>>;

/** The steps of the suite, in the order they run. */
export const CONFORMANCE_STEPS = [
  "create",
  "no-op",
  "discover",
  "drift",
  "update",
  "replace-refused",
  "replace",
  "stop-start",
  "terminate",
  "terminate-gone",
  "foreign",
  "adopt",
  "lost-answer",
  "killed-before-tags",
  "census",
] as const;

/** One step of the suite. */
export type ConformanceStep = (typeof CONFORMANCE_STEPS)[number];

/**
 * A step the flavor does not pass yet. The suite then asserts that the step still fails with
 * `failure`, so the gap is seen the day it closes (the test fails and the entry must go).
 */
export interface KnownGap {
  readonly step: ConformanceStep;
  /** Why it fails, in a few words; shown in the test's name. */
  readonly reason: string;
  /** What the step's failure message matches today. */
  readonly failure: RegExp;
}

/** A change made through a definition, and what the second client must then read. */
export interface DefinitionChange {
  /** The changed definition of the particle `label`. */
  readonly definition: (label: string) => ParticleDefinition;
  /** Fields {@link ConformanceSpec.verify} must return after the change (matched as a subset). */
  readonly expected: LiveFields;
}

/** A change to a field fixed at creation. */
export interface FixedChange extends DefinitionChange {
  /** The changed field's path in the resource block (`Path`), as the refusal names it. */
  readonly field: string;
}

/** How the flavor's resource looks stopped and started again, to the second client. */
export interface StoppedForm {
  readonly stopped: LiveFields;
  readonly running: LiveFields;
}

/**
 * The cloud a spec's flavor runs on, as the suite needs it: where the emulator listens, the
 * options of an isolated run, and the two faults it injects (a lost create answer, a run killed
 * the moment its create answered). One per provider: `aws/backend.ts` for moto.
 */
export interface ConformanceBackend {
  /** The server the specs run against, as the reference pages name it (`moto`). */
  readonly emulator: string;
  /** The definition block holding the flavor's fields (`aws_resource`), as refusals name them. */
  readonly resourceBlock: string;
  /** The emulator's endpoint: the fault proxy forwards to it. */
  readonly endpoint: () => string;
  /** Names a request's operation for the fault proxy's rules; default the AWS namer. */
  readonly operationOf?: OperationNamer;
  /** The provider options of the spec's runs, isolated to the spec's test file. */
  readonly providerOptions: (testFileUrl: string) => ProviderOptions;
  /**
   * `options` sending every request to `endpoint` (the fault proxy), with the SDK's retries on
   * as for a user: they are what turns a lost answer into a duplicate.
   */
  readonly throughProxy: (options: ProviderOptions, endpoint: string) => ProviderOptions;
  /**
   * `options` under which the run dies the moment `operation` has answered: `kill` is aborted
   * then, and no later request of the run reaches the cloud. A backend whose SDK offers no hook
   * after an answer may play the kill with `proxy` (see `FaultProxy.killAfter`).
   */
  readonly killedAfter: (
    options: ProviderOptions,
    operation: string,
    kill: AbortController,
    proxy: FaultProxy,
  ) => ProviderOptions;
  /**
   * The provenance tags a resource of the particle `id` in the field `field` carries on this
   * cloud; `undefined` where the provider writes none.
   */
  readonly provenanceOf?: (field: string, id: string) => Readonly<Record<string, string>>;
}

/** A flavor's registration in the conformance suite. */
export interface ConformanceSpec {
  /** The flavor's class. */
  readonly flavor: FlavorUnderTest;
  /** The cloud it runs on. Default: AWS on moto. */
  readonly backend?: ConformanceBackend;
  /** `import.meta.url` of the spec's module: its isolation (moto account) and unique names derive from it. */
  readonly testFileUrl: string;
  /** Runs once before the steps (a VPC for subnets to live in). */
  readonly beforeAll?: () => Promise<void>;
  /** A valid definition of the particle `label`, under a name unique to the spec and label. */
  readonly definition: (label: string) => ParticleDefinition;
  /** Reads the resource of `label` with a second client: its live fields, or `undefined` when gone. */
  readonly verify: (label: string) => Promise<LiveFields | undefined>;
  /** Changes one updatable field of `label`'s resource behind the framework's back. */
  readonly drift: {
    readonly apply: (label: string) => Promise<void>;
    /** The key of {@link ConformanceSpec.verify}'s answer that the drift changes. */
    readonly field: string;
  };
  /** A change that `update` applies in place. */
  readonly update: DefinitionChange;
  /**
   * A change to a field fixed at creation (every flavor with fixed fields must give one), or
   * `"none"`: the suite then asserts that the class fixes no field.
   */
  readonly replace: FixedChange | "none";
  /**
   * How the resource looks stopped, or `"none"` for a flavor whose stopped form is terminated;
   * the suite asserts that this agrees with the class's `equivalentStates`.
   */
  readonly stop: StoppedForm | "none";
  /** Makes `label`'s resource with the second client, without the ownership tag. */
  readonly createForeign: (label: string) => Promise<void>;
  /** The create's operation (`CreateQueue`), as the backend's namer calls it, for the lost answer and the kill. */
  readonly createOperation: string;
  /**
   * False for a flavor whose resources carry no provenance tags (no tags of their own: Route 53
   * record sets, ECS container instances). Default true where the backend names such tags.
   */
  readonly writesProvenance?: false;
  readonly knownGaps?: readonly KnownGap[];
}
