import { Option, type Command } from "commander";
import {
  addLockOptions,
  addOutputOptions,
  addProviderOptions,
  addRunOptions,
} from "./command-options.js";
import {
  collect,
  collectTag,
  type ApplyCommandOptions,
  type DiscoverCommandOptions,
  type InventoryCommandOptions,
} from "./options.js";
import { runAction } from "./run-action.js";
import type { SignalHandlers } from "./signals.js";

/**
 * The commands that start from the cloud rather than from a definition file: `discover`,
 * `inventory` and `nuke`.
 * @internal
 */
export function addCloudCommands(program: Command, signals: SignalHandlers): void {
  const discover = program
    .command("discover")
    .summary("write definitions of the live resources of a flavor")
    .description(
      "List every live resource of a flavor in the provider's location (an AWS region) and " +
        "print PCF-format definitions of them, ready to `pcf plan` with no changes. Changes nothing.",
    )
    .addOption(new Option("--flavor <flavor>", "the flavor to list").makeOptionMandatory())
    .addOption(
      new Option("--tag <key=value>", "only resources with this tag; repeatable").argParser(
        collectTag,
      ),
    )
    .addOption(
      new Option("-o, --output <file>", "write the definitions to this file (.json, else YAML)"),
    )
    .addOption(new Option("--force", "overwrite the -o file"));
  addRunOptions(discover, false);
  addProviderOptions(discover);
  addOutputOptions(discover, "print the definitions as one JSON object on stdout");
  discover
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  $ pcf discover --flavor ec2_instance --tag team=web -o web.yml && pcf plan -f web.yml\n" +
        "  $ pcf discover --flavor s3_bucket --region eu-west-1",
    )
    .action((options: DiscoverCommandOptions) =>
      runAction(options, async () =>
        (await import("./commands/discover.js")).discoverCommand(options),
      ),
    );

  const inventory = program
    .command("inventory")
    .summary("list every resource particle-cloud owns, by field")
    .description(
      "List every resource that carries particle-cloud's ownership tag, by field (its pcf:field " +
        "tag), found by listing every flavor of the provider: resources whose definition file is " +
        "gone are listed too. Changes nothing. Exit status: 0, or 1 when a flavor could not be listed.",
    )
    .addOption(
      new Option("--provider <name>", "list this provider's flavors; repeatable (default: aws)")
        .choices(["local", "aws", "azure", "gcp"])
        .argParser(collect),
    )
    .addOption(
      new Option("--flavor <flavor>", "list only this flavor; repeatable").argParser(collect),
    )
    .addOption(new Option("--field <name>", "only the resources of this field"));
  addRunOptions(inventory, false);
  addProviderOptions(inventory);
  addOutputOptions(inventory, "print the inventory as one JSON object on stdout");
  inventory
    .addHelpText(
      "after",
      "\nExamples:\n  $ pcf inventory\n  $ pcf inventory --field web --json | jq '.resources[].key'",
    )
    .action((options: InventoryCommandOptions) =>
      runAction(options, async () =>
        (await import("./commands/inventory.js")).inventoryCommand(options),
      ),
    );

  const nuke = program
    .command("nuke")
    .summary("terminate everything a field owns, without its definition file")
    .description(
      "Terminate every resource tagged as the field's (pcf:field), deepest dependency first (its " +
        "pcf:depth tag), found in the cloud alone: for a field whose definition file is gone. " +
        "Takes the field's lease, asks as terminate does (--yes without a terminal) and writes a " +
        "run report. Resources of other fields, or not created by particle-cloud, are never touched.",
    )
    .addOption(new Option("--field <name>", "the field to terminate").makeOptionMandatory());
  addRunOptions(nuke, true);
  addLockOptions(nuke, true);
  addProviderOptions(nuke);
  addOutputOptions(nuke, "print the engine events as NDJSON on stdout, then the result");
  nuke
    .addHelpText(
      "after",
      "\nExamples:\n  $ pcf nuke --field web --dry-run\n  $ pcf nuke --field web --yes --region eu-west-1",
    )
    .action((options: ApplyCommandOptions & { readonly field: string }) =>
      runAction(options, async () =>
        (await import("./commands/nuke.js")).nukeCommand({
          ...options,
          desiredState: "terminated",
          signals,
        }),
      ),
    );
}
