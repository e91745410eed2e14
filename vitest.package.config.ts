import { defineConfig } from "vitest/config";

/**
 * The package test (`npm run test:package`): packs the tarball, installs it into an empty
 * project from the registry and uses it as a user would. No cloud server is needed.
 */
export default defineConfig({
  test: {
    include: ["test/package/**/*.test.ts"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 600_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
