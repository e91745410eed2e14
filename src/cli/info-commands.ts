import { Option, type Command } from "commander";
import type { InitOptions, PrintOptions } from "./options.js";
import { runAction } from "./run-action.js";

/**
 * The commands that talk to no provider: `schema`, `flavors` and `init`.
 * @internal
 */
export function addInfoCommands(program: Command): void {
  program
    .command("schema")
    .summary("print the JSON Schema of the definition format")
    .description(
      "Print the JSON Schema (draft 2020-12) of a definition file: one particle or " +
        "quasiparticle, or a list of them, with each built-in flavor's provider block closed " +
        "and typed. The same file ships in the package as particle-cloud/schema.json.",
    )
    .addOption(new Option("--debug", "print stack traces on errors"))
    .addHelpText("after", "\nExamples:\n  $ pcf schema > pcf.schema.json")
    .action((options: PrintOptions) =>
      runAction(options, async () => (await import("./commands/schema.js")).schemaCommand()),
    );

  program
    .command("flavors")
    .summary("list the built-in flavors")
    .description("List the built-in particle and quasiparticle flavors and their providers.")
    .option("--json", "print the list as one JSON object on stdout")
    .option("--debug", "print stack traces on errors")
    .addHelpText("after", "\nExamples:\n  $ pcf flavors\n  $ pcf flavors --json")
    .action((options: PrintOptions) =>
      runAction(options, async () =>
        (await import("./commands/flavors.js")).flavorsCommand(options),
      ),
    );

  program
    .command("init")
    .summary("write a starter pcf.yml")
    .description(
      "Write a starter definition file on the bundled local provider (no cloud account " +
        "needed), naming the JSON Schema for editors. Refuses to overwrite a file.",
    )
    .option("-f, --file <path>", "where to write it", "pcf.yml")
    .option("--force", "overwrite the file if it exists")
    .option("--json", "print what was written as one JSON object on stdout")
    .option("--debug", "print stack traces on errors")
    .addHelpText(
      "after",
      "\nExamples:\n  $ pcf init\n  $ pcf init -f infra/pcf.yml && pcf plan -f infra/pcf.yml",
    )
    .action((options: InitOptions) =>
      runAction(options, async () => (await import("./commands/init.js")).initCommand(options)),
    );
}
