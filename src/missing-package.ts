import { createRequire } from "node:module";
import { PcfError } from "./core/errors.js";

/** What Node says when an import names a package that is not installed. */
const MISSING_PACKAGE = /^Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/;

/**
 * The package a failed import could not find, when that is why it failed: the failure of an
 * import of a flavor whose cloud SDK is an optional peer dependency the user did not install.
 */
export function missingPackageOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as Error & { code?: unknown }).code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return undefined;
  return MISSING_PACKAGE.exec(error.message)?.[1];
}

/** The version range this package declares for `name` (its optional peers), if any. */
function declaredRange(name: string): string | undefined {
  const manifest = createRequire(import.meta.url)("particle-cloud/package.json") as {
    readonly peerDependencies?: Readonly<Record<string, string>>;
  };
  return manifest.peerDependencies?.[name];
}

/**
 * `load`, failing with one line that names the package to install when the flavor's SDK is
 * missing: `flavor "blob" needs the package @azure/storage-blob, which is not installed: npm
 * install @azure/storage-blob@~12.32.0`.
 * @throws PcfError `PACKAGE_MISSING`; any other failure as it came.
 */
export async function loadNamingMissingPackage<T>(
  flavor: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const name = missingPackageOf(error);
    if (name === undefined) throw error;
    const range = declaredRange(name);
    const spec = range === undefined ? name : `${name}@${range}`;
    throw new PcfError(
      "PACKAGE_MISSING",
      `flavor "${flavor}" needs the package ${name}, which is not installed: npm install ${spec}`,
      { field: "flavor" },
      { cause: error },
    );
  }
}
