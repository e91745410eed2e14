import { DefinitionError, PcfError, type DefinitionIssue } from "./errors.js";
import type { Particle } from "./particle.js";
import { checkFieldName } from "./field-name.js";
import { findInheritReferences } from "./references.js";
import { suggest } from "./suggest.js";

/**
 * A set of particles and the parent/child edges between them (PCF's `pcf_field`). Edges come from
 * `parents` / `children` ids, from `$inherit$` references, and from code (`addParent`).
 */
export class Field {
  private readonly byId = new Map<string, Particle>();
  /**
   * The field's name (see `FIELD_NAME_PATTERN`): providers tag what its particles create with it
   * (`pcf:field` on AWS), so `pcf inventory` and `pcf nuke` find the field's resources without
   * its files. `undefined` for an unnamed field, whose resources carry only the ownership tag.
   */
  readonly name: string | undefined;

  constructor(particles: Iterable<Particle> = [], options: { readonly name?: string } = {}) {
    this.name = options.name === undefined ? undefined : checkFieldName(options.name);
    for (const particle of particles) this.add(particle);
  }

  /**
   * Adds a particle, which takes the field's name (see {@link Particle.fieldName}).
   * @throws PcfError `DEFINITION_INVALID` when its id is taken.
   */
  add(particle: Particle): void {
    if (this.byId.has(particle.id)) {
      throw new PcfError("DEFINITION_INVALID", `two particles have the id ${particle.id}`, {
        particle: particle.id,
        field: "pcf_name",
      });
    }
    this.byId.set(particle.id, particle);
    if (this.name !== undefined) particle.fieldName = this.name;
  }

  /** Every particle, in insertion order. */
  get particles(): readonly Particle[] {
    return [...this.byId.values()];
  }

  /** The particle with id `flavor:pcf_name`, if present. */
  get(id: string): Particle | undefined {
    return this.byId.get(id);
  }

  /** The particle with this flavor and name, if present. */
  getParticle(flavor: string, name: string): Particle | undefined {
    return this.byId.get(`${flavor}:${name}`);
  }

  /** The particles of one flavor, or all. */
  getParticles(filter: { flavor?: string } = {}): Particle[] {
    return this.particles.filter(
      (particle) => filter.flavor === undefined || particle.flavor === filter.flavor,
    );
  }

  /** Makes `parent` a parent of `child` (both sides of the edge). */
  addParent(child: Particle, parent: Particle): void {
    child.parents.add(parent);
    parent.children.add(child);
  }

  /**
   * Links the edges written in definitions: `parents`, `children` and `$inherit$` references.
   * @throws DefinitionError listing every id that names no particle in the field.
   * @throws PcfError `DEPENDENCY_CYCLE` naming the cycle.
   */
  link(): this {
    const issues: DefinitionIssue[] = [];
    for (const particle of this.byId.values()) {
      const { parents = [], children = [] } = particle.definition;
      const inherited = findInheritReferences(particle.desiredStateDefinition);
      const edges = [
        ...parents.map((id, index) => ({ id, field: `parents[${index}]`, isParent: true })),
        ...children.map((id, index) => ({ id, field: `children[${index}]`, isParent: false })),
        ...inherited.map((reference) => ({
          id: reference.parentId,
          field: reference.at,
          isParent: true,
        })),
      ];
      for (const edge of edges) {
        const other = this.byId.get(edge.id);
        if (other === undefined) {
          issues.push({
            particle: particle.id,
            field: edge.field,
            message: `no particle ${edge.id} in the field${suggest(edge.id, [...this.byId.keys()])}`,
          });
        } else if (edge.isParent) this.addParent(particle, other);
        else this.addParent(other, particle);
      }
    }
    if (issues.length > 0) throw new DefinitionError(issues);
    this.assertAcyclic();
    return this;
  }

  /** The particles in `of` plus everything they depend on (`parents`) or that depends on them (`children`), in field order. */
  closure(of: Iterable<Particle>, direction: "parents" | "children"): Particle[] {
    const reached = new Set(reachable(of, direction));
    return this.particles.filter((particle) => reached.has(particle));
  }

  /** Parents before children; ties keep insertion order. */
  topologicalOrder(): Particle[] {
    const order: Particle[] = [];
    const placed = new Set<Particle>();
    const visit = (particle: Particle): void => {
      if (placed.has(particle)) return;
      placed.add(particle);
      for (const parent of particle.parents) if (this.byId.has(parent.id)) visit(parent);
      order.push(particle);
    };
    for (const particle of this.byId.values()) visit(particle);
    return order;
  }

  /** @throws PcfError `DEPENDENCY_CYCLE` naming the cycle. */
  assertAcyclic(): void {
    const done = new Set<Particle>();
    const path: Particle[] = [];
    const visit = (particle: Particle): void => {
      if (done.has(particle)) return;
      const loopStart = path.indexOf(particle);
      if (loopStart >= 0) {
        const cycle = [...path.slice(loopStart), particle].map((member) => member.id);
        throw new PcfError("DEPENDENCY_CYCLE", `dependency cycle: ${cycle.join(" → ")}`, {
          particle: particle.id,
          field: "parents",
        });
      }
      path.push(particle);
      for (const parent of particle.parents) if (this.byId.has(parent.id)) visit(parent);
      path.pop();
      done.add(particle);
    };
    for (const particle of this.byId.values()) visit(particle);
  }
}

/** The particles in `from` and every particle reachable from them through `direction`, in no set order. */
export function reachable(from: Iterable<Particle>, direction: "parents" | "children"): Particle[] {
  const seen = new Set<Particle>();
  const stack = [...from];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...next[direction]);
  }
  return [...seen];
}
