import { Option, type Command } from "commander";
import { PROVIDER_CLI_OPTIONS } from "../provider-cli-options.js";
import {
  DEFAULT_PARALLEL,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_TRANSITION_TIMEOUT_SECONDS,
  collect,
  collectVariable,
  parsePositiveInteger,
  parseSeconds,
  parseWaitSeconds,
  providerFlagOption,
} from "./options.js";

/**
 * The option groups commands share (files, selection, run, lock, providers, output), added to a
 * commander command. Loaded at startup with the program: commander and plain data only.
 */

/** Where `-f` files go: into one field (`apply`, `plan`, …), or each into a field of its own (`watch`). */
export type FileFields = "one field" | "a field per file";

/**
 * `-f` and `--var`: the definition files; with `"one field"` (the default) also `--field`, the
 * name of the field they form.
 * @internal
 */
export function addFileOptions(command: Command, fields: FileFields = "one field"): void {
  const fileHelp =
    fields === "one field"
      ? "definition file (.json, .yml, .yaml); repeat to load several as one field"
      : "definition file, each its own field named after it; repeatable";
  command
    .addOption(
      new Option(
        "-f, --file <path>",
        `${fileHelp} (default: pcf.json, then pcf.yml, then pcf.yaml)`,
      )
        .argParser(collect)
        .helpGroup("Files:"),
    )
    .addOption(
      new Option(
        "--var <key=value>",
        "replace ${key} in string values of the definitions; repeatable",
      )
        .argParser(collectVariable)
        .helpGroup("Files:"),
    );
  if (fields === "a field per file") return;
  command.addOption(
    new Option(
      "--field <name>",
      "the field's name, tagged on what it creates and naming its lease (default: the first file's name, or its folder's for pcf.*)",
    ).helpGroup("Files:"),
  );
}

/** NAME-independent selection: `-c`, `--target`, `--exclude`, `--with-dependents`. @internal */
export function addSelectionOptions(command: Command): void {
  command
    .addOption(
      new Option(
        "-c, --cascade",
        "with NAME or --target: also the particles they depend on (running) or that depend on them (stopped, terminated)",
      ).helpGroup("Selection:"),
    )
    .addOption(
      new Option(
        "--target <pattern>",
        "only particles matching: a glob on pcf_name or id (web-*, local_file:*), or key=value on their tags; repeatable",
      )
        .argParser(collect)
        .helpGroup("Selection:"),
    )
    .addOption(
      new Option(
        "--with-dependents",
        "add every particle that depends on a selected one",
      ).helpGroup("Selection:"),
    )
    .addOption(
      new Option("--exclude <pattern>", "leave out particles matching (same patterns); repeatable")
        .argParser(collect)
        .helpGroup("Selection:"),
    );
}

/** `--allow-replace` and `--adopt`, for the commands that plan or apply changes. @internal */
export function addReplaceOption(command: Command): void {
  command
    .addOption(
      new Option(
        "--allow-replace <name>",
        "let apply replace this particle (terminate, then start) where a field fixed at creation changed; repeatable",
      )
        .argParser(collect)
        .helpGroup("Run:"),
    )
    .addOption(
      new Option(
        "--adopt <name>",
        "take over this particle's existing resource, which particle-cloud did not create, and mark it as ours; repeatable",
      )
        .argParser(collect)
        .helpGroup("Run:"),
    );
}

/** `--timeout`, and for mutating commands the run flags (parallel, yes, dry run, reports, …). @internal */
export function addRunOptions(command: Command, isMutating: boolean): void {
  command.addOption(
    new Option(
      "-t, --timeout <seconds>",
      "give up on the whole command after this long; 0: no limit",
    )
      .argParser(parseSeconds)
      .default(DEFAULT_TIMEOUT_SECONDS)
      .helpGroup("Run:"),
  );
  if (!isMutating) return;
  command
    .addOption(
      new Option(
        "--transition-timeout <seconds>",
        `give up on one transition (start, stop, …, and the wait for its effect) after this long; 0: no limit (default: ${DEFAULT_TRANSITION_TIMEOUT_SECONDS})`,
      )
        .argParser(parseSeconds)
        .helpGroup("Run:"),
    )
    .addOption(
      new Option(
        "--report-dir <dir>",
        "where the run report goes (JSON and a summary per run; default: .pcf/reports)",
      ).helpGroup("Run:"),
    )
    .addOption(new Option("--no-report", "write no run report").helpGroup("Run:"))
    .addOption(parallelOption())
    .addOption(
      new Option(
        "-y, --yes",
        "terminate without asking (required when there is no terminal)",
      ).helpGroup("Run:"),
    )
    .addOption(
      new Option("--dry-run", "print the plan and exit 0 without changing anything").helpGroup(
        "Run:",
      ),
    )
    .addOption(
      new Option(
        "--rollback",
        "if any particle fails, terminate every selected particle (PCF's rollback)",
      ).helpGroup("Run:"),
    );
}

/** `--lock`, and for mutating commands `--no-lock` and `--lock-timeout`. @internal */
export function addLockOptions(command: Command, isMutating: boolean): void {
  command.addOption(
    new Option(
      "--lock <where>",
      "the field's lease: s3://bucket/key or a folder path; ending in /, the field's name is appended (default: .pcf/locks/<field> next to the first file)",
    ).helpGroup("Lock:"),
  );
  if (!isMutating) return;
  command
    .addOption(
      new Option(
        "--no-lock",
        "take no lease (concurrent runs may then duplicate resources)",
      ).helpGroup("Lock:"),
    )
    .addOption(
      new Option(
        "--lock-timeout <seconds>",
        "wait this long for a lease another run holds (default: 0, stop at once)",
      )
        .argParser(parseWaitSeconds)
        .helpGroup("Lock:"),
    );
}

/** Every provider's flags (the table in provider-cli-options.ts), each in its provider's help group. @internal */
export function addProviderOptions(command: Command): void {
  for (const provider of PROVIDER_CLI_OPTIONS)
    for (const flag of Object.values(provider.flags))
      command.addOption(providerFlagOption(flag).helpGroup(provider.helpGroup));
}

/** `-q`, `--json` (described by `jsonHelp`), `--debug`, `--no-color`. @internal */
export function addOutputOptions(command: Command, jsonHelp: string): void {
  command
    .addOption(new Option("-q, --quiet", "print errors only").helpGroup("Output:"))
    .addOption(new Option("--json", jsonHelp).helpGroup("Output:"))
    .addOption(
      new Option("--debug", "print stack traces and causes on errors").helpGroup("Output:"),
    )
    .addOption(new Option("--no-color", "no colour (NO_COLOR does the same)").helpGroup("Output:"));
}

/** `--parallel <n>`: most particles converging at once per API and region. @internal */
export function parallelOption(): Option {
  return new Option("--parallel <n>", "most particles converging at once per API and region")
    .argParser(parsePositiveInteger)
    .default(DEFAULT_PARALLEL)
    .helpGroup("Run:");
}
