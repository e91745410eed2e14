import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The chaos, least-privilege and watch suites run on their own: `npm run test:chaos`,
    // `npm run test:iam` and `npm run test:watch` (vitest.chaos/iam/watch.config.ts).
    exclude: ["test/chaos/**", "test/iam/**", "test/watch/**", "**/node_modules/**"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One moto_server for the whole run; each AWS test file works in its own moto account.
    globalSetup: ["test/support/global-setup.ts"],
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // The provider's clients use the SDK's default credential chain; moto accepts any key.
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
    },
  },
});
