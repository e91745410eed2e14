import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The watch scale suite (`npm run test:watch`): several `pcf watch` processes sharing fields
 * through S3 leases on moto, one of them killed.
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ["test/watch/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 150_000,
  },
});
