import { defineProviderCliOptions } from "../kit/cli-options.js";

/**
 * The Azure provider's `pcf` flags: `--azure-account` and `--azure-endpoint`, the
 * `AzureProviderOptions` fields `account` and `endpoint`. Credentials come from the environment
 * (`AZURE_STORAGE_CONNECTION_STRING`, or `DefaultAzureCredential`'s), never a flag: a secret on a
 * command line is seen by every user of the machine. Loaded by `pcf --help`: imports no zod and
 * no SDK.
 * @internal
 */
export const AZURE_CLI_OPTIONS = defineProviderCliOptions({
  provider: "azure",
  helpGroup: "Azure:",
  flags: {
    account: {
      flags: "--azure-account <name>",
      help: "Azure storage account of blocks that name none (default: AZURE_STORAGE_ACCOUNT)",
      kind: "text",
    },
    endpoint: {
      flags: "--azure-endpoint <url>",
      help: "Azure blob service URL, e.g. Azurite's http://127.0.0.1:10000/devstoreaccount1",
      kind: "text",
    },
  },
  // Each flag's key is its AzureProviderOptions field.
  toProviderOptions: (values) => values,
});
