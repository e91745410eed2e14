import type { ZodType } from "zod";
import { diffDefinitions, type DefinitionDifference } from "./diff.js";
import type { ApplyResult } from "./apply-result.js";
import { applyField, type ApplyOptions } from "./engine.js";
import { resourceBlockIssues, zodIssues } from "./definition.js";
import { DefinitionError, PcfError, type DefinitionIssue } from "./errors.js";
import { Field, reachable } from "./field.js";
import { ownRead, readEach } from "./read-failures.js";
import type { RunContext } from "./run-context.js";
import {
  DISTINCT_STATES,
  areStatesEquivalent,
  type DesiredState,
  type EquivalentStates,
  type State,
} from "./state.js";
import { runCallback, type CallbackDefinition } from "./callbacks.js";
import { TransitionTable, type TransitionFunction, type TransitionName } from "./transitions.js";
import type { BackoffOptions } from "./wait.js";
import { copyPlain, readPath } from "./values.js";
import { isUnderFixedField, type ReplaceSubject } from "./replace.js";

/**
 * A particle definition as PCF writes it. The provider block (`aws_resource`, `local_resource`, …)
 * holds the resource's own parameters and its `custom_config`.
 */
export interface ParticleDefinition {
  /** The particle's name; with the flavor it forms the id `flavor:pcf_name`. */
  readonly pcf_name: string;
  /** The registered flavor string that picks the particle class, e.g. `s3_bucket`. */
  readonly flavor: string;
  /** The state `apply` converges to. Default `running`. */
  readonly desired_state?: DesiredState;
  /** Ids (`flavor:pcf_name`) of particles that must be running before this one starts. */
  readonly parents?: readonly string[];
  /** Ids of particles that depend on this one. */
  readonly children?: readonly string[];
  /** When true, a desired `terminated` leaves the resource in place. Default false. */
  readonly persist_on_termination?: boolean;
  /** When true, a running resource whose definition differs is left as it is. Default false. */
  readonly persist_on_update?: boolean;
  /** Functions run after a transition, keyed by transition name. */
  readonly callbacks?: Readonly<Record<string, CallbackDefinition>>;
  readonly [key: string]: unknown;
}

/** The static side of a particle class: what the registry and the loader need. */
export interface ParticleClass<P extends Particle = Particle> {
  new (definition: ParticleDefinition): P;
  readonly flavor: string;
  readonly uniqueKeys: readonly string[];
  readonly resourceKey: string | undefined;
  readonly definitionSchema: ZodType | undefined;
  syncAll(particles: readonly Particle[], context: RunContext): Promise<void>;
}

export type { CallbackDefinition, CallbackFunction } from "./callbacks.js";
export type { TransitionName } from "./transitions.js";

/** Options of {@link Particle.apply}: the engine's options plus PCF's `cascade`. */
export interface ParticleApplyOptions extends ApplyOptions {
  /** Also apply parents (coming up) or children (going down), in dependency order. Default false. */
  readonly cascade?: boolean;
}

/**
 * One cloud resource with a lifecycle. Subclasses declare `flavor` and `uniqueKeys`, read the
 * live resource in `syncState` and implement the transitions `_start`, `_stop`, `_terminate` and,
 * where the resource can change in place, `_update`.
 *
 * @example
 * ```ts
 * class Greeting extends Particle {
 *   static override readonly flavor = "greeting";
 *   override async syncState() { this.state = (await exists()) ? "running" : "terminated"; }
 *   protected override async _start() { await create(); }
 *   protected override async _stop() { await remove(); }
 *   protected override async _terminate() { await remove(); }
 * }
 * ```
 */
export abstract class Particle implements ReplaceSubject {
  /** PCF's flavor string; the registry maps it to the class. */
  static readonly flavor: string = "particle";
  /** Dot paths into the definition that identify the live resource; each must be set. */
  static readonly uniqueKeys: readonly string[] = [];
  /** Which states count as the same for this flavor. */
  static readonly equivalentStates: EquivalentStates = DISTINCT_STATES;
  /** The definition block holding the resource's parameters (`aws_resource`); none for plain particles. */
  static readonly resourceKey: string | undefined = undefined;
  /** Validates the resource block at load time; none accepts anything. */
  static readonly definitionSchema: ZodType | undefined = undefined;
  /** How waits poll this flavor. */
  static readonly waitOptions: BackoffOptions = {};
  /**
   * How long a state read waits for other particles of the flavor to join it, in ms. 0 (the
   * default) merges reads made in the same turn; network flavors wait a few ms, far less than a
   * round trip, so polls of particles whose transitions end close together become one list call.
   */
  static readonly readBatchWindowMs: number = 0;
  /** How long a read state stays fresh, in ms (PCF: 15 s, at least 10 s). */
  static readonly stateCacheTtlMs: number = 15_000;
  /**
   * Dot paths in the resource block that the cloud fixes at creation (an IAM policy's `Path`, a
   * table's `KeySchema`). A difference in one, or under one, cannot be updated in place: plan
   * and apply replace the resource (terminate, then start) where that is allowed, and refuse
   * naming the field where it is not. Default none. Flavors whose rule depends on the values
   * override {@link Particle.fixedDifferences} instead.
   */
  static readonly fixedFields: readonly string[] = [];

  /**
   * Reads the live state of many particles of this class. The default reads each one; flavors
   * whose API lists many resources in one call override it to read them in a batch.
   * @throws ReadFailures naming the particles that could not be read, once the others are read;
   * any other rejection fails every particle of the batch.
   */
  static async syncAll(particles: readonly Particle[], context: RunContext): Promise<void> {
    await readEach(particles, (particle) => particle.syncState(context));
  }

  /**
   * Every problem with a definition that shows before any call: missing unique keys and schema
   * violations of the resource block. The constructor throws them as one `DefinitionError`;
   * providers override this to add their own checks (the AWS `$lookup$` kinds).
   */
  static definitionIssues(
    definition: ParticleDefinition,
    where: { particle: string },
  ): DefinitionIssue[] {
    return resourceBlockIssues(this, definition, where);
  }

  /** The definition as given, copied so later changes by the caller do not leak in. */
  readonly definition: ParticleDefinition;
  /** `flavor:pcf_name`. */
  readonly id: string;
  readonly name: string;
  readonly flavor: string;
  /** Particles this one depends on; linked by the field. */
  readonly parents = new Set<Particle>();
  /** Particles that depend on this one; linked by the field. */
  readonly children = new Set<Particle>();
  /** The name of the field this particle was added to, when that field is named (see `Field.name`). */
  fieldName: string | undefined = undefined;
  /** The state `apply` converges to. */
  desiredState: DesiredState;
  /**
   * True when this run adopts the live resource (the run's `adopt` option, the CLI's `--adopt
   * NAME`): providers then manage it, and mark it as theirs, though they did not create it.
   */
  isAdoptionRequested = false;
  /** The live state, set by `syncState`; `undefined` until first read. */
  state: State | undefined = undefined;
  /** The live resource as the flavor reads it, in the shape of the resource block. */
  currentStateDefinition: Record<string, unknown> = {};
  /** The resource block to converge to, with `$inherit$` and `$lookup$` resolved once known. */
  desiredStateDefinition: Record<string, unknown>;

  private definitionTemplate: Record<string, unknown>;
  private syncedAtMs: number | undefined;
  /** The read of this particle under way, which {@link Particle.getState} joins. */
  private readUnderWay: Promise<void> | undefined;
  private readonly transitions: TransitionTable;

  constructor(definition: ParticleDefinition) {
    const type = this.constructor as ParticleClass;
    this.definition = copyPlain(definition);
    this.name = definition.pcf_name;
    this.flavor = definition.flavor;
    this.id = `${this.flavor}:${this.name}`;
    this.desiredState = definition.desired_state ?? "running";
    const block = type.resourceKey === undefined ? {} : definition[type.resourceKey];
    this.definitionTemplate = copyPlain((block ?? {}) as Record<string, unknown>);
    this.desiredStateDefinition = copyPlain(this.definitionTemplate);
    const issues = (this.constructor as typeof Particle).definitionIssues(this.definition, {
      particle: this.id,
    });
    if (issues.length > 0) throw new DefinitionError(issues);
    this.transitions = TransitionTable.standard(
      {
        start: (context) => this._start(context),
        stop: (context) => this._stop(context),
        terminate: (context) => this._terminate(context),
        update: (context) => this._update(context),
      },
      this.isStateEquivalent("stopped", "terminated"),
    );
  }

  /**
   * How deep the particle sits in its dependency graph: 0 without parents, else one more than
   * its deepest parent. Terminating the deepest first is a reverse dependency order, which is
   * how `pcf nuke` orders a field's resources from their tags alone.
   */
  get dependencyDepth(): number {
    let depth = 0;
    for (const parent of this.parents) depth = Math.max(depth, parent.dependencyDepth + 1);
    return depth;
  }

  /** Reads the live resource: sets `state` (missing resource = `terminated`) and `currentStateDefinition`. */
  abstract syncState(context: RunContext): Promise<void>;
  /** Creates or starts the resource. */
  protected abstract _start(context: RunContext): Promise<void>;

  /**
   * Stops the resource. A flavor with no stopped form (`equivalentStates` makes stopped and
   * terminated the same) needs none: a desired `stopped` runs `terminate` for it. The default
   * refuses, for a flavor that declares a stopped form but did not write how to reach it.
   */
  protected _stop(_context: RunContext): Promise<void> {
    return Promise.reject(
      new PcfError("TRANSITION_FAILED", `${this.flavor} has no stop transition`, {
        particle: this.id,
      }),
    );
  }
  /** Deletes the resource; succeeds when it is already gone. */
  protected abstract _terminate(context: RunContext): Promise<void>;

  /**
   * Changes the running resource to match `desiredStateDefinition`. The default refuses: a flavor
   * that cannot change in place says so instead of looping; `persist_on_update` skips updates.
   */
  protected _update(_context: RunContext): Promise<void> {
    const fields = this.definitionDifferences().map((difference) => difference.path);
    return Promise.reject(
      new PcfError(
        "TRANSITION_FAILED",
        `${this.flavor} cannot change ${fields.join(", ")} in place`,
        {
          particle: this.id,
        },
      ),
    );
  }

  /**
   * Which rate limit this particle's calls count against. The engine bounds the particles
   * converging at once per scope (`concurrency` each), so particles of unrelated APIs never
   * queue behind one another. The default is the flavor; cloud providers name the API and region
   * (`aws:ec2:us-east-1`), where the cloud's throttling applies.
   */
  concurrencyScope(_context: RunContext): string {
    return this.flavor;
  }

  /** PCF's name for {@link Particle.id}: `flavor:pcf_name`. */
  get pcfId(): string {
    return this.id;
  }

  /** Whether `persist_on_termination` is set. */
  get persistOnTermination(): boolean {
    return this.definition.persist_on_termination === true;
  }

  /** The resource block's key (`aws_resource`), from the class. */
  get resourceKey(): string | undefined {
    return (this.constructor as typeof Particle).resourceKey;
  }

  /** Whether the resource block's `custom_config.replace_on_change` is true. */
  get allowsReplace(): boolean {
    return readPath(this.desiredStateDefinition, "custom_config.replace_on_change") === true;
  }

  /**
   * Whether the last read found a live resource that this framework did not create (a provider's
   * ownership mark is missing), so transitions other than reads will be refused. False where the
   * provider cannot tell, or has not read it yet.
   */
  get isForeign(): boolean {
    return false;
  }

  /** Whether `persist_on_update` is set. */
  get persistOnUpdate(): boolean {
    return this.definition.persist_on_update === true;
  }

  /** The flavor's state equivalence table. */
  get equivalentStates(): EquivalentStates {
    return (this.constructor as typeof Particle).equivalentStates;
  }

  /**
   * The resource block as written, `$inherit$` and `$lookup$` references included. Each run
   * resolves it afresh into `desiredStateDefinition`.
   */
  get templateDefinition(): Record<string, unknown> {
    return copyPlain(this.definitionTemplate);
  }

  /** Replaces the resource block to converge to (references are resolved at the next run). */
  setDesiredStateDefinition(definition: Record<string, unknown>): void {
    this.definitionTemplate = copyPlain(definition);
    this.desiredStateDefinition = copyPlain(definition);
  }

  /**
   * Converges this particle to its desired state and definition. With `cascade`, its parents are
   * applied first when it comes up, and its children first when it goes down (PCF's cascade).
   * @throws ApplyError when it does not converge; see {@link applyField}.
   */
  apply(options: ParticleApplyOptions = {}): Promise<ApplyResult> {
    if (options.desiredState !== undefined) this.setDesiredState(options.desiredState);
    if (options.cascade !== true)
      return applyField(new Field([this]), { ...options, desiredState: undefined });
    const isGoingUp = this.desiredState === "running";
    const members = reachable([this], isGoingUp ? "parents" : "children");
    for (const member of members) {
      // Going down, children must follow; coming up, parents without a state of their own follow.
      if (member !== this && (!isGoingUp || member.definition.desired_state === undefined))
        member.setDesiredState(this.desiredState);
    }
    return applyField(new Field(members), { ...options, desiredState: undefined });
  }

  /**
   * The resolved desired definition parsed by the flavor's `definitionSchema` (defaults applied),
   * for transitions to use once `$inherit$` / `$lookup$` values are known.
   * @throws DefinitionError naming the field when a resolved value does not fit the schema.
   */
  protected parseDesiredDefinition<T>(): T {
    const type = this.constructor as ParticleClass;
    if (type.definitionSchema === undefined) return this.desiredStateDefinition as T;
    const parsed = type.definitionSchema.safeParse(this.desiredStateDefinition);
    if (parsed.success) return parsed.data as T;
    throw new DefinitionError(
      zodIssues(
        parsed.error,
        { particle: this.id },
        {
          prefix: type.resourceKey,
          schema: type.definitionSchema,
        },
      ),
    );
  }

  /** Sets the state `apply` converges to. */
  setDesiredState(state: DesiredState): void {
    this.desiredState = state;
  }

  /** True when `state` counts as `desired` for this flavor. */
  isStateEquivalent(state: State, desired: State): boolean {
    return areStatesEquivalent(this.equivalentStates, state, desired);
  }

  /**
   * The live state, read again only when the last read is older than `maxAgeMs` (default the
   * flavor's `stateCacheTtlMs`) or a transition has run since.
   * @throws PcfError `READ_FAILED` (or `DUPLICATE_RESOURCE`) when this particle could not be read;
   * other particles of the same batched read do not make it fail.
   */
  async getState(context: RunContext, options: { maxAgeMs?: number } = {}): Promise<State> {
    // A read under way (the engine's first read of the field, say) answers this call too, unless
    // the caller asked for a state newer than a read that may have started before it.
    if (this.readUnderWay !== undefined && options.maxAgeMs === undefined) {
      await this.readUnderWay;
      return this.state ?? "terminated";
    }
    const maxAgeMs = options.maxAgeMs ?? (this.constructor as typeof Particle).stateCacheTtlMs;
    const isFresh = this.syncedAtMs !== undefined && context.now() - this.syncedAtMs < maxAgeMs;
    if (!isFresh || this.state === undefined) {
      const type = this.constructor as ParticleClass;
      const windowMs = (this.constructor as typeof Particle).readBatchWindowMs;
      const batch = context.batch(
        type,
        this,
        (particles) => type.syncAll(particles, context),
        windowMs,
      );
      // Reads of one flavor merge: only this particle's failure, if any, is this call's.
      await this.trackRead(ownRead(this, batch));
      this.markSynced(context.now());
    }
    return this.state ?? "terminated";
  }

  /**
   * Marks `read` as this particle's read under way until it settles, so that `getState` calls
   * in the meantime join it instead of reading again. Resolves or rejects with `read`.
   * @internal
   */
  async trackRead(read: Promise<void>): Promise<void> {
    this.readUnderWay = read;
    try {
      await read;
    } finally {
      if (this.readUnderWay === read) this.readUnderWay = undefined;
    }
  }

  /** Records that `syncState` just ran (the engine calls this after a batched read). @internal */
  markSynced(atMs: number): void {
    this.syncedAtMs = atMs;
  }

  /**
   * Records the state a transition just left the resource in, when the cloud's answer makes it
   * certain: a create call that returned with everything the definition asked for, a delete that
   * succeeded. The engine then skips the read that would confirm it: a round trip less per
   * particle, and no wait on a list that is only eventually consistent. Call it last in the
   * transition, after every call succeeded; a transition that records nothing is confirmed by a
   * read.
   */
  protected recordState(
    state: State,
    definition: Record<string, unknown>,
    context: RunContext,
  ): void {
    this.state = state;
    this.currentStateDefinition = definition;
    this.markSynced(context.now());
  }

  /** Forgets the cached state so the next `getState` reads the cloud. */
  markDirty(): void {
    this.syncedAtMs = undefined;
  }

  /** The fields of the desired definition the live resource does not match, after the flavor's filter. */
  definitionDifferences(): DefinitionDifference[] {
    return diffDefinitions(
      this.comparableDefinition(this.desiredStateDefinition),
      this.comparableDefinition(this.currentStateDefinition),
    );
  }

  /**
   * The differences only a replacement can apply: by default those in or under the class's
   * {@link Particle.fixedFields}. Plan and apply both ask this, so they agree.
   */
  fixedDifferences(): DefinitionDifference[] {
    const fixedFields = (this.constructor as typeof Particle).fixedFields;
    if (fixedFields.length === 0) return [];
    return this.definitionDifferences().filter((difference) =>
      isUnderFixedField(difference.path, fixedFields),
    );
  }

  /** True when the live resource matches every field the desired definition sets. */
  isStateDefinitionEquivalent(): boolean {
    return this.definitionDifferences().length === 0;
  }

  /**
   * Reads a nested value (`"a.b"` or PCF's `"a>b"`) from the current definition, then the
   * desired one, then gives `fallback`.
   */
  getAttributeValue(path: string, fallback?: unknown): unknown {
    return (
      readPath(this.currentStateDefinition, path) ??
      readPath(this.desiredStateDefinition, path) ??
      fallback
    );
  }

  /**
   * Runs `transition` when the particle is in `from` and should reach `to`. Without `run`, the
   * name must already have a function (`start`, `stop`, `terminate`, `update` or one registered before).
   */
  registerStateTransition(
    from: State,
    to: DesiredState,
    transition: TransitionName,
    run?: TransitionFunction,
  ): void {
    if (run !== undefined) this.transitions.define(transition, run);
    else if (!this.transitions.has(transition)) {
      throw new PcfError("DEFINITION_INVALID", `no function for transition "${transition}"`, {
        particle: this.id,
      });
    }
    this.transitions.route(from, to, transition);
  }

  /** The transition that moves the particle from `from` towards `to`, if any. */
  transitionFor(from: State, to: DesiredState): TransitionName | undefined {
    return this.transitions.routeFor(from, to);
  }

  /** Runs a transition by name, then its callback. Marks the state dirty. @internal */
  async runTransition(transition: TransitionName, context: RunContext): Promise<void> {
    const run = this.transitions.functionOf(transition);
    if (run === undefined) {
      throw new PcfError("TRANSITION_FAILED", `no function for transition "${transition}"`, {
        particle: this.id,
      });
    }
    // A fencing check (the run's lease) before anything mutates.
    await context.beforeMutation();
    await this.beforeTransition(transition, context);
    // The state read before is stale from here on, unless the transition records what it knows.
    this.markDirty();
    await run(context);
    await runCallback(this, transition, context.signal);
  }

  /**
   * Runs before every transition, after the state was read; throw to refuse it. Providers use it
   * for guards such as the AWS ownership check. The default allows everything.
   */
  protected beforeTransition(_transition: TransitionName, _context: RunContext): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Resolves provider references (`$lookup$…`) in the desired definition before it is used.
   * The default returns it unchanged; providers override it.
   */
  resolveDefinition(
    definition: Record<string, unknown>,
    _context: RunContext,
  ): Promise<Record<string, unknown>> {
    return Promise.resolve(definition);
  }

  /** Checks beyond the schema, run when `validateConfig` is asked for; returns the problems found. */
  validateConfig(): DefinitionIssue[] {
    return [];
  }

  /** The part of a definition this flavor compares in updates; the default drops `custom_config`. */
  protected comparableDefinition(definition: Record<string, unknown>): Record<string, unknown> {
    const { custom_config: _ignored, ...rest } = definition;
    return rest;
  }
}
