import { GetUserPolicyCommand, ListUserPoliciesCommand } from "@aws-sdk/client-iam";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApplyError,
  Field,
  applyField,
  planField,
  type ApplyOptions,
  type DesiredState,
  type ParticleDefinition,
  type ParticlePlan,
  type ParticleReport,
} from "../../src/index.js";
import type { ConformanceSpec } from "../conformance/spec.js";
import { uniqueName } from "../support/aws.js";
import {
  DEPLOYER_POLICY_NAME,
  adminIam,
  createDeployer,
  deployerOptions,
  iamPolicyOf,
  useProfiles,
  type Deployer,
  type PolicyDocument,
} from "./deployer.js";
import { withMotoSpellings } from "./moto-spellings.js";
import { describeRefusal } from "./refusals.js";

/**
 * The least-privilege suite: each AWS flavor's lifecycle (create, update, stop and start when
 * it has a stopped form, terminate, and adopting one made behind its back) run by a deployer whose only permission is the policy
 * `pcf iam-policy` prints for the flavor's definition, on a moto that enforces IAM. A call moto
 * refuses fails the step, naming the action, even when the flavor recovered from it.
 */

/** How many specs a file sets up at once: each runs the binary once. */
const SETUP_CONCURRENCY = 4;

/** The particle each flavor's steps work on. */
const MAIN = "main";

/** The steps of a flavor, in the order they run. */
export const LEAST_PRIVILEGE_STEPS = [
  "refused",
  "create",
  "update",
  "stop-start",
  "terminate",
  "adopt",
] as const;

/** One step of {@link LEAST_PRIVILEGE_STEPS}. */
export type LeastPrivilegeStep = (typeof LEAST_PRIVILEGE_STEPS)[number];

/**
 * A step moto cannot check as AWS would. The step still runs, and must end as `refusals` and
 * `failure` say, so the gap is seen the day it closes (the test fails and the entry must go).
 */
export interface IamGap {
  readonly step: LeastPrivilegeStep;
  /** Why, in a few words; shown in the test's name. */
  readonly reason: string;
  /** What moto refuses in the step, as `describeRefusal` words each, in order. */
  readonly refusals: readonly string[];
  /** What the step's failure matches; `undefined`: the step passes all the same. */
  readonly failure?: RegExp;
}

/** Options of {@link registerLeastPrivilege}. */
export interface LeastPrivilegeOptions {
  /** `import.meta.url` of the test file: the name of its deployer without a policy derives from it. */
  readonly testFileUrl: string;
  /** The gaps of moto's IAM checks, by flavor name. */
  readonly gaps?: Readonly<Record<string, readonly IamGap[]>>;
}

/** What the file's setup made for one spec. */
interface FlavorDeployer {
  /** The policy the binary printed for the spec's definition. */
  readonly printed: PolicyDocument;
  /** The user holding it (and moto's spellings of its actions). */
  readonly deployer: Deployer;
}

/**
 * Registers one `describe(flavor)` per spec, its steps run by the flavor's own deployer, and
 * the file's setup before the first run: each spec's own setup (as the admin), the policy of its
 * flavor from the binary, its deployer, and one profile per deployer (see `useProfiles`).
 */
export function registerLeastPrivilege(
  specs: readonly ConformanceSpec[],
  options: LeastPrivilegeOptions,
): void {
  const made = new Map<ConformanceSpec, FlavorDeployer>();
  let nobody: Deployer | undefined;
  let cleanUp: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    nobody = await createDeployer(uniqueName(options.testFileUrl, "nobody"), undefined);
    const limit = pLimit(SETUP_CONCURRENCY);
    await Promise.all(
      specs.map((spec) =>
        limit(async () => {
          // Definitions name what the spec's setup makes (a subnet's VPC): set up first.
          await spec.beforeAll?.();
          const printed = await iamPolicyOf([spec.definition(MAIN)]);
          const deployer = await createDeployer(deployerName(spec), withMotoSpellings(printed));
          made.set(spec, { printed, deployer });
        }),
      ),
    );
    cleanUp = await useProfiles([nobody, ...[...made.values()].map((entry) => entry.deployer)]);
  }, 120_000);
  afterAll(() => cleanUp?.());

  for (const spec of specs)
    registerFlavor(spec, {
      made: () => found(made.get(spec), `no deployer for ${spec.flavor.flavor}`),
      nobody: () => found(nobody, "no deployer without a policy"),
      gaps: options.gaps?.[spec.flavor.flavor] ?? [],
    });
}

/** The deployer of `spec`'s flavor, by a name unique to the spec. */
function deployerName(spec: ConformanceSpec): string {
  return uniqueName(spec.testFileUrl, "deployer");
}

function found<T>(value: T | undefined, otherwise: string): T {
  if (value === undefined) throw new Error(otherwise);
  return value;
}

/** What one flavor's steps need, once the file's setup has made it. */
interface FlavorSetup {
  readonly made: () => FlavorDeployer;
  readonly nobody: () => Deployer;
  readonly gaps: readonly IamGap[];
}

/** What a step may ask of a run besides its desired state. */
type RunOptions = Pick<ApplyOptions, "adopt">;

/** How a step acts as its deployer. */
interface AsDeployer {
  /** Applies `definition` to `desiredState`: its one particle's report. */
  readonly run: (
    definition: ParticleDefinition,
    desiredState: DesiredState,
    options?: RunOptions,
  ) => Promise<ParticleReport | undefined>;
  /** Plans `definition` to `desiredState`: its one particle's entry. */
  readonly plan: (
    definition: ParticleDefinition,
    desiredState: DesiredState,
  ) => Promise<ParticlePlan | undefined>;
}

/** The particle the adopt step makes behind the framework's back, then adopts. */
const ADOPTED = "adopted";

/** The sentence each step's test is named by. */
const STEP_NAMES: Readonly<Record<LeastPrivilegeStep, string>> = {
  refused: "is refused to a deployer without its policy, as moto enforces its service",
  create: "creates the resource as its deployer",
  update: "updates it in place as its deployer",
  "stop-start": "stops it and starts it again as its deployer",
  terminate: "terminates it as its deployer",
  adopt: "adopts one it did not create as its deployer, and terminates it",
};

function registerFlavor(spec: ConformanceSpec, setup: FlavorSetup): void {
  describe(spec.flavor.flavor, () => {
    // What the last step applied; definitions name what the spec's setup made, so made late.
    let current: ParticleDefinition | undefined;
    const applied = (): ParticleDefinition => (current ??= spec.definition(MAIN));

    it("holds its deployer to the one policy pcf iam-policy prints, with moto's spellings", async () => {
      const { printed, deployer } = setup.made();
      const iam = adminIam();
      const { PolicyNames: names } = await iam.send(
        new ListUserPoliciesCommand({ UserName: deployer.name }),
      );
      expect(names).toEqual([DEPLOYER_POLICY_NAME]);
      const { PolicyDocument: stored } = await iam.send(
        new GetUserPolicyCommand({ UserName: deployer.name, PolicyName: DEPLOYER_POLICY_NAME }),
      );
      expect(JSON.parse(decodeURIComponent(stored ?? "{}"))).toEqual(withMotoSpellings(printed));
      expect(printed.Statement).toHaveLength(1);
    });

    it(STEP_NAMES.refused, async () => {
      const nobody = setup.nobody();
      const outcome = await settle(apply(spec, nobody, applied(), "running"));
      expect(outcome).toBeInstanceOf(ApplyError);
      expect(nobody.refusals.take()[0], "the first call moto refused").toMatchObject({
        code: "AccessDenied",
      });
    });

    step(spec, setup, "create", async ({ run }) => {
      const report = await run(applied(), "running");
      expect(report).toMatchObject({
        outcome: "converged",
        transitions: ["start"],
        state: "running",
      });
      expect(await spec.verify(MAIN), "the resource exists").toBeDefined();
    });

    step(spec, setup, "update", async ({ run }) => {
      const definition = spec.update.definition(MAIN);
      const report = await run(definition, "running");
      expect(report).toMatchObject({ outcome: "converged", transitions: ["update"] });
      expect(await spec.verify(MAIN)).toMatchObject(spec.update.expected);
      current = definition;
    });

    const form = spec.stop;
    if (form !== "none")
      step(spec, setup, "stop-start", async ({ run }) => {
        const stopped = await run(applied(), "stopped");
        expect(stopped).toMatchObject({
          outcome: "converged",
          transitions: ["stop"],
          state: "stopped",
        });
        expect(await spec.verify(MAIN)).toMatchObject(form.stopped);
        const started = await run(applied(), "running");
        expect(started).toMatchObject({
          outcome: "converged",
          transitions: ["start"],
          state: "running",
        });
        expect(await spec.verify(MAIN)).toMatchObject(form.running);
      });

    step(spec, setup, "terminate", async ({ run }) => {
      const report = await run(applied(), "terminated");
      expect(report).toMatchObject({
        outcome: "converged",
        transitions: ["terminate"],
        state: "terminated",
      });
      expect(await spec.verify(MAIN)).toBeUndefined();
    });

    // As the conformance suite's adopt step: adopting writes the ownership tag.
    step(spec, setup, "adopt", async ({ run, plan }) => {
      await spec.createForeign(ADOPTED);
      const definition = spec.definition(ADOPTED);
      const planned = await plan(definition, "terminated");
      expect(planned?.note).toContain(`pcf apply --adopt ${ADOPTED}`);
      const adopted = await run(definition, "running", { adopt: [ADOPTED] });
      expect(adopted).toMatchObject({ state: "running", transitions: ["update"] });
      const terminated = await run(definition, "terminated");
      expect(terminated).toMatchObject({ outcome: "converged", transitions: ["terminate"] });
      expect(await spec.verify(ADOPTED)).toBeUndefined();
    });
  });
}

/**
 * One test for step `name` of `spec`, run as its deployer. Every call moto refuses fails it,
 * naming the action. Where moto cannot check the step (an {@link IamGap}), the test asserts what
 * moto refuses instead; where moto cannot run it at all (a known gap of the conformance spec),
 * that it still fails as the spec says, with nothing refused.
 */
function step(
  spec: ConformanceSpec,
  setup: FlavorSetup,
  name: Exclude<LeastPrivilegeStep, "refused">,
  body: (as: AsDeployer) => Promise<void>,
): void {
  const deployer = (): Deployer => setup.made().deployer;
  const strict: AsDeployer = {
    run: (definition, desiredState, options) =>
      runAsDeployer(spec, deployer(), definition, desiredState, options),
    plan: async (definition, desiredState) => {
      const planned = await settle(plan(spec, deployer(), definition, desiredState));
      expect(deployer().refusals.take().map(describeRefusal), "calls moto refused").toEqual([]);
      if (planned instanceof Error) throw planned;
      return planned.particles[0];
    },
  };
  const gap = setup.gaps.find((entry) => entry.step === name);
  if (gap !== undefined) {
    it(`${STEP_NAMES[name]}: a known gap of moto's IAM (${gap.reason})`, async () => {
      const lax: AsDeployer = {
        run: async (definition, desiredState, options) =>
          (await apply(spec, deployer(), definition, desiredState, options)).particles[0],
        plan: async (definition, desiredState) =>
          (await plan(spec, deployer(), definition, desiredState)).particles[0],
      };
      const outcome = await settle(body(lax));
      expect(deployer().refusals.take().map(describeRefusal), "calls moto refused").toEqual(
        gap.refusals,
      );
      if (gap.failure === undefined) expect(outcome).toBeUndefined();
      else expect(String(outcome)).toMatch(gap.failure);
    });
    return;
  }
  const specGap = spec.knownGaps?.find((entry) => entry.step === name);
  if (specGap !== undefined) {
    it(`${STEP_NAMES[name]}: still fails, a known gap of its spec (${specGap.reason})`, async () => {
      await expect(body(strict)).rejects.toThrow(specGap.failure);
    });
    return;
  }
  it(STEP_NAMES[name], () => body(strict));
}

/**
 * Runs `definition` of `spec`'s flavor to `desiredState` as `deployer`, as every step does: its
 * one particle's report.
 * @throws the assertion error naming every call moto refused, even one the flavor recovered
 *   from; else the run's `ApplyError`.
 */
export async function runAsDeployer(
  spec: ConformanceSpec,
  deployer: Deployer,
  definition: ParticleDefinition,
  desiredState: DesiredState,
  options: RunOptions = {},
): Promise<ParticleReport | undefined> {
  const outcome = await settle(apply(spec, deployer, definition, desiredState, options));
  expect(deployer.refusals.take().map(describeRefusal), "calls moto refused").toEqual([]);
  if (outcome instanceof Error) throw outcome;
  return outcome.particles[0];
}

function apply(
  spec: ConformanceSpec,
  deployer: Deployer,
  definition: ParticleDefinition,
  desiredState: DesiredState,
  options: RunOptions = {},
): ReturnType<typeof applyField> {
  return applyField(new Field([new spec.flavor(definition)]).link(), {
    ...options,
    desiredState,
    providerOptions: deployerOptions(deployer, spec.testFileUrl),
  });
}

function plan(
  spec: ConformanceSpec,
  deployer: Deployer,
  definition: ParticleDefinition,
  desiredState: DesiredState,
): ReturnType<typeof planField> {
  return planField(new Field([new spec.flavor(definition)]).link(), {
    desiredState,
    providerOptions: deployerOptions(deployer, spec.testFileUrl),
  });
}

/** What a promise settled to: its value, or the error it rejected with. */
export async function settle<T>(promise: Promise<T>): Promise<T | Error> {
  return promise.then(
    (value) => value,
    (reason: unknown) => (reason instanceof Error ? reason : new Error(String(reason))),
  );
}
