import {
  DefinitionError,
  findDefinitionFile,
  loadField,
  readDefinitionFile,
  type DefinitionIssue,
  type DesiredState,
  type LoadedField,
  type Particle,
} from "../index.js";
import type { FileOptions, SelectionOptions } from "./options.js";
import { selectParticles } from "./select.js";
import { substituteVariables } from "./variables.js";

/** The definitions a command acts on, and the files they came from. @internal */
export interface LoadedDefinitions extends LoadedField {
  readonly files: readonly string[];
}

/**
 * Reads `-f` files (default: `pcf.json`, `pcf.yml` or `pcf.yaml` here), replaces `${key}`
 * variables in their string values, and loads them as one field. Every problem of every file is
 * reported at once.
 * @throws DefinitionError, or PcfError `FILE_NOT_FOUND`.
 * @internal
 */
export async function loadDefinitions(options: FileOptions): Promise<LoadedDefinitions> {
  const files =
    options.file !== undefined && options.file.length > 0
      ? [...new Set(options.file)]
      : [await findDefinitionFile(".")];
  const variables = options.var ?? {};
  const issues: DefinitionIssue[] = [];
  const sources = await Promise.all(
    files.map(async (file) => {
      try {
        return substituteVariables(await readDefinitionFile(file), variables, file);
      } catch (error) {
        if (!(error instanceof DefinitionError)) throw error;
        issues.push(...error.issues);
        return [];
      }
    }),
  );
  if (issues.length > 0) throw new DefinitionError(issues);
  const [onlyFile] = files;
  const loaded =
    files.length === 1 && onlyFile !== undefined
      ? await loadField(sources[0], { file: onlyFile })
      : await loadField(
          sources.flatMap((source) => (Array.isArray(source) ? (source as unknown[]) : [source])),
          { file: files.join(", "), baseDir: process.cwd() },
        );
  return { ...loaded, files };
}

/**
 * Loads the definitions, then picks the particles a command acts on (NAME, `-c`, `--target`,
 * `--with-dependents`, `--exclude`), in field order.
 * @internal
 */
export async function loadSelection(
  name: string | undefined,
  options: SelectionOptions,
  desiredState?: DesiredState,
): Promise<{ loaded: LoadedDefinitions; particles: Particle[] }> {
  const loaded = await loadDefinitions(options);
  const particles = selectParticles(loaded, {
    name,
    cascade: options.cascade,
    targets: options.target,
    excludes: options.exclude,
    withDependents: options.withDependents,
    desiredState,
  });
  return { loaded, particles };
}
