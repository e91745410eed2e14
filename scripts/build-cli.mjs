// Bundles the `pcf` binary into dist/cli/ with esbuild; `npm run build` runs it after tsc.
//
// Why a bundle: a one-shot CLI spends most of its life loading modules. Loaded as separate
// files, the AWS SDK is about a thousand modules, and Node 20 parses each CommonJS file twice (once
// to detect its format, once to compile it). One tree-shaken bundle, split into a chunk per
// lazily loaded part, halves the start-up of `pcf apply` on AWS particles (docs/performance.md).
// The library (dist/index.js and friends) is still plain tsc output.
//
// The metafile (dist/cli/meta.json) records which sources went into which chunk; a test uses it
// to check that `pcf --help` loads no chunk holding zod, yaml or a cloud SDK.

import { rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = join(ROOT, "dist", "cli");

// Some dependencies are CommonJS and call `require`; an ES module has none, so give it one.
const REQUIRE_SHIM =
  'import { createRequire as __pcfCreateRequire } from "node:module";\n' +
  "const require = __pcfCreateRequire(import.meta.url);";

await rm(OUT_DIR, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ["src/cli/main.ts"],
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The SDK's ES module builds tree-shake; their CommonJS builds do not.
  mainFields: ["module", "main"],
  chunkNames: "chunks/[name]-[hash]",
  banner: { js: REQUIRE_SHIM },
  // Optional peer dependencies: loaded from the user's node_modules when installed, never bundled,
  // so an AWS-only install carries none of them and a missing one is named (PACKAGE_MISSING).
  external: ["@azure/*", "@google-cloud/*", "google-auth-library"],
  // Readable stack traces matter more than bytes: minifying saved no measurable start-up time.
  minify: false,
  sourcemap: false,
  metafile: true,
  logLevel: "warning",
});
await writeFile(join(OUT_DIR, "meta.json"), JSON.stringify(result.metafile));
