import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/** The chaos suite (`npm run test:chaos`): faults, retries and kills against moto. */
export default defineConfig({
  test: {
    ...base.test,
    include: ["test/chaos/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 180_000,
  },
});
