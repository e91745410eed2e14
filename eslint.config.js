// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const cloudSdks = ["@aws-sdk/*", "@smithy/*", "@azure/*", "@google-cloud/*"];

// Layering (docs/architecture.md, "Layers"). A relative import cannot be resolved by
// no-restricted-imports, so each rule climbs a known number of folders: the blocks below are
// generated per folder depth, up to MAX_DEPTH folders below a layer's own folder. Where several
// blocks match a file, the last one's no-restricted-imports replaces the others', so each block
// lists every pattern its files obey.

/** Deepest nesting, below a layer's own folder (`src/providers/aws/`), that the rules cover. */
const MAX_DEPTH = 3;

/**
 * The cloud SDKs each provider may import; a new provider adds its line.
 * @type {Readonly<Record<string, readonly string[]>>}
 */
const providerSdks = {
  aws: ["@aws-sdk/*", "@smithy/*"],
  azure: ["@azure/*"],
  gcp: ["@google-cloud/*", "google-auth-library"],
  local: [],
};

/**
 * A regex source for a relative import that climbs exactly `levels` folders, then goes on.
 * @param {number} levels
 */
const climb = (levels) => `^(\\.\\./){${levels}}`;

/** The package's own name: a module inside it reaches the public API this way too. */
const selfReference = { group: ["particle-cloud", "particle-cloud/*"] };

/**
 * The `no-restricted-imports` setting for `patterns`.
 * @param {object[]} patterns
 * @returns {import("eslint").Linter.RulesRecord}
 */
const restrictImports = (patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

/**
 * Every file exactly `depth` folders below `folder`.
 * @param {string} folder
 * @param {number} depth
 */
const filesAt = (folder, depth) => [`${folder}/${"*/".repeat(depth)}*.ts`];

/**
 * One config block per depth, each restricting imports to `patternsAt(depth)`.
 * @param {string} folder
 * @param {(depth: number) => object[]} patternsAt
 */
const layer = (folder, patternsAt) =>
  Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => ({
    files: filesAt(folder, depth),
    rules: restrictImports(patternsAt(depth)),
  }));

/**
 * A provider: core, the kit, its own files and its own SDKs only.
 * @param {string} provider
 * @param {readonly string[]} sdks
 * @returns {(depth: number) => object[]}
 */
const providerPatterns = (provider, sdks) => (depth) => [
  {
    group: cloudSdks.filter((sdk) => !sdks.includes(sdk)),
    message: `providers/${provider} imports no other provider's SDK.`,
  },
  {
    // From the providers/ folder: every folder but the kit is another provider.
    regex: `${climb(depth + 1)}(?!kit/)[^/.][^/]*/`,
    message: "A provider imports no other provider (the provider kit excepted).",
  },
  {
    // From src/: only core/. That leaves out src/index.ts, the CLI, quasiparticles, the catalogue.
    regex: `${climb(depth + 2)}(?!core/)`,
    message:
      "A provider imports core/ and the provider kit, never the CLI, quasiparticles or src/index.ts.",
  },
  { ...selfReference, message: "A provider imports core/ modules, not the public API." },
];

/**
 * The provider kit: core only, no SDK, no provider.
 * @param {number} depth
 */
const kitPatterns = (depth) => [
  { group: cloudSdks, message: "The provider kit imports no cloud SDK." },
  {
    regex: `${climb(depth + 1)}[^/.]`,
    message: "The provider kit imports no provider: providers import it.",
  },
  { regex: `${climb(depth + 2)}(?!core/)`, message: "The provider kit imports core/ only." },
  { ...selfReference, message: "The provider kit imports core/ modules, not the public API." },
];

/**
 * Premade quasiparticles: core (and the catalogue's types), never providers or the public API.
 * @param {number} depth
 */
const quasiparticlePatterns = (depth) => [
  { group: cloudSdks, message: "A quasiparticle imports no cloud SDK." },
  {
    regex: `${climb(depth + 1)}(?!core/|catalogue(\\.js)?$)`,
    message: "A quasiparticle imports core/, never a provider, the CLI or src/index.ts.",
  },
  { ...selfReference, message: "A quasiparticle imports core/ modules, not the public API." },
];

/** Core: no provider, no CLI, no quasiparticle, no cloud SDK. */
const corePatterns = [
  { group: cloudSdks, message: "core/ imports no cloud SDK." },
  {
    group: ["**/providers/**", "**/cli/**", "**/quasiparticles/**"],
    message: "core/ imports no provider, quasiparticle or CLI module.",
  },
];

/**
 * What `pcf --help` loads besides commander (the provider option table and each provider's
 * cli-options.ts): plain data, so no zod, YAML, SDK or core. test/cli/help.test.ts checks the
 * whole graph; this names the culprit at the import.
 */
const helpTimePatterns = [
  {
    group: ["zod", "zod/*", "yaml", ...cloudSdks],
    message: "`pcf --help` loads this module: no zod, YAML or SDK.",
  },
  { regex: "(^|/)core/", message: "`pcf --help` loads this module: no core/." },
];

const layering = [
  {
    files: ["src/core/**/*.ts"],
    rules: restrictImports(corePatterns),
  },
  ...Object.entries(providerSdks).flatMap(([provider, sdks]) =>
    layer(`src/providers/${provider}`, providerPatterns(provider, sdks)),
  ),
  ...layer("src/providers/kit", kitPatterns),
  ...layer("src/quasiparticles", quasiparticlePatterns),
  ...Object.entries(providerSdks).map(([provider, sdks]) => ({
    files: [`src/providers/${provider}/cli-options.ts`],
    rules: restrictImports([...providerPatterns(provider, sdks)(0), ...helpTimePatterns]),
  })),
  {
    files: ["src/provider-cli-options.ts"],
    rules: restrictImports(helpTimePatterns),
  },
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".venv/**", "bin/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ["src/**/*.ts"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "no-restricted-syntax": [
        "error",
        { selector: "ExportDefaultDeclaration", message: "Use named exports." },
      ],
      "no-console": "error",
    },
  },
  ...layering,
  {
    // The CLI talks to the library through its public entry points only.
    files: ["src/cli/**/*.ts"],
    rules: {
      "no-console": "off",
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: cloudSdks, message: "cli/ loads cloud SDKs only through flavors." },
            {
              group: ["../core/*", "../providers/*/*", "../quasiparticles/*"],
              message: "cli/ uses the public API (src/index.ts) only.",
            },
          ],
        },
      ],
    },
  },
);
