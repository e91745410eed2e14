import { defineProviderCliOptions } from "../kit/cli-options.js";

/**
 * The GCP provider's `pcf` flags: `--gcp-project` and `--gcp-zone`, the `GcpProviderOptions`
 * fields `projectId` and `zone`. Loaded by `pcf --help`: imports no zod and no SDK.
 * @internal
 */
export const GCP_CLI_OPTIONS = defineProviderCliOptions({
  provider: "gcp",
  helpGroup: "GCP:",
  flags: {
    projectId: {
      flags: "--gcp-project <id>",
      help: "GCP project of particles without custom_config.project (default: GOOGLE_CLOUD_PROJECT)",
      kind: "text",
    },
    zone: {
      flags: "--gcp-zone <zone>",
      help: "GCP zone of compute particles without custom_config.zone (default: CLOUDSDK_COMPUTE_ZONE)",
      kind: "text",
    },
  },
  // Each flag's key is its GcpProviderOptions field.
  toProviderOptions: (values) => values,
});
