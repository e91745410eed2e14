import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The least-privilege suite (`npm run test:iam`): every AWS flavor's lifecycle run with only the
 * policy `pcf iam-policy` prints, on a moto_server of its own that enforces IAM.
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ["test/iam/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    globalSetup: ["test/iam/global-setup.ts"],
    testTimeout: 60_000,
    // No AWS keys: each run signs with its deployer's profile, each check as the admin.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
