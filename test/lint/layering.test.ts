import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { ROOT } from "../cli/pcf.js";

/**
 * The layering rules of eslint.config.js, run through ESLint's own API on one-line sources placed
 * (virtually) in each folder: every forbidden import is reported, every allowed one is not. Only
 * `no-restricted-imports` runs, without type information, so the files need not exist.
 */
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === "no-restricted-imports",
});

/** The messages `no-restricted-imports` gives `import ... from "<source>"` in `filePath`. */
async function restrictionsOf(filePath: string, source: string): Promise<string[]> {
  const code = `import { thing } from ${JSON.stringify(source)};\nexport const used = thing;\n`;
  const [result] = await eslint.lintText(code, { filePath, warnIgnored: true });
  expect(result, `ESLint linted ${filePath}`).toBeDefined();
  const messages = result?.messages ?? [];
  expect(messages.filter((message) => message.ruleId !== "no-restricted-imports")).toEqual([]);
  return messages.map((message) => message.message);
}

// [file, import]: each a layer's file importing what it must not.
const FORBIDDEN: readonly (readonly [string, string])[] = [
  ["src/core/x.ts", "../providers/aws/resource.js"],
  ["src/core/x.ts", "../providers/kit/create-once.js"],
  ["src/core/x.ts", "../cli/output.js"],
  ["src/core/x.ts", "../quasiparticles/distributed-master-worker.js"],
  ["src/core/x.ts", "@aws-sdk/client-s3"],
  ["src/providers/aws/x.ts", "../local/file.js"],
  ["src/providers/aws/s3/x.ts", "../../local/file.js"],
  ["src/providers/aws/x.ts", "../../cli/output.js"],
  ["src/providers/aws/s3/x.ts", "../../../cli/output.js"],
  ["src/providers/aws/x.ts", "../../quasiparticles/distributed-master-worker.js"],
  ["src/providers/aws/x.ts", "../../index.js"],
  ["src/providers/aws/s3/x.ts", "../../../index.js"],
  ["src/providers/aws/x.ts", "../../catalogue.js"],
  ["src/providers/aws/x.ts", "particle-cloud"],
  ["src/providers/aws/x.ts", "particle-cloud/local"],
  ["src/providers/aws/x.ts", "@azure/storage-blob"],
  ["src/providers/local/x.ts", "../aws/resource.js"],
  ["src/providers/local/x.ts", "../../cli/output.js"],
  ["src/providers/local/x.ts", "../../quasiparticles/distributed-master-worker.js"],
  ["src/providers/local/x.ts", "../../index.js"],
  ["src/providers/local/x.ts", "@aws-sdk/client-s3"],
  ["src/providers/kit/x.ts", "../aws/errors.js"],
  ["src/providers/kit/x.ts", "../local/options.js"],
  ["src/providers/kit/x.ts", "../../cli/output.js"],
  ["src/providers/kit/x.ts", "../../index.js"],
  ["src/providers/kit/x.ts", "@aws-sdk/client-ec2"],
  ["src/providers/kit/x.ts", "@smithy/types"],
  ["src/quasiparticles/x.ts", "../index.js"],
  ["src/quasiparticles/x.ts", "../providers/aws/ec2/instance.js"],
  ["src/quasiparticles/x.ts", "../providers/kit/create-once.js"],
  ["src/quasiparticles/x.ts", "../cli/output.js"],
  ["src/quasiparticles/x.ts", "particle-cloud"],
  ["src/quasiparticles/x.ts", "@aws-sdk/client-ec2"],
  ["src/quasiparticles/sub/x.ts", "../../index.js"],
  ["src/providers/aws/cli-options.ts", "zod"],
  ["src/providers/aws/cli-options.ts", "../../core/errors.js"],
  ["src/providers/aws/cli-options.ts", "../local/file.js"],
  ["src/providers/aws/cli-options.ts", "@aws-sdk/client-s3"],
  ["src/provider-cli-options.ts", "./core/errors.js"],
  ["src/provider-cli-options.ts", "yaml"],
  ["src/cli/x.ts", "../core/particle.js"],
  ["src/cli/x.ts", "../providers/aws/resource.js"],
  ["src/cli/x.ts", "@aws-sdk/client-s3"],
];

// [file, import]: what each layer may import.
const ALLOWED: readonly (readonly [string, string])[] = [
  ["src/core/x.ts", "./wait.js"],
  ["src/core/x.ts", "zod"],
  ["src/providers/aws/x.ts", "../../core/particle.js"],
  ["src/providers/aws/x.ts", "../kit/create-once.js"],
  ["src/providers/aws/x.ts", "./tags.js"],
  ["src/providers/aws/x.ts", "@aws-sdk/client-s3"],
  ["src/providers/aws/x.ts", "@smithy/types"],
  ["src/providers/aws/s3/x.ts", "../../../core/particle.js"],
  ["src/providers/aws/s3/x.ts", "../../kit/create-once.js"],
  ["src/providers/aws/s3/x.ts", "../resource.js"],
  ["src/providers/aws/s3/x.ts", "../vpc/vpc.js"],
  ["src/providers/aws/s3/x.ts", "./bucket-read.js"],
  ["src/providers/local/x.ts", "../../core/particle.js"],
  ["src/providers/local/x.ts", "../kit/create-once.js"],
  ["src/providers/local/x.ts", "./options.js"],
  ["src/providers/local/x.ts", "node:fs/promises"],
  ["src/providers/kit/x.ts", "../../core/wait.js"],
  ["src/providers/kit/x.ts", "./create-once.js"],
  ["src/providers/kit/x.ts", "node:timers/promises"],
  ["src/quasiparticles/x.ts", "../core/quasiparticle.js"],
  ["src/quasiparticles/x.ts", "../catalogue.js"],
  ["src/quasiparticles/sub/x.ts", "../../core/errors.js"],
  ["src/quasiparticles/sub/x.ts", "../x.js"],
  ["src/providers/aws/cli-options.ts", "../kit/cli-options.js"],
  ["src/providers/aws/cli-options.ts", "./request-timeouts.js"],
  ["src/provider-cli-options.ts", "./providers/aws/cli-options.js"],
  ["src/cli/x.ts", "../index.js"],
  ["src/cli/x.ts", "../provider-cli-options.js"],
];

describe("layering rules", () => {
  it.each(FORBIDDEN)("reports %s importing %s", async (file, source) => {
    expect(await restrictionsOf(file, source)).toHaveLength(1);
  });

  it.each(ALLOWED)("lets %s import %s", async (file, source) => {
    expect(await restrictionsOf(file, source)).toEqual([]);
  });
});
