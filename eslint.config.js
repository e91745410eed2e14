// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const cloudSdks = ["@aws-sdk/*", "@smithy/*", "@azure/*", "@google-cloud/*"];

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
  {
    // Layering: core knows nothing of providers, the CLI or any cloud SDK.
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: cloudSdks, message: "core/ imports no cloud SDK." },
            {
              group: ["**/providers/**", "**/cli/**", "**/quasiparticles/**"],
              message: "core/ imports no provider, quasiparticle or CLI module.",
            },
          ],
        },
      ],
    },
  },
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
