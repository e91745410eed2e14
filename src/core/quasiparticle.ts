import type { ApplyResult } from "./apply-result.js";
import { applyField, type ApplyOptions } from "./engine.js";
import { syncField } from "./field-read.js";
import { Field } from "./field.js";
import type { Particle, ParticleDefinition } from "./particle.js";
import { withRunContext, type RunContextOptions } from "./run-context.js";
import type { DesiredState, State } from "./state.js";
import { PcfError, type DefinitionIssue } from "./errors.js";
import type { FusedMember } from "./fuse.js";

/** A quasiparticle as PCF writes it: a named group of particle definitions. */
export interface QuasiparticleDefinition {
  readonly pcf_name: string;
  readonly flavor: string;
  /** The members; see the fuse rules (multiplier, base_particle_config, parents). */
  readonly particles: readonly Partial<ParticleDefinition>[];
  /** Settings for quasiparticle subclasses (e.g. `master` for distributed_master_worker). */
  readonly custom_config?: Readonly<Record<string, unknown>>;
  /** Ids added as parents to every member. */
  readonly parents?: readonly string[];
  readonly desired_state?: DesiredState;
  readonly [key: string]: unknown;
}

/** The static side of a quasiparticle class. */
export interface QuasiparticleClass<Q extends Quasiparticle = Quasiparticle> {
  new (definition: QuasiparticleDefinition, members: readonly Particle[]): Q;
  readonly flavor: string;
  readonly isQuasiparticle: true;
  /**
   * Rewrites the raw definition before anything checks it: a premade quasiparticle accepting a
   * shorthand of PCF's (a top-level `storage_name` and no `particles`) turns it into the general
   * form here. Absent: the definition is read as written.
   */
  readonly normalizeDefinition?: (
    raw: Readonly<Record<string, unknown>>,
  ) => Record<string, unknown>;
  /**
   * Rewrites the fused members before they are checked and built, one for one and in order: a
   * premade quasiparticle wiring its members by definition (parents, `$inherit$` values). The
   * problems it finds come back as issues. Absent: the members are built as fused.
   */
  readonly prepareMembers?: (
    members: readonly FusedMember[],
    where: { readonly file: string | undefined; readonly particle: string },
  ) => { readonly members: FusedMember[]; readonly issues: DefinitionIssue[] };
}

/**
 * A group of particles with dependencies between them, with a particle's lifecycle: one desired
 * state, one aggregated state, one `apply`. Subclasses add edges in code by overriding
 * `linkParticles` (the seed's `DistributedMasterWorker`). Build one from a definition with
 * `loadField` / `loadDefinition`, which fuse and validate the members.
 */
export class Quasiparticle {
  static readonly flavor: string = "quasiparticle";
  static readonly isQuasiparticle = true as const;

  readonly definition: QuasiparticleDefinition;
  readonly id: string;
  readonly name: string;
  readonly flavor: string;
  /** The members and the edges between them. */
  readonly field: Field;

  /** Members must be linked already (the loader links them); `linkParticles` then adds code-defined edges. */
  constructor(definition: QuasiparticleDefinition, members: readonly Particle[]) {
    this.definition = definition;
    this.name = definition.pcf_name;
    this.flavor = definition.flavor;
    this.id = `${this.flavor}:${this.name}`;
    this.field = new Field(members);
    this.linkParticles();
    this.field.assertAcyclic();
    if (definition.desired_state !== undefined) this.setDesiredState(definition.desired_state);
  }

  /** Adds edges in code. The default adds none. */
  protected linkParticles(): void {}

  /** `custom_config` of the definition. */
  get customConfig(): Readonly<Record<string, unknown>> {
    return this.definition.custom_config ?? {};
  }

  /** The members, in definition order. */
  get particles(): readonly Particle[] {
    return this.field.particles;
  }

  /** The member with this flavor and name. @throws PcfError `NOT_FOUND`. */
  getParticle(flavor: string, name: string): Particle {
    const particle = this.field.getParticle(flavor, name);
    if (particle === undefined)
      throw new PcfError("NOT_FOUND", `no member ${flavor}:${name} in ${this.id}`, {
        particle: this.id,
      });
    return particle;
  }

  /** Sets every member's desired state (PCF's `set_desired_state`). */
  setDesiredState(state: DesiredState): void {
    for (const particle of this.field.particles) particle.setDesiredState(state);
  }

  /** Sets one member's desired state (PCF's `set_particle_state`). */
  setParticleState(flavor: string, name: string, state: DesiredState): void {
    this.getParticle(flavor, name).setDesiredState(state);
  }

  /** The members' common state as last read, or `pending` when they differ (see {@link aggregateState}). */
  get state(): State | undefined {
    return aggregateState(this.field.particles);
  }

  /** Reads every member's live state (batched per flavor) and aggregates it. */
  async getState(options: RunContextOptions = {}): Promise<State | undefined> {
    await withRunContext(options, (context) => syncField(this.field.particles, context));
    return this.state;
  }

  /**
   * Applies every member as one graph. With `rollback`, a failure sets every member to
   * terminated and applies again before the error is thrown.
   * @throws ApplyError when it does not converge.
   */
  apply(options: ApplyOptions = {}): Promise<ApplyResult> {
    return applyField(this.field, options);
  }
}

/**
 * A group's state: the members' common state, `pending` when they differ, `undefined` before a
 * read. As in PCF, running members kept by `persist_on_termination` beside terminated ones count
 * as terminated.
 */
export function aggregateState(particles: readonly Particle[]): State | undefined {
  if (particles.some((particle) => particle.state === undefined)) return undefined;
  const hasTerminated = particles.some((particle) => particle.state === "terminated");
  const states = new Set(
    particles.map((particle) =>
      hasTerminated && particle.persistOnTermination && particle.state === "running"
        ? "terminated"
        : particle.state,
    ),
  );
  const [only] = states;
  return states.size === 1 ? only : "pending";
}

/** True when `type` is a quasiparticle class rather than a particle class. */
export function isQuasiparticleClass(type: unknown): type is QuasiparticleClass {
  return (
    typeof type === "function" && (type as { isQuasiparticle?: unknown }).isQuasiparticle === true
  );
}
