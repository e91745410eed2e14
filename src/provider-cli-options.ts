import { AWS_CLI_OPTIONS } from "./providers/aws/cli-options.js";
import { AZURE_CLI_OPTIONS } from "./providers/azure/cli-options.js";
import { GCP_CLI_OPTIONS } from "./providers/gcp/cli-options.js";
import type { ProviderCliOptions } from "./providers/kit/cli-options.js";

export type {
  ProviderCliFlag,
  ProviderCliFlagKind,
  ProviderCliOptions,
} from "./providers/kit/cli-options.js";

/**
 * Every provider's `pcf` flags, in the order of the help: a table like the flavor catalogue. A
 * provider with flags declares them in its `cli-options.ts` and adds its line here; the CLI adds
 * them to every command that talks to providers and maps their values with the provider's
 * `toProviderOptions`. Plain data: `pcf --help` loads it, so it and each `cli-options.ts` import
 * no zod, YAML, core or SDK (ESLint and test/cli/help.test.ts check).
 * @internal
 */
export const PROVIDER_CLI_OPTIONS: readonly ProviderCliOptions[] = [
  AWS_CLI_OPTIONS,
  AZURE_CLI_OPTIONS,
  GCP_CLI_OPTIONS,
];
