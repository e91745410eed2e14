import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { providerFlagOption, providerOptionsOf } from "../../../src/cli/options.js";
import { createRunContext } from "../../../src/index.js";
import { PROVIDER_CLI_OPTIONS } from "../../../src/provider-cli-options.js";
import { readAzureOptions } from "../../../src/providers/azure/options.js";

/** The `providerOptions` a command line gives, parsed by commander with every provider's flags. */
function providerOptionsFor(args: readonly string[]): Record<string, unknown> {
  const command = new Command("pcf").exitOverride().configureOutput({ writeErr: () => {} });
  for (const provider of PROVIDER_CLI_OPTIONS)
    for (const flag of Object.values(provider.flags)) command.addOption(providerFlagOption(flag));
  command.parse(args, { from: "user" });
  return providerOptionsOf(command.opts());
}

describe("the Azure flags", () => {
  it("map onto providerOptions.azure, which the provider accepts", () => {
    const args = ["--azure-account", "acmelogs"];
    args.push("--azure-endpoint", "http://127.0.0.1:10000/acmelogs");
    const providerOptions = providerOptionsFor(args);

    expect(providerOptions).toEqual({
      azure: { account: "acmelogs", endpoint: "http://127.0.0.1:10000/acmelogs" },
    });
    expect(readAzureOptions(createRunContext({ providerOptions }))).toEqual(
      providerOptions["azure"],
    );
  });

  it("leave AWS's alone", () => {
    expect(providerOptionsFor(["--azure-account", "acmelogs", "--region", "eu-west-1"])).toEqual({
      aws: { region: "eu-west-1" },
      azure: { account: "acmelogs" },
    });
  });
});
