/**
 * particle-cloud: infrastructure as code with particles. The public API; providers have their
 * own entry points (`particle-cloud/local`, `particle-cloud/aws`) so a program loads only the
 * SDKs it uses.
 * @packageDocumentation
 */
import { registerBuiltInFlavors } from "./catalogue.js";
import { flavorRegistry } from "./core/registry.js";

registerBuiltInFlavors(flavorRegistry);

export { BUILT_IN_FLAVORS, type CatalogueEntry } from "./catalogue.js";
export { DEFAULT_TRANSITION_TIMEOUT_MS } from "./core/converge.js";
export {
  checkFrameworkFields,
  particleFieldsSchema,
  quasiparticleFieldsSchema,
} from "./core/definition.js";
export { diffDefinitions, type DefinitionDifference } from "./core/diff.js";
export { driftField, driftOfPlan, type FieldDrift, type ParticleDrift } from "./core/drift.js";
export { ApplyError, type ApplyResult, type ParticleReport } from "./core/apply-result.js";
export { applyField, type ApplyOptions } from "./core/engine.js";
export { syncField } from "./core/field-read.js";
export { escapeText } from "./core/escape.js";
export {
  ReadFailures,
  readEach,
  readFailureOf,
  settleReads,
  type CoveredRead,
} from "./core/read-failures.js";
export {
  DefinitionError,
  PcfError,
  formatIssue,
  listNames,
  type DefinitionIssue,
  type ErrorLocation,
  type PcfErrorCode,
} from "./core/errors.js";
export type {
  EngineEvent,
  EngineEventInput,
  EngineEventType,
  ParticleOutcome,
  RunOperation,
} from "./core/events.js";
export { Field, reachable } from "./core/field.js";
export { FIELD_NAME_PATTERN, checkFieldName, defaultFieldName } from "./core/field-name.js";
export {
  DEFAULT_LEASE_TTL_MS,
  Lease,
  acquireLease,
  type AcquireLeaseOptions,
  type LeaseBackend,
  type LeaseCallOptions,
  type LeaseWriteOptions,
} from "./core/lease.js";
export { DEFAULT_LEASE_FOLDER, fileLeaseBackend } from "./core/lease-file.js";
export {
  LeaseHeldError,
  currentHolder,
  type LeaseHolderIdentity,
  type LeaseRecord,
  type StoredLease,
} from "./core/lease-record.js";
export {
  readLeaseHolder,
  unlockLease,
  type UnlockLeaseOptions,
  type UnlockLeaseResult,
} from "./core/lease-unlock.js";
export { openLeaseBackend, type OpenLeaseBackendOptions } from "./lease-backends.js";
export {
  discover,
  fieldToNuke,
  inventory,
  type DiscoverOptions,
  type DiscoveredResource,
  type Inventory,
  type InventoryOptions,
  type Provenance,
} from "./discovery.js";
export { MAX_DEPTH, MAX_MULTIPLIER, MAX_NAME_LENGTH, MAX_PARTICLES } from "./core/limits.js";
export { closestNames, suggest } from "./core/suggest.js";
export {
  findDefinitionFile,
  loadField,
  loadFiles,
  loadQuasiparticle,
  type LoadFilesOptions,
  type LoadOptions,
  type LoadedField,
} from "./core/load.js";
export {
  DEFAULT_DEFINITION_FILES,
  parseJsonWithComments,
  readDefinitionFile,
} from "./core/parse.js";
export {
  Particle,
  type CallbackDefinition,
  type CallbackFunction,
  type ParticleApplyOptions,
  type ParticleClass,
  type ParticleDefinition,
  type TransitionName,
} from "./core/particle.js";
export {
  planField,
  planParticle,
  type FieldPlan,
  type ParticlePlan,
  type PlanOptions,
  type PlanParticleOptions,
  type PlanRefusal,
} from "./core/plan.js";
export {
  isUnderFixedField,
  replaceRefusal,
  type ReplacePolicy,
  type ReplaceSubject,
} from "./core/replace.js";
export { adoptCommand, requestAdoption, type AdoptPolicy } from "./core/adoption.js";
export {
  Quasiparticle,
  aggregateState,
  type QuasiparticleClass,
  type QuasiparticleDefinition,
} from "./core/quasiparticle.js";
export {
  parseInherit,
  parseLookup,
  resolveInherit,
  type InheritReference,
  type LookupReference,
} from "./core/references.js";
export {
  DEFAULT_RECONCILE_INTERVAL_MS,
  DEFAULT_RECONCILE_JITTER,
  reconcile,
  type ReconcileApplyOptions,
  type ReconcileOptions,
  type ReconcileResult,
} from "./core/reconcile.js";
export type {
  ReconcileChange,
  ReconcileEvent,
  ReconcileEventInput,
  ReconcileEventType,
  ReconcileFailure,
} from "./core/reconcile-events.js";
export {
  FlavorRegistry,
  flavorRegistry,
  type FlavorClass,
  type FlavorLoader,
} from "./core/registry.js";
export {
  createRunContext,
  type ProviderOptions,
  type RunContext,
  type RunContextOptions,
} from "./core/run-context.js";
export {
  DESIRED_STATES,
  DISTINCT_STATES,
  STATES,
  STOPPED_IS_TERMINATED,
  areStatesEquivalent,
  isDesiredState,
  type DesiredState,
  type EquivalentStates,
  type State,
} from "./core/state.js";
export {
  backoffDelayMs,
  deadlineSignal,
  waitFor,
  type DeadlineSignal,
  type BackoffOptions,
  type PollResult,
  type WaitOptions,
} from "./core/wait.js";
