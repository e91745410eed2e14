import {
  ApplyError,
  Field,
  applyField,
  planField,
  type ApplyResult,
  type DesiredState,
  type FieldPlan,
  deadlineSignal,
} from "../../index.js";
import { relative } from "node:path";
import { CliError } from "../cli-error.js";
import { confirmRemoval } from "../confirm.js";
import { loadSelection } from "../load.js";
import { takeLock, type HeldLock } from "../lock.js";
import {
  DEFAULT_PARALLEL,
  commandTimeoutMs,
  providerOptionsOf,
  secondsToMs,
  type ApplyCommandOptions,
  type ApplyVerb,
} from "../options.js";
import { createOutput, type Output } from "../output.js";
import { formatPlan, planJson } from "../render/plan.js";
import { createRenderer, type Renderer } from "../render/renderer.js";
import { particleLines, reportJson, summaryLine } from "../render/report.js";
import { DEFAULT_REPORT_DIR, writeRunReport } from "../run-report.js";
import { SIGNAL_EXIT_STATUS, type Interrupts, type SignalHandlers } from "../signals.js";

/** Ctrl-C at the confirmation prompt: the terminal in raw mode hands it over as a key, not a signal. */
const SIGINT_EXIT_STATUS = SIGNAL_EXIT_STATUS.SIGINT;

/** The options of a mutating run: the command's flags, the desired state, the signal handlers. @internal */
export type RunFieldOptions = ApplyCommandOptions & {
  readonly desiredState: DesiredState | undefined;
  readonly signals: SignalHandlers;
};

/** Where a run's particles came from: its files (none for `pcf nuke`) and its field's name. @internal */
export interface RunSource {
  readonly files: readonly string[];
  readonly fieldName: string | undefined;
  /** The file the default lease lives next to, when not the first of `files`. */
  readonly leaseFile?: string;
}

/**
 * `pcf apply|run|stop|terminate [NAME]`: loads and selects the particles, then runs them (see
 * {@link runField}).
 * @returns 0 when everything converged (or a dry run); 130 after SIGINT, 143 after SIGTERM.
 * @throws ApplyError when a particle failed; any loading or selection error.
 * @internal
 */
export async function applyCommand(
  verb: ApplyVerb,
  name: string | undefined,
  options: RunFieldOptions,
): Promise<number> {
  const { loaded, particles } = await loadSelection(name, options, options.desiredState);
  const source = { files: loaded.files, fieldName: loaded.field.name };
  return runField(verb, new Field(particles), source, options);
}

/**
 * Runs `field`: takes the field's lease (unless `--dry-run` or `--no-lock`), plans when it must
 * know what would be removed (or with `--dry-run`), asks before removing anything, then applies
 * with live progress (checking the lease before every transition), prints what was done and
 * writes the run report; the lease is released at the end.
 * @param verb what the report and messages call the run (`apply`, `nuke`).
 * @returns 0 when everything converged (or a dry run); 130 after SIGINT, 143 after SIGTERM.
 * @throws ApplyError when a particle failed.
 * @internal
 */
export async function runField(
  verb: ApplyVerb | "nuke",
  field: Field,
  source: RunSource,
  options: RunFieldOptions,
): Promise<number> {
  const output = createOutput(options);
  const { desiredState } = options;
  const providerOptions = providerOptionsOf(options);
  const deadline = deadlineSignal(undefined, commandTimeoutMs(options));

  let renderer: Renderer | undefined;
  let isApplying = false;
  const say = (line: string): void =>
    renderer === undefined ? void output.stderr.write(`${line}\n`) : renderer.log(line);
  const interrupts = options.signals.attach({
    onStop: (signal) =>
      say(
        output.errColors.yellow(
          isApplying
            ? `${signal}: stopping after work in flight (${signal === "SIGINT" ? "Ctrl-C" : signal} again to abort)`
            : `interrupted by ${signal}`,
        ),
      ),
    onAbort: (signal) => say(output.errColors.yellow(`${signal}: aborting work in flight`)),
    deadline: deadline.signal,
  });
  let lock: HeldLock | undefined;
  try {
    // After loading and validating, before the first cloud call; a dry run changes nothing.
    if (options.dryRun !== true) {
      try {
        lock = await takeLock(
          source.leaseFile === undefined ? source.files : [source.leaseFile],
          options,
          {
            output,
            signal: interrupts.anySignal,
            fieldName: source.fieldName,
          },
        );
      } catch (error) {
        if (!interrupts.isInterrupted) throw error;
        output.info("nothing changed");
        return interrupts.exitStatus;
      }
    }
    const mustPlan = options.dryRun === true || (options.yes !== true && verb !== "run");
    if (mustPlan) {
      let plan: FieldPlan;
      try {
        plan = await planField(field, {
          desiredState,
          providerOptions,
          allowReplace: options.allowReplace,
          adopt: options.adopt,
          signal: interrupts.anySignal,
        });
      } catch (error) {
        if (!interrupts.isInterrupted) throw error;
        output.info("nothing changed");
        return interrupts.exitStatus;
      }
      if (options.dryRun === true) return printDryRun(plan, output);
      const removals = removalsOf(plan, field);
      if (removals.length > 0) {
        const answer = await confirmRemoval(removals, output, { signal: interrupts.anySignal });
        if (answer === "interrupted")
          return interrupts.isInterrupted ? interrupts.exitStatus : SIGINT_EXIT_STATUS;
        if (answer === "no") throw new CliError("not confirmed: nothing changed");
      }
    }

    isApplying = true;
    renderer = createRenderer(
      output,
      field.particles.map((particle) => particle.id),
    );
    let result: ApplyResult;
    let failure: ApplyError | undefined;
    let retries = 0;
    const retriesOf = new Map<string, number>();
    const attempted = new Map<string, string[]>();
    const startedAt = new Date();
    try {
      result = await applyField(field, {
        desiredState,
        concurrency: options.parallel ?? DEFAULT_PARALLEL,
        transitionTimeoutMs: secondsToMs(options.transitionTimeout),
        signal: interrupts.signal,
        stopSignal: interrupts.stopSignal,
        rollback: options.rollback === true,
        allowReplace: options.allowReplace,
        adopt: options.adopt,
        providerOptions,
        beforeMutation: lock?.lease.beforeMutation,
        onEvent: (event) => {
          if (event.type === "call.retry") {
            retries += 1;
            retriesOf.set(event.particle, (retriesOf.get(event.particle) ?? 0) + 1);
          }
          if (event.type === "transition.start")
            attempted.set(event.particle, [
              ...(attempted.get(event.particle) ?? []),
              event.transition,
            ]);
          renderer?.onEvent(event);
        },
      });
    } catch (error) {
      if (!(error instanceof ApplyError)) throw error;
      failure = error;
      result = error.result;
    } finally {
      renderer.finish();
    }
    if (options.report !== false) {
      const path = await writeRunReport(
        result,
        {
          verb,
          files: source.files,
          startedAt,
          retries: retriesOf,
          attempted,
          isInterrupted: interrupts.isInterrupted,
        },
        options.reportDir ?? DEFAULT_REPORT_DIR,
      );
      if (!output.isJson)
        output.info(output.errColors.dim(`report: ${relative(process.cwd(), path)}`));
    }
    return finishRun({ result, failure, retries }, interrupts, output);
  } finally {
    await lock?.release();
    interrupts.dispose();
    deadline.dispose();
  }
}

/** The ids of the particles a plan removes: terminated, or stopped where stopping deletes. */
function removalsOf(plan: FieldPlan, field: Field): string[] {
  return plan.particles
    .filter((entry) => {
      if (entry.transitions.includes("terminate")) return true;
      const particle = field.get(entry.particle);
      return (
        entry.transitions.includes("stop") &&
        particle !== undefined &&
        particle.isStateEquivalent("stopped", "terminated")
      );
    })
    .map((entry) => entry.particle);
}

function printDryRun(plan: FieldPlan, output: Output): number {
  if (output.isJson) output.json({ type: "plan", dryRun: true, ...planJson(plan) });
  else if (!output.isQuiet) {
    for (const line of formatPlan(plan, output.outColors)) output.data(line);
    output.info("dry run: nothing changed");
  }
  return plan.hasErrors ? 1 : 0;
}

function finishRun(
  {
    result,
    failure,
    retries,
  }: { result: ApplyResult; failure: ApplyError | undefined; retries: number },
  interrupts: Pick<Interrupts, "isInterrupted" | "exitStatus">,
  output: Output,
): number {
  const { isInterrupted } = interrupts;
  if (output.isJson)
    output.json({
      type: "result",
      ok: result.ok,
      interrupted: isInterrupted,
      ms: result.ms,
      particles: result.particles.map(reportJson),
    });
  const c = output.errColors;
  if (isInterrupted) {
    output.stderr.write(
      `${[c.yellow(`interrupted: ${summaryLine(result, { retries })}`), ...particleLines(result, c)].join("\n")}\n`,
    );
    return interrupts.exitStatus;
  }
  if (failure === undefined) {
    output.info(c.green(summaryLine(result, { retries })));
    return 0;
  }
  // What each particle did, failures and the particles they held included, before the error.
  for (const line of [summaryLine(result, { retries }), ...particleLines(result, c)])
    output.info(line);
  throw failure;
}
