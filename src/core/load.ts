import { access } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { DefinitionError, PcfError, listNames, messageOf, type DefinitionIssue } from "./errors.js";
import { defaultFieldName } from "./field-name.js";
import { Field } from "./field.js";
import type { FusedMember } from "./fuse.js";
import { identityIssues } from "./identity.js";
import { loadCallbacks } from "./load-callbacks.js";
import { claimsOf, normalizeEntry, planEntry, type PlannedEntry } from "./load-plan.js";
import { entriesOf, noDefinitionsIssue, screenEntries } from "./load-screen.js";
import type { Particle, ParticleClass } from "./particle.js";
import { DEFAULT_DEFINITION_FILES, readDefinitionFile } from "./parse.js";
import type { Quasiparticle, QuasiparticleDefinition } from "./quasiparticle.js";
import { flavorRegistry, type FlavorClass, type FlavorRegistry } from "./registry.js";
import { isPlainObject } from "./values.js";

/** Options of {@link loadField} and {@link loadFiles}. */
export interface LoadOptions {
  /** Where flavors are looked up. Default: the process-wide registry with the built-in flavors. */
  readonly registry?: FlavorRegistry;
  /** The file the definitions came from, for error locations. */
  readonly file?: string;
  /** Where `"./module.js#export"` callbacks are resolved from. Default: the file's folder, else the working directory. */
  readonly baseDir?: string;
  /**
   * The field's name (see `Field.name`). Default: none for {@link loadField}; {@link loadFiles}
   * names it after its first file (`defaultFieldName`).
   */
  readonly fieldName?: string;
}

/** Definitions turned into particles: one linked field, plus the top-level entries by name. */
export interface LoadedField {
  /** Every particle of every entry (quasiparticle members included), linked. */
  readonly field: Field;
  /** The top-level entries, particles and quasiparticles, in file order. */
  readonly entries: readonly (Particle | Quasiparticle)[];
}

/**
 * Validates definitions and builds the field. A source holds one definition or a list; each
 * entry is a particle or a quasiparticle. Every problem is collected and reported at once, before
 * anything could touch the cloud.
 * @throws DefinitionError listing each problem with its file, particle and field.
 * @example
 * ```ts
 * const { field } = await loadField([{ pcf_name: "notes", flavor: "local_file", local_resource: { path: "notes.txt" } }]);
 * await applyField(field);
 * ```
 */
export async function loadField(source: unknown, options: LoadOptions = {}): Promise<LoadedField> {
  const registry = options.registry ?? flavorRegistry;
  const file = options.file;
  const baseDir = options.baseDir ?? (file === undefined ? process.cwd() : dirname(resolve(file)));
  const issues: DefinitionIssue[] = [];
  const screened = screenEntries(entriesOf(source), file, issues);
  if (screened === undefined) throw new DefinitionError(issues);
  // The entries' own flavors first: a quasiparticle class may rewrite its entry (adding members),
  // and the members' flavors are resolved from the rewritten entries. The second pass reports
  // every unknown flavor, so the first one's problems are not kept.
  const entryClasses = await resolveClasses(
    screened.map((entry) => entry.raw),
    registry,
    file,
    [],
  );
  const normalized = screened.map(({ raw, index }) => ({
    raw: normalizeEntry(raw, entryClasses),
    index,
  }));
  const classes = await resolveClasses(
    normalized.map((entry) => entry.raw),
    registry,
    file,
    issues,
  );

  const planned = normalized.flatMap(({ raw, index }) =>
    planEntry(raw, index, classes, file, issues),
  );
  issues.push(...identityIssues(claimsOf(planned, classes), file));
  const quasiMembers = new Map(
    planned
      .filter((entry) => entry.kind === "quasi")
      .map((entry) => [
        entry.id,
        entry.members.map((member) => `${member.flavor}:${member.pcf_name}`),
      ]),
  );
  const expandParents = (definition: FusedMember): FusedMember => {
    if (!Array.isArray(definition.parents)) return definition;
    const parents = (definition.parents as string[]).flatMap((id) => quasiMembers.get(id) ?? [id]);
    return { ...definition, parents };
  };

  const field = new Field([], options.fieldName === undefined ? {} : { name: options.fieldName });
  const built: { entry: PlannedEntry; particles: Particle[] }[] = [];
  for (const entry of planned) {
    const definitions = entry.kind === "quasi" ? entry.members : [entry.definition];
    const particles: Particle[] = [];
    for (const definition of definitions) {
      const particle = await construct(expandParents(definition), classes, file, baseDir, issues);
      // A second particle with a taken id was reported by identityIssues.
      if (particle === undefined || field.get(particle.id) !== undefined) continue;
      field.add(particle);
      particles.push(particle);
    }
    built.push({ entry, particles });
  }
  if (issues.length > 0) throw new DefinitionError(issues);
  withFile(file, () => field.link());

  const entries = built.map(({ entry, particles }) => {
    if (entry.kind === "particle") return particles[0] as Particle;
    return withFile(file, () => new entry.type(entry.definition, particles));
  });
  return { field, entries };
}

/** Options of {@link loadFiles}. */
export interface LoadFilesOptions extends Omit<LoadOptions, "file"> {
  /** Rewrites each file's parsed content before validation (the CLI's `--var` substitution). */
  readonly transform?: (source: unknown, path: string) => unknown;
}

/**
 * Loads several definition files into one field (edges may cross files).
 * @throws DefinitionError with every problem of every file (syntax errors included);
 * PcfError `FILE_NOT_FOUND` for a missing file.
 */
export async function loadFiles(
  paths: readonly string[],
  options: LoadFilesOptions = {},
): Promise<LoadedField> {
  const { transform = (source: unknown) => source, ...given } = options;
  const firstPath = paths[0];
  const loadOptions =
    given.fieldName === undefined && firstPath !== undefined
      ? { ...given, fieldName: defaultFieldName(firstPath) }
      : given;
  const loaded = await Promise.all(
    paths.map(async (path) => {
      try {
        const source = transform(await readDefinitionFile(path), path);
        return {
          path,
          source,
          issues: entriesOf(source).length === 0 ? [noDefinitionsIssue(path)] : [],
        };
      } catch (error) {
        // Bad content in one file must not hide the problems of the others.
        if (error instanceof DefinitionError) return { path, source: [], issues: error.issues };
        if (error instanceof PcfError && error.code === "DEFINITION_INVALID")
          return { path, source: [], issues: [{ ...error.where, message: error.message }] };
        throw error;
      }
    }),
  );
  // In the order of `paths`, whichever file was read first.
  const issues: DefinitionIssue[] = loaded.flatMap((file) => file.issues);
  if (issues.length > 0) throw new DefinitionError(issues);
  if (loaded.length === 1 && loaded[0] !== undefined)
    return loadField(loaded[0].source, { ...loadOptions, file: loaded[0].path });
  const sources = loaded.flatMap(({ source }) => entriesOf(source));
  return loadField(sources, {
    ...loadOptions,
    file: paths.join(", "),
    baseDir: loadOptions.baseDir ?? process.cwd(),
  });
}

/**
 * The definition file in `directory`: `pcf.json`, then `pcf.yml`, then `pcf.yaml` (PCF's order).
 * @throws PcfError `FILE_NOT_FOUND` when there is none.
 */
export async function findDefinitionFile(directory: string): Promise<string> {
  for (const name of DEFAULT_DEFINITION_FILES) {
    const path = join(directory, name);
    try {
      await access(path);
      return path;
    } catch {
      continue;
    }
  }
  throw new PcfError(
    "FILE_NOT_FOUND",
    `no ${DEFAULT_DEFINITION_FILES.join(", ")} in ${directory}; pass a file with -f`,
  );
}

async function resolveClasses(
  rawEntries: readonly unknown[],
  registry: FlavorRegistry,
  file: string | undefined,
  issues: DefinitionIssue[],
): Promise<Map<string, FlavorClass>> {
  // Each flavor, with the ids of the entries that use it, so an unknown one names its particles.
  const users = new Map<string, string[]>();
  const use = (entry: Record<string, unknown>, fallbackName: unknown): void => {
    if (typeof entry.flavor !== "string") return;
    const name = typeof entry.pcf_name === "string" ? entry.pcf_name : fallbackName;
    const id = typeof name === "string" ? `${entry.flavor}:${name}` : entry.flavor;
    users.set(entry.flavor, [...(users.get(entry.flavor) ?? []), id]);
  };
  for (const raw of rawEntries) {
    if (!isPlainObject(raw)) continue;
    use(raw, undefined);
    if (Array.isArray(raw.particles))
      for (const member of raw.particles) if (isPlainObject(member)) use(member, raw.pcf_name);
  }
  const classes = new Map<string, FlavorClass>();
  await Promise.all(
    [...users].map(async ([flavor, ids]) => {
      try {
        classes.set(flavor, await registry.resolve(flavor));
      } catch (error) {
        issues.push({
          file,
          particle: listNames(ids),
          field: "flavor",
          message: messageOf(error),
        });
      }
    }),
  );
  return classes;
}

async function construct(
  definition: FusedMember,
  classes: Map<string, FlavorClass>,
  file: string | undefined,
  baseDir: string,
  issues: DefinitionIssue[],
): Promise<Particle | undefined> {
  const type = classes.get(definition.flavor) as ParticleClass | undefined;
  if (type === undefined) return undefined;
  const id = `${definition.flavor}:${definition.pcf_name}`;
  try {
    const callbacks = await loadCallbacks(definition, baseDir);
    return new type({
      ...definition,
      ...(callbacks === undefined ? {} : { callbacks }),
    });
  } catch (error) {
    if (error instanceof DefinitionError)
      issues.push(...error.issues.map((issue) => ({ ...issue, file })));
    else
      issues.push({
        file,
        particle: id,
        field: error instanceof PcfError ? error.where.field : undefined,
        message: messageOf(error),
      });
    return undefined;
  }
}

function withFile<T>(file: string | undefined, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof DefinitionError)
      throw new DefinitionError(error.issues.map((issue) => ({ ...issue, file })));
    if (error instanceof PcfError)
      throw new PcfError(
        error.code,
        error.message,
        { ...error.where, file },
        { cause: error.cause },
      );
    throw error;
  }
}

/**
 * Builds one quasiparticle from its definition in code: fused, validated and linked, its class
 * found in the registry by `flavor` (register your subclass first).
 * @throws DefinitionError for bad definitions; PcfError `DEFINITION_INVALID` when the flavor is a particle's.
 */
export async function loadQuasiparticle<Q extends Quasiparticle = Quasiparticle>(
  definition: QuasiparticleDefinition,
  options: LoadOptions = {},
): Promise<Q> {
  const { entries } = await loadField(definition, options);
  const [entry] = entries;
  if (entry === undefined || !("field" in entry)) {
    throw new PcfError("DEFINITION_INVALID", `${definition.flavor} is not a quasiparticle flavor`, {
      particle: `${definition.flavor}:${definition.pcf_name}`,
      field: "flavor",
    });
  }
  return entry as Q;
}
