import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerFlagOption, providerOptionsOf } from "../../src/cli/options.js";
import { createRunContext } from "../../src/index.js";
import { PROVIDER_CLI_OPTIONS } from "../../src/provider-cli-options.js";
import { readAwsOptions } from "../../src/providers/aws/options.js";
import { cleanup, isBuilt, makeProject, runPcf } from "./pcf.js";

/** The `providerOptions` a command line gives, parsed by commander with every provider's flags. */
function providerOptionsFor(args: readonly string[]): Record<string, unknown> {
  const command = new Command("pcf").exitOverride().configureOutput({ writeErr: () => {} });
  for (const provider of PROVIDER_CLI_OPTIONS)
    for (const flag of Object.values(provider.flags)) command.addOption(providerFlagOption(flag));
  command.parse(args, { from: "user" });
  return providerOptionsOf(command.opts());
}

describe("provider flags", () => {
  it("map onto providerOptions.aws, seconds as milliseconds", () => {
    const args = ["--region", "eu-west-1", "--profile", "dev"];
    args.push("--endpoint", "http://127.0.0.1:4566", "--request-timeout", "2.5");

    expect(providerOptionsFor(args)).toEqual({
      aws: {
        region: "eu-west-1",
        profile: "dev",
        endpoint: "http://127.0.0.1:4566",
        requestTimeoutMs: 2500,
      },
    });
  });

  it("keep a request timeout of 0 as no limit", () => {
    expect(providerOptionsFor(["--request-timeout", "0"])).toEqual({
      aws: { requestTimeoutMs: 0 },
    });
  });

  it("leave out a provider none of whose flags was given", () => {
    expect(providerOptionsFor([])).toEqual({});
    expect(providerOptionsOf({ timeout: 30, json: true })).toEqual({});
  });

  it("reject a malformed number of seconds", () => {
    expect(() => providerOptionsFor(["--request-timeout", "soon"])).toThrow(
      "expected a number of seconds (0: no limit)",
    );
  });

  it("give AWS options the AWS provider accepts", () => {
    const args = ["--region", "eu-west-1", "--profile", "dev"];
    args.push("--endpoint", "http://127.0.0.1:4566", "--request-timeout", "1");
    const providerOptions = providerOptionsFor(args);

    expect(readAwsOptions(createRunContext({ providerOptions }))).toEqual(providerOptions["aws"]);
  });

  it("are declared once across the providers", () => {
    const longFlags = PROVIDER_CLI_OPTIONS.flatMap((provider) =>
      Object.values(provider.flags).map((flag) => providerFlagOption(flag).long),
    );

    expect(longFlags.every((flag) => flag?.startsWith("--"))).toBe(true);
    expect(new Set(longFlags).size).toBe(longFlags.length);
  });
});

describe("the help of every command that talks to providers", () => {
  let dir: string;

  beforeAll(async () => {
    expect(isBuilt, "run `npm run build` first (npm test does)").toBe(true);
    dir = await makeProject({});
  });

  afterAll(async () => {
    await cleanup(dir);
  });

  it.each(["apply", "run", "stop", "terminate", "plan", "status", "unlock"])(
    "lists every provider flag in `pcf %s --help`, in its provider's group",
    async (command) => {
      const { code, stdout } = await runPcf([command, "--help"], { cwd: dir });
      const text = stdout.replace(/\s+/g, " ");

      expect(code).toBe(0);
      for (const provider of PROVIDER_CLI_OPTIONS) {
        expect(text).toContain(` ${provider.helpGroup} `);
        const group = text.slice(text.indexOf(` ${provider.helpGroup} `));
        for (const flag of Object.values(provider.flags)) {
          expect(group).toContain(`${flag.flags} ${flag.help}`);
        }
      }
    },
  );
});
