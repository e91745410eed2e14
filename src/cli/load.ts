import {
  findDefinitionFile,
  loadFiles,
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
  const loaded = await loadFiles(files, {
    ...(options.field === undefined ? {} : { fieldName: options.field }),
    transform: (source, file) => substituteVariables(source, variables, file),
  });
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
