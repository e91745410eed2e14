import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import {
  APPLY_VERBS,
  parseDurationMs,
  parseJitter,
  type ApplyCommandOptions,
  type ApplyVerb,
  type DriftCommandOptions,
  type FileOptions,
  type GraphCommandOptions,
  type ProviderCommandOptions,
  type SelectionOptions,
  type UnlockCommandOptions,
  type WatchCommandOptions,
} from "./options.js";
import {
  addFileOptions,
  addLockOptions,
  addOutputOptions,
  addProviderOptions,
  addReplaceOption,
  addRunOptions,
  addSelectionOptions,
  parallelOption,
} from "./command-options.js";
import { addCloudCommands } from "./cloud-commands.js";
import { addInfoCommands } from "./info-commands.js";
import { runAction } from "./run-action.js";
import type { SignalHandlers } from "./signals.js";

/**
 * The `pcf` command line: every command, option and help text. Only commander is loaded here;
 * each action imports its command module, and with it the library, when it runs, so `pcf --help`
 * stays fast. Commands that drain work on an interrupt attach to `signals`.
 * @internal
 */
export function createProgram(options: { readonly signals: SignalHandlers }): Command {
  const { signals } = options;
  const program = new Command("pcf")
    .description(
      "Particle Cloud: declare cloud resources and their lifecycle state in pcf.json or pcf.yml, " +
        "then converge them, as a dependency graph, concurrently, with no state file.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help for a command")
    .helpCommand("help [command]", "show help for a command")
    .showSuggestionAfterError(true)
    .addHelpText("after", PROGRAM_HELP);

  const verbs: [ApplyVerb, string, string][] = [
    [
      "apply",
      "converge every particle to its own desired_state",
      "  $ pcf apply                      # every particle in pcf.json / pcf.yml / pcf.yaml\n" +
        "  $ pcf apply web -c               # the entry named web, with its parents first\n" +
        "  $ pcf apply --dry-run            # print the plan, change nothing\n" +
        "  $ pcf apply -f base.yml -f app.yml --var env=prod",
    ],
    [
      "run",
      "bring particles to running (parents start first)",
      "  $ pcf run                        # start everything\n" +
        "  $ pcf run web -c                 # web and every particle it depends on\n" +
        "  $ pcf run --target 'worker-*' --parallel 4",
    ],
    [
      "stop",
      "bring particles to stopped (children stop first)",
      "  $ pcf stop web -c                # web and everything that depends on it\n" +
        "  $ pcf stop --target team=data --yes",
    ],
    [
      "terminate",
      "remove the resources (children first); asks before removing anything",
      "  $ pcf terminate --dry-run        # what would be removed\n" +
        "  $ pcf terminate web -c --yes     # web and its children, without asking\n" +
        "  $ pcf terminate --exclude 'db-*' --yes",
    ],
  ];
  for (const [verb, summary, examples] of verbs) {
    const command = program
      .command(`${verb} [name]`)
      .summary(summary)
      .description(`${capitalize(summary)}.\n\n${NAME_HELP}`);
    addFileOptions(command);
    addSelectionOptions(command);
    addRunOptions(command, true);
    addReplaceOption(command);
    addLockOptions(command, true);
    addProviderOptions(command);
    addOutputOptions(command, "print the engine events as NDJSON on stdout, then the result");
    command
      .addHelpText("after", `\nExamples:\n${examples}\n${SAFETY_HELP}`)
      .action((name: string | undefined, options: ApplyCommandOptions) =>
        runAction(options, async () =>
          (await import("./commands/apply.js")).applyCommand(verb, name, {
            ...options,
            desiredState: APPLY_VERBS[verb],
            signals,
          }),
        ),
      );
  }

  const plan = program
    .command("plan [name]")
    .summary("show what apply would change, without changing anything")
    .description(
      "Read the live state of each particle and print the transitions apply would run and the " +
        "fields that differ (path: current → desired), then a summary line.\n\n" +
        `${NAME_HELP}\n\nExit status: 0 no changes, 2 changes, 1 error.`,
    );
  addFileOptions(plan);
  addSelectionOptions(plan);
  addRunOptions(plan, false);
  addReplaceOption(plan);
  addProviderOptions(plan);
  addOutputOptions(plan, "print the plan as one JSON object on stdout");
  plan
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  $ pcf plan                       # exit 2 when apply would change something\n" +
        "  $ pcf plan web -c --json | jq .particles",
    )
    .action((name: string | undefined, options: ProviderCommandOptions) =>
      runAction(options, async () =>
        (await import("./commands/plan.js")).planCommand(name, options),
      ),
    );

  const drift = program
    .command("drift [name]")
    .summary("show how the live resources differ from their definitions")
    .description(
      "Compare each particle's live state and definition with the desired ones, field by " +
        "field, changing nothing: a resource deleted or changed behind the tool's back. Only " +
        `the keys the file writes count.\n\n${NAME_HELP}\n\n` +
        "Exit status: 0 (with --detailed-exitcode: 0 no drift, 2 drift), 1 error.",
    )
    .option("--detailed-exitcode", "exit 2 when something drifted");
  addFileOptions(drift);
  addSelectionOptions(drift);
  addRunOptions(drift, false);
  addProviderOptions(drift);
  addOutputOptions(drift, "print the drift as one JSON object on stdout");
  drift
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  $ pcf drift\n" +
        "  $ pcf drift --detailed-exitcode || alert   # in a cron job: exit 2 on drift",
    )
    .action((name: string | undefined, options: DriftCommandOptions) =>
      runAction(options, async () =>
        (await import("./commands/drift.js")).driftCommand(name, options),
      ),
    );

  const status = program
    .command("status [name]")
    .summary("print the live state of each particle")
    .description(`Read the live state of each particle from its provider.\n\n${NAME_HELP}`);
  addFileOptions(status);
  addSelectionOptions(status);
  addRunOptions(status, false);
  addProviderOptions(status);
  addOutputOptions(status, "print the states as one JSON object on stdout");
  status
    .addHelpText(
      "after",
      "\nExamples:\n  $ pcf status\n  $ pcf status --target 'local_file:*' --json",
    )
    .action((name: string | undefined, options: ProviderCommandOptions) =>
      runAction(options, async () =>
        (await import("./commands/status.js")).statusCommand(name, options),
      ),
    );

  const validate = program
    .command("validate")
    .summary("check the definition files; no provider is called")
    .description(
      "Load and check the definition files: every problem is printed, one per line, as " +
        "file › particle › field: message. Nothing is read from or sent to a provider.",
    );
  addFileOptions(validate);
  addOutputOptions(validate, "print the result as one JSON object on stdout");
  validate
    .addHelpText(
      "after",
      "\nExamples:\n  $ pcf validate\n  $ pcf validate -f app.yml --var env=dev",
    )
    .action((options: FileOptions) =>
      runAction(options, async () =>
        (await import("./commands/validate.js")).validateCommand(options),
      ),
    );

  const graph = program
    .command("graph [name]")
    .summary("print the dependency graph as a tree, or as Graphviz DOT")
    .description(`Print the particles and their parent → child edges.\n\n${NAME_HELP}`);
  addFileOptions(graph);
  addSelectionOptions(graph);
  graph.addOption(new Option("--dot", "print Graphviz DOT instead of a tree").helpGroup("Output:"));
  addOutputOptions(graph, "print nodes and edges as one JSON object on stdout");
  graph
    .addHelpText("after", "\nExamples:\n  $ pcf graph\n  $ pcf graph --dot | dot -Tsvg > graph.svg")
    .action((name: string | undefined, options: GraphCommandOptions) =>
      runAction(options, async () =>
        (await import("./commands/graph.js")).graphCommand(name, options),
      ),
    );

  const iamPolicy = program
    .command("iam-policy [name]")
    .summary("print the least-privilege AWS IAM policy the particles need")
    .description(
      "Print the IAM policy (JSON) a deployer role needs to read, apply and terminate the " +
        "selected particles, from the IAM actions each AWS flavor declares for its transitions. " +
        `Calls no provider.\n\n${NAME_HELP}`,
    );
  addFileOptions(iamPolicy);
  addSelectionOptions(iamPolicy);
  iamPolicy
    .addOption(new Option("--debug", "print stack traces on errors").helpGroup("Output:"))
    .addHelpText(
      "after",
      "\nExamples:\n  $ pcf iam-policy > deployer-policy.json\n  $ pcf iam-policy web -c -f infra/pcf.yml",
    )
    .action((name: string | undefined, options: SelectionOptions) =>
      runAction(options, async () =>
        (await import("./commands/iam-policy.js")).iamPolicyCommand(name, options),
      ),
    );

  const watch = program
    .command("watch")
    .summary("keep fields converged: apply what drifted every --interval, until SIGTERM")
    .description(
      "Reconcile each field in rounds, forever: read it (one batched read per flavor), apply " +
        "only what drifted from its definition (a resource deleted or changed behind the " +
        "tool's back), then wait --interval ± --jitter. Each -f file is a field of its own, " +
        "with its own lease: a round runs only while this watcher holds it, so several " +
        "watchers (replicas) share the fields, one watcher per field at a time; a watcher " +
        "that dies loses its fields when their leases expire (--lease-ttl), and the others " +
        "take them over. A failed round is reported and retried in the next one.\n\n" +
        "Exit status: 0 after SIGINT or SIGTERM (the rounds under way finish, the leases are " +
        "released); a second signal exits at once (130, 143); 1 when a file does not load.",
    )
    .addOption(
      new Option("--interval <duration>", "pause between two rounds of a field: 500ms, 60s, 2m")
        .argParser(parseDurationMs)
        .default(60_000, "60s")
        .helpGroup("Run:"),
    )
    .addOption(
      new Option("--jitter <percent>", "spread of each pause, so watchers drift apart: 10%, 0.1")
        .argParser(parseJitter)
        .default(0.1, "10%")
        .helpGroup("Run:"),
    )
    .addOption(parallelOption())
    .addOption(
      new Option(
        "--lock <where>",
        "where the leases are: a prefix ending in / that each field's name completes (s3://bucket/leases/), or with one file, s3://bucket/key or a folder (default: .pcf/locks/<field> next to each file)",
      ).helpGroup("Lock:"),
    )
    .addOption(
      new Option(
        "--lease-ttl <duration>",
        "how long a field's lease outlives a watcher that died; renewed every third of it",
      )
        .argParser(parseDurationMs)
        .default(30_000, "30s")
        .helpGroup("Lock:"),
    );
  addFileOptions(watch, "a field per file");
  addProviderOptions(watch);
  addOutputOptions(watch, "print every event as one JSON line on stdout (JSON Lines)");
  watch
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  $ pcf watch                                  # pcf.yml here, every 60 s\n" +
        "  $ pcf watch -f web.yml -f db.yml --interval 30s --jitter 20%\n" +
        "  $ pcf watch -f fields/a.yml -f fields/b.yml --lock s3://acme-pcf/leases/ --json",
    )
    .action((options: WatchCommandOptions) =>
      runAction(options, async () =>
        (await import("./commands/watch.js")).watchCommand({ ...options, signals }),
      ),
    );

  const unlock = program
    .command("unlock")
    .summary("free the lease of a run that is gone")
    .description(
      "Free the field's lease (see --lock) for a run that will not release it. A lease whose " +
        "holder died is taken over by itself once it expires (30 s); unlock saves the wait. " +
        "Without --force, only a holder on this host whose process is gone is released.",
    )
    .addOption(
      new Option(
        "--force",
        "release even a holder that may still run (its next change fails with LEASE_LOST)",
      ),
    );
  addFileOptions(unlock);
  addLockOptions(unlock, false);
  addProviderOptions(unlock);
  addOutputOptions(unlock, "print what was done as one JSON object on stdout");
  unlock
    .addHelpText(
      "after",
      "\nExamples:\n  $ pcf unlock\n  $ pcf unlock --lock s3://acme-pcf/prod/app.lock --force",
    )
    .action((options: UnlockCommandOptions) =>
      runAction(options, async () => (await import("./commands/unlock.js")).unlockCommand(options)),
    );

  addCloudCommands(program, signals);
  addInfoCommands(program);

  return program;
}

const NAME_HELP =
  "NAME picks one top-level entry (particle or quasiparticle) by pcf_name, or by id " +
  "flavor:pcf_name; without NAME, every particle of the files is acted on as one field.";

const SAFETY_HELP =
  "\nSafety: when the plan removes a resource (terminate, or a stop that deletes), pcf asks\n" +
  '"Terminate N particles? [y/N]" on a terminal and refuses without --yes otherwise.\n' +
  "Ctrl-C or SIGTERM once: no new work starts, work in flight finishes, then the report.\n" +
  "Twice: work in flight is aborted. Three times: exit at once.\n" +
  "Exit status: 0 converged, 1 error, 130 interrupted (SIGINT), 143 terminated (SIGTERM).\n" +
  "Lock: a run takes the field's lease first; while another run holds it, pcf stops with\n" +
  '"locked by USER@HOST pid N for S s (token T)", or waits with --lock-timeout.';

const PROGRAM_HELP = `
Examples:
  $ pcf validate                  # check pcf.json / pcf.yml / pcf.yaml in this folder
  $ pcf plan                      # what apply would change (exit 2 when something would)
  $ pcf apply                     # converge every particle to its desired_state
  $ pcf run web -c                # start the entry "web" and the particles it depends on
  $ pcf terminate --yes           # remove everything the file defines
  $ pcf apply -f a.yml -f b.yml --var env=dev --json

Exit status: 0 success, 1 error, 2 plan found changes, 130 SIGINT, 143 SIGTERM.
Environment: NO_COLOR turns colour off; AWS_REGION, AWS_PROFILE and AWS_ENDPOINT_URL are read
by the AWS flavors. Full guide: docs/cli.md.`;

function packageVersion(): string {
  try {
    const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === "string" ? version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
