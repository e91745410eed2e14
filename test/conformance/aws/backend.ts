import type { ProviderOptions } from "../../../src/core/run-context.js";
import type { AwsClient, AwsProviderOptions } from "../../../src/providers/aws/options.js";
import { awsTestOptions, motoEndpoint } from "../../support/aws.js";
import type { ConformanceBackend } from "../spec.js";

/** The `aws` block of provider options the suite built with {@link awsBackend}. */
function awsOf(options: ProviderOptions): AwsProviderOptions {
  return options["aws"] as AwsProviderOptions;
}

/** AWS on moto: a moto account per test file; the kill is a client middleware. */
export const awsBackend: ConformanceBackend = {
  emulator: "moto",
  resourceBlock: "aws_resource",
  endpoint: motoEndpoint,
  providerOptions: (testFileUrl) => awsTestOptions(testFileUrl),
  throughProxy: (options, endpoint) => ({
    ...options,
    aws: { ...awsOf(options), endpoint, maxAttempts: 3 },
  }),
  killedAfter: (options, operation, kill) => {
    const aws = awsOf(options);
    const commandName = `${operation}Command`;
    const killAfterCreate = (client: AwsClient): void => {
      aws.configureClient?.(client);
      client.middlewareStack.add(
        (next, context) => async (args) => {
          kill.signal.throwIfAborted();
          const output = await next(args);
          if (context.commandName === commandName) kill.abort(new Error("killed after create"));
          return output;
        },
        { step: "initialize", name: "killAfterCreate" },
      );
    };
    return { ...options, aws: { ...aws, configureClient: killAfterCreate } };
  },
  provenanceOf: (field, id) => ({ "pcf:field": field, "pcf:particle": id, "pcf:depth": "0" }),
};
