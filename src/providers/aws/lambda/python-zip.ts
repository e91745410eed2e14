import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { isAbsolute, join, normalize, relative, sep } from "node:path";
import { promisify } from "node:util";
import { zipSync, type Zippable } from "fflate";
import { messageOf } from "../../../core/errors.js";

/**
 * The zip of a Python Lambda function, built in memory from local files (PCF's
 * `lambda_python_function`): the handler's files, and the packages its requirements name, copied
 * from the local Python environment. The zip is deterministic: entries sorted by path, every entry
 * with the same timestamp and permissions, so the same files always give the same bytes (and the
 * same `CodeSha256`: an unchanged handler plans no update).
 */

/** What the zip is built from. */
export interface PythonZipSources {
  /** The directory the files and the requirements file are in. */
  readonly directory: string;
  /** The Python files, as paths relative to `directory`; each is stored at that path. */
  readonly files: readonly string[];
  /**
   * The requirements file, relative to `directory`: the installed files of each package it names
   * are added. Default `requirements.txt`, which may then be absent (no packages).
   */
  readonly requirements?: string | undefined;
  /** The Python interpreter whose environment the packages are found in. Default `python3`. */
  readonly python?: string | undefined;
}

/** Why a zip could not be built: the message names the file, line or package at fault. */
export class PythonZipError extends Error {
  /** The `custom_config` member at fault (`python_files`, `lambda_requirements`). */
  readonly field: string;

  constructor(message: string, field: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PythonZipError";
    this.field = field;
  }
}

const DEFAULT_REQUIREMENTS = "requirements.txt";
/** Every entry's time: 1980-01-01 00:00 in local time, the zip format's first day, in any time zone. */
const FIXED_TIME = new Date(1980, 0, 1);
/** Unix, `-rw-r--r--`: Lambda must be able to read every file. */
const UNIX = 3;
const READABLE = 0o100644 << 16;

/**
 * Finds the installed files of each package named in argv[1] (a JSON list): the files its
 * distribution records (`importlib.metadata`), else the package directory or module that
 * `import` would load. Prints `{ name: { root, files } | null }`.
 */
const FIND_PACKAGES = String.raw`
import importlib.metadata as metadata, importlib.util, json, os, sys
found = {}
for name in json.loads(sys.argv[1]):
    try:
        dist = metadata.distribution(name)
        root = str(dist.locate_file(""))
        files = [str(path) for path in (dist.files or [])]
        found[name] = {"root": root, "files": files}
        continue
    except metadata.PackageNotFoundError:
        pass
    try:
        spec = importlib.util.find_spec(name.replace("-", "_"))
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin in (None, "built-in", "frozen"):
        found[name] = None
    elif spec.submodule_search_locations:
        package = list(spec.submodule_search_locations)[0]
        root = os.path.dirname(package)
        files = [os.path.relpath(os.path.join(folder, file), root)
                 for folder, _, names in os.walk(package) for file in names]
        found[name] = {"root": root, "files": files}
    else:
        found[name] = {"root": os.path.dirname(spec.origin), "files": [os.path.basename(spec.origin)]}
print(json.dumps(found))
`;

/** The installed files of one package: paths relative to `root`. */
interface InstalledPackage {
  readonly root: string;
  readonly files: readonly string[];
}

/**
 * Builds the zip of `sources`.
 * @throws PythonZipError when a file cannot be read, a requirement cannot be parsed, or a package
 *   is not installed (naming it).
 */
export async function buildPythonZip(sources: PythonZipSources): Promise<Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  const add = (path: string, bytes: Uint8Array, field: string): void => {
    if (entries.has(path)) throw new PythonZipError(`the zip would hold ${path} twice`, field);
    entries.set(path, bytes);
  };
  for (const file of sources.files)
    add(
      entryPath(file),
      await readSource(join(sources.directory, entryPath(file)), "python_files"),
      "python_files",
    );
  const names = await requirementsOf(sources);
  if (names.length > 0) {
    const packages = await findPackages(names, sources.python ?? "python3");
    for (const name of names) {
      const installed = packages[name];
      if (installed === undefined || installed === null)
        throw new PythonZipError(
          `the package ${name} (in the requirements) is not installed for ${sources.python ?? "python3"}`,
          "lambda_requirements",
        );
      for (const file of installed.files.filter(isShipped))
        add(
          entryPath(file),
          await readSource(join(installed.root, file), "lambda_requirements"),
          "lambda_requirements",
        );
    }
  }
  const zippable: Zippable = {};
  for (const path of [...entries.keys()].sort())
    zippable[path] = [entries.get(path) ?? new Uint8Array(), {}];
  return zipSync(zippable, { mtime: FIXED_TIME, os: UNIX, attrs: READABLE, level: 6 });
}

/**
 * The package names of a requirements file's text: one requirement a line (PEP 508), its name
 * kept without the version, extras and markers (`pkg[extra]>=1.2; python_version>"3"` → `pkg`).
 * Blank lines and comments are skipped.
 * @throws PythonZipError on a line that names no package (an option such as `-r`, a URL).
 */
export function requirementNames(text: string): string[] {
  const names: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") continue;
    const match =
      /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;@(]|$)/.exec(
        line,
      );
    if (match?.[1] === undefined)
      throw new PythonZipError(
        `line ${index + 1} of the requirements names no package: ${raw.trim()}`,
        "lambda_requirements",
      );
    if (!names.includes(match[1])) names.push(match[1]);
  }
  return names;
}

/** The names the requirements file lists; none when the default file is absent. */
async function requirementsOf(sources: PythonZipSources): Promise<string[]> {
  const path = join(sources.directory, sources.requirements ?? DEFAULT_REQUIREMENTS);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const isMissing = (error as NodeJS.ErrnoException).code === "ENOENT";
    if (isMissing && sources.requirements === undefined) return [];
    throw new PythonZipError(
      `cannot read the requirements ${path}: ${messageOf(error)}`,
      "lambda_requirements",
      { cause: error },
    );
  }
  return requirementNames(text);
}

/** The installed files of each of `names`, found by `python`. */
async function findPackages(
  names: readonly string[],
  python: string,
): Promise<Readonly<Record<string, InstalledPackage | null>>> {
  try {
    const { stdout } = await promisify(execFile)(python, [
      "-c",
      FIND_PACKAGES,
      JSON.stringify(names),
    ]);
    return JSON.parse(stdout) as Record<string, InstalledPackage | null>;
  } catch (error) {
    throw new PythonZipError(
      `cannot look up the requirements with ${python}: ${messageOf(error)}`,
      "lambda_requirements",
      { cause: error },
    );
  }
}

/** Compiled files and files installed outside the package's root (scripts) are not shipped. */
function isShipped(file: string): boolean {
  const path = normalize(file);
  return (
    !path.startsWith(`..${sep}`) && !path.split(sep).includes("__pycache__") && !/\.pyc$/.test(path)
  );
}

/**
 * `path` as a zip entry: relative, with `/` separators.
 * @throws PythonZipError when it leaves its directory.
 */
function entryPath(path: string): string {
  const normalized = normalize(path);
  if (isAbsolute(normalized) || normalized.startsWith(`..${sep}`) || normalized === "..")
    throw new PythonZipError(`${path} is not inside the zip directory`, "python_files");
  return relative(".", normalized).split(sep).join("/");
}

async function readSource(path: string, field: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new PythonZipError(`cannot read ${path}: ${messageOf(error)}`, field, {
      cause: error,
    });
  }
}
