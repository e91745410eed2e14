// The public API report: for each entry point of the package (`particle-cloud`, `/local`, `/aws`,
// `/azure`, `/gcp`), API Extractor writes what its shipped `.d.ts` exports to api/<name>.api.md.
// `--check` (CI) fails when a report differs from the checked-in one, so a change to the public
// API is a reviewed change: run `npm run api:report` and commit the report with it.
//
//   npm run build && npm run api:report      # rewrite the reports
//   npm run api:check                         # compare (CI)

import process from "node:process";
import { URL, fileURLToPath } from "node:url";
import { Extractor, ExtractorConfig } from "@microsoft/api-extractor";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const isCheck = process.argv.includes("--check");

/** Each entry point's report name and its declaration file. */
const ENTRY_POINTS = {
  "particle-cloud": "dist/index.d.ts",
  local: "dist/providers/local/index.d.ts",
  aws: "dist/providers/aws/index.d.ts",
  azure: "dist/providers/azure/index.d.ts",
  gcp: "dist/providers/gcp/index.d.ts",
};

let failed = false;
for (const [name, entry] of Object.entries(ENTRY_POINTS)) {
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: ROOT,
      mainEntryPointFilePath: `<projectFolder>/${entry}`,
      compiler: { tsconfigFilePath: "<projectFolder>/tsconfig.build.json" },
      apiReport: {
        enabled: true,
        reportFileName: `${name}.api.md`,
        reportFolder: "<projectFolder>/api/",
        reportTempFolder: "<projectFolder>/dist/api-temp/",
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: "warning" } },
        extractorMessageReporting: {
          default: { logLevel: "none" },
          "ae-missing-release-tag": { logLevel: "none" },
        },
        tsdocMessageReporting: { default: { logLevel: "none" } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: `${ROOT}package.json`,
  });
  const result = Extractor.invoke(config, { localBuild: !isCheck, showVerboseMessages: false });
  if (result.apiReportChanged && isCheck) {
    process.stderr.write(
      `api/${name}.api.md differs from the shipped API: run \`npm run api:report\`\n`,
    );
    failed = true;
  } else if (!result.succeeded) failed = true;
  else
    process.stdout.write(
      `api/${name}.api.md ${result.apiReportChanged ? "written" : "unchanged"}\n`,
    );
}
process.exit(failed ? 1 : 0);
