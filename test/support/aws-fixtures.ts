import { CreateVpcCommand, type EC2Client, type ResourceType } from "@aws-sdk/client-ec2";
import { expect } from "vitest";
import {
  ApplyError,
  DefinitionError,
  Field,
  applyField,
  loadField,
  type Particle,
  type ParticleClass,
  type ParticleDefinition,
  type ParticleOutcome,
  type ParticleReport,
  type State,
} from "../../src/index.js";
import { createRunContext } from "../../src/core/run-context.js";
import type { AwsProviderOptions } from "../../src/providers/aws/options.js";
import { OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE } from "../../src/providers/aws/tags.js";
import { RequestCounter, awsTestOptions } from "./aws.js";

// What the AWS flavor tests share: particle builders, failure readers, command counting, the
// checks every flavor passes (terminate, stop, already gone, adoption), and EC2 resources made
// behind the framework's back.

/** The ownership tag as a map, to spread into the tags a test expects. */
export const OWNERSHIP: Readonly<Record<string, string>> = {
  [OWNERSHIP_TAG_KEY]: OWNERSHIP_TAG_VALUE,
};

/**
 * A particle definition `flavor:label` whose `aws_resource` is `base` with `block` laid over it:
 * `block`'s fields replace `base`'s, except `custom_config`, whose keys are merged.
 */
export function definitionOf(
  flavor: string,
  label: string,
  base: Readonly<Record<string, unknown>>,
  block: Readonly<Record<string, unknown>> = {},
): ParticleDefinition {
  const { custom_config: baseConfig, ...baseFields } = base;
  const { custom_config: config, ...fields } = block;
  const merged =
    baseConfig === undefined && config === undefined
      ? {}
      : { custom_config: { ...(baseConfig as object), ...(config as object) } };
  return { pcf_name: label, flavor, aws_resource: { ...baseFields, ...fields, ...merged } };
}

/** The error `promise` rejects with, which must be an `ApplyError`. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApplyError);
  return error as ApplyError;
}

/** The error loading `definitions` fails with, which must be a `DefinitionError`. */
export async function definitionErrorOf(definitions: readonly unknown[]): Promise<DefinitionError> {
  const error = await loadField(definitions).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DefinitionError);
  return error as DefinitionError;
}

/** Tags as AWS lists them (`[{ Key, Value }]`), as a map. */
export function tagMap(
  tags: readonly { readonly Key?: string; readonly Value?: string }[] | undefined,
): Record<string, string | undefined> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value]));
}

/** The one item of `items`, whose `idKey` must be set; the test fails unless there is exactly one. */
export function onlyOne<T, K extends keyof T>(
  items: readonly T[],
  idKey: K,
  what: string,
): T & Record<K, string> {
  expect(items).toHaveLength(1);
  const [found] = items;
  if (found?.[idKey] === undefined) throw new Error(`no ${what}`);
  return found as T & Record<K, string>;
}

/** `providerOptions` for a test file whose clients count the commands they send, and the counter. */
export function countedOptions(testFileUrl: string): {
  counter: RequestCounter;
  providerOptions: { aws: AwsProviderOptions };
} {
  const counter = new RequestCounter();
  return {
    counter,
    providerOptions: awsTestOptions(testFileUrl, { configureClient: counter.attach }),
  };
}

/** Applies a field of `particles`, counting commands: the outcomes, and the commands sent. */
export async function countApply(
  testFileUrl: string,
  particles: Particle[],
): Promise<{ outcomes: ParticleOutcome[]; counts: Record<string, number> }> {
  const { counter, providerOptions } = countedOptions(testFileUrl);
  const result = await applyField(new Field(particles).link(), { providerOptions });
  return { outcomes: result.particles.map((report) => report.outcome), counts: counter.all() };
}

/**
 * What reading an unchanged field costs: applies a field of `particles()`, then a fresh one again
 * with every command counted (see {@link countApply}).
 */
export async function countReapply(
  testFileUrl: string,
  particles: () => Particle[],
): Promise<{ outcomes: ParticleOutcome[]; counts: Record<string, number> }> {
  await applyField(new Field(particles()).link(), { providerOptions: awsTestOptions(testFileUrl) });
  return countApply(testFileUrl, particles());
}

/** One batched read of `particles` by `type.syncAll`, counting commands: their states, and the commands sent. */
export async function countSyncAll(
  testFileUrl: string,
  type: ParticleClass,
  particles: Particle[],
): Promise<{ states: (State | undefined)[]; counts: Record<string, number> }> {
  const { counter, providerOptions } = countedOptions(testFileUrl);
  const field = new Field(particles).link();
  await type.syncAll(field.particles, createRunContext({ providerOptions }));
  return { states: field.particles.map((particle) => particle.state), counts: counter.all() };
}

/**
 * `make("terminate")`, applied, then terminated: the apply converges to `terminated`, and
 * `expectGone("terminate")` checks with a separate client that the resource is gone.
 */
export async function expectTerminates(
  testFileUrl: string,
  make: (label: string) => Particle,
  expectGone: (label: string) => Promise<void>,
): Promise<void> {
  const providerOptions = awsTestOptions(testFileUrl);
  const particle = make("terminate");
  await particle.apply({ providerOptions });
  const result = await particle.apply({ providerOptions, desiredState: "terminated" });
  expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
  await expectGone("terminate");
}

/**
 * A flavor without a stopped form: `make("stop")`, applied, then asked to stop, deletes its
 * resource (`expectGone("stop")` checks), and a second stop leaves it `unchanged`. Gives the
 * reports of both stops.
 */
export async function expectStopDeletes(
  testFileUrl: string,
  make: (label: string) => Particle,
  expectGone: (label: string) => Promise<void>,
): Promise<{ stopped: ParticleReport | undefined; again: ParticleReport | undefined }> {
  const providerOptions = awsTestOptions(testFileUrl);
  await make("stop").apply({ providerOptions });
  const stopped = await make("stop").apply({ providerOptions, desiredState: "stopped" });
  await expectGone("stop");
  const again = await make("stop").apply({ providerOptions, desiredState: "stopped" });
  expect(again.particles[0]?.outcome).toBe("unchanged");
  return { stopped: stopped.particles[0], again: again.particles[0] };
}

/**
 * Terminating succeeds when there is nothing to terminate: `make("never")`, whose resource never
 * existed, is unchanged; `make("vanished")`, read running, terminates without error once
 * `deleteBehindBack("vanished")` has deleted its resource with a separate client.
 */
export async function expectTerminatesWhenGone(
  testFileUrl: string,
  make: (label: string) => Particle,
  deleteBehindBack: (label: string) => Promise<unknown>,
): Promise<void> {
  const providerOptions = awsTestOptions(testFileUrl);
  const never = await make("never").apply({ providerOptions, desiredState: "terminated" });
  expect(never.particles[0]).toMatchObject({ outcome: "unchanged", state: "terminated" });

  const particle = make("vanished");
  await particle.apply({ providerOptions });
  const context = createRunContext({ providerOptions });
  expect(await particle.getState(context)).toBe("running");
  await deleteBehindBack("vanished");
  particle.setDesiredState("terminated");
  await expect(particle.runTransition("terminate", context)).resolves.toBeUndefined();
}

/** What {@link expectAdoptionRequired} applies and checks. */
export interface AdoptionCheck {
  /** The particle of a resource made behind the framework's back, with `block` laid over it. */
  readonly particle: (block?: { custom_config: { adopt: true } }) => Particle;
  /** The same particle, asking for a change. */
  readonly changed: () => Particle;
  /** Checks with a separate client that the refused update left the resource as it was. */
  readonly expectUntouched: () => Promise<void>;
  /** Checks with a separate client that the resource is gone. */
  readonly expectGone: () => Promise<void>;
}

/**
 * The ownership guard on a resource particle-cloud did not create: terminating it and updating
 * it both fail, naming the way out (`custom_config.adopt`), and leave it alone; adopted, it is
 * terminated.
 */
export async function expectAdoptionRequired(
  testFileUrl: string,
  check: AdoptionCheck,
): Promise<void> {
  const providerOptions = awsTestOptions(testFileUrl);
  const terminate = await failureOf(
    check.particle().apply({ providerOptions, desiredState: "terminated" }),
  );
  expect(terminate.message).toMatch(
    /refusing to terminate: .* exists but was not created by particle-cloud.*custom_config\.adopt: true/,
  );
  const update = await failureOf(check.changed().apply({ providerOptions }));
  expect(update.message).toMatch(/refusing to update/);
  await check.expectUntouched();

  await check
    .particle({ custom_config: { adopt: true } })
    .apply({ providerOptions, desiredState: "terminated" });
  await check.expectGone();
}

/** The filter that finds EC2 resources by their `PCFName` tag. */
export function pcfNameFilter(...names: string[]): { Name: string; Values: string[] }[] {
  return [{ Name: "tag:PCFName", Values: names }];
}

/** `TagSpecifications` naming an EC2 resource `name` by its `PCFName` tag, without the ownership tag. */
export function pcfNameTagSpecifications(
  resourceType: ResourceType,
  name: string,
): { ResourceType: ResourceType; Tags: { Key: string; Value: string }[] }[] {
  return [{ ResourceType: resourceType, Tags: [{ Key: "PCFName", Value: name }] }];
}

/** A VPC made with a separate client, for the particles of a test file to live in; its id. */
export async function createVpc(ec2: EC2Client, cidrBlock: string): Promise<string> {
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: cidrBlock }));
  return Vpc?.VpcId ?? "";
}
