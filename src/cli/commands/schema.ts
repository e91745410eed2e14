import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

/**
 * `pcf schema`: the JSON Schema of a definition file, as shipped in the package
 * (`particle-cloud/schema.json`): the framework fields, and each built-in flavor's resource
 * block closed and typed, selected by `flavor`. It is generated from the code
 * (`npm run docs:reference`), and a test checks it still matches.
 * @internal
 */
export async function schemaCommand(): Promise<number> {
  const path = createRequire(import.meta.url).resolve("particle-cloud/schema.json");
  process.stdout.write(await readFile(path, "utf8"));
  return 0;
}
