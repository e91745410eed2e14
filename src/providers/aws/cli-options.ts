import { defineProviderCliOptions } from "../kit/cli-options.js";
import {
  DEFAULT_AWS_CONNECTION_TIMEOUT_MS,
  DEFAULT_AWS_REQUEST_TIMEOUT_MS,
} from "./request-timeouts.js";

/**
 * The AWS provider's `pcf` flags: `--region`, `--profile`, `--endpoint` and `--request-timeout`,
 * each the `AwsProviderOptions` field of its key. Loaded by `pcf --help`: imports no zod
 * and no SDK.
 * @internal
 */
export const AWS_CLI_OPTIONS = defineProviderCliOptions({
  provider: "aws",
  helpGroup: "Provider:",
  flags: {
    region: { flags: "--region <region>", help: "AWS region (default: AWS_REGION)", kind: "text" },
    profile: {
      flags: "--profile <name>",
      help: "AWS shared-config profile (default: AWS_PROFILE)",
      kind: "text",
    },
    endpoint: {
      flags: "--endpoint <url>",
      help: "AWS endpoint URL, e.g. a local emulator",
      kind: "text",
    },
    requestTimeoutMs: {
      flags: "--request-timeout <seconds>",
      help:
        "AWS: give up on one attempt of a request after this long, then retry; 0: no limit " +
        `(default: ${DEFAULT_AWS_REQUEST_TIMEOUT_MS / 1000}, ` +
        `of which connecting: ${DEFAULT_AWS_CONNECTION_TIMEOUT_MS / 1000})`,
      kind: "seconds",
    },
  },
  // Each flag's key is its AwsProviderOptions field.
  toProviderOptions: (values) => values,
});
