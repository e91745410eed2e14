import {
  ApplyError,
  DefinitionError,
  PcfError,
  escapeText,
  formatIssue,
  type PcfErrorCode,
} from "../index.js";
import { CliError } from "./cli-error.js";
import { createOutput, type Output } from "./output.js";

/**
 * Prints an error as the CLI shows it: one line, location first (`file › particle › field:
 * message`), one line per definition problem or failed particle, then a hint; `--debug` adds the
 * stack and causes. Control characters and lone surrogates are printed as escapes (`\u001b`). With `--json`, also prints `{"v":1,"type":"error",…}` on stdout.
 * @returns the exit status, 1.
 * @internal
 */
export function reportError(
  error: unknown,
  options: { readonly debug: boolean; readonly json: boolean },
  output: Output = createOutput({ json: options.json }),
): number {
  const c = output.errColors;
  const { headline, details, hint } = describeError(error);
  // A name from a definition file may hold control characters: each line stays one line.
  const lines = [
    `${c.red(c.bold("error:"))} ${escapeText(headline)}`,
    ...details.map((line) => `  ${escapeText(line)}`),
  ];
  if (hint !== undefined && !(options.debug && hint.includes("--debug")))
    lines.push(c.dim(`hint: ${hint}`));
  if (options.debug)
    lines.push(...debugLines(error).flatMap((text) => text.split("\n").map(escapeText)));
  output.stderr.write(`${lines.join("\n")}\n`);
  if (options.json) output.json(errorJson(error));
  return 1;
}

/** What an error shows: its first line, one line per problem, and what to try. @internal */
export function describeError(error: unknown): {
  headline: string;
  details: string[];
  hint: string | undefined;
} {
  if (error instanceof DefinitionError && error.issues.length > 1) {
    return {
      headline: `${error.issues.length} problems in the definitions`,
      details: error.issues.map((issue) => formatIssue(issue)),
      hint: hintFor(error.code),
    };
  }
  if (error instanceof ApplyError) {
    const failed = error.result.particles.filter((report) => report.outcome === "failed");
    const codes = new Set(failed.map((report) => report.error?.code));
    const [only] = codes;
    return {
      headline:
        failed.length === 1
          ? `${failed[0]?.error?.describe() ?? `${failed[0]?.particle ?? "a particle"} failed`}`
          : `${failed.length} of ${error.result.particles.length} particles failed`,
      // A batched read that fails fails every particle in it with one error: list it once.
      details:
        failed.length === 1
          ? []
          : [
              ...new Set(
                failed.map((report) => report.error?.describe() ?? `${report.particle}: failed`),
              ),
            ],
      hint: codes.size === 1 && only !== undefined ? hintFor(only) : hintFor(error.code),
    };
  }
  if (error instanceof PcfError)
    return { headline: error.describe(), details: [], hint: hintFor(error.code) };
  if (error instanceof CliError) return { headline: error.message, details: [], hint: error.hint };
  return {
    headline: error instanceof Error ? error.message : JSON.stringify(error),
    details: [],
    hint: "--debug prints the stack",
  };
}

const HINTS: Readonly<Record<string, string>> = {
  DEFINITION_INVALID: "`pcf flavors` lists the flavors; `pcf schema` prints the definition format",
  UNKNOWN_FLAVOR: "`pcf flavors` lists the built-in flavors",
  PACKAGE_MISSING: "cloud SDKs are optional: install the ones your flavors use (docs/install.md)",
  DEPENDENCY_CYCLE: "`pcf graph` shows parents and children",
  MISSING_DEPENDENCY: "`pcf graph` shows parents and children",
  CONFLICTING_STATES: "stop or terminate the children too (-c with NAME, or --with-dependents)",
  REFERENCE_UNRESOLVED: "with NAME, -c also applies the parents whose values are inherited",
  TRANSITION_FAILED: "--debug prints the cause",
  READ_FAILED: "--debug prints the cause; run again once it is fixed",
  DUPLICATE_RESOURCE: "resolve the duplicate as the message says, then run again",
  WAIT_TIMEOUT: "raise --timeout or --transition-timeout, or run again: what converged is kept",
  APPLY_FAILED: "fix the cause and run again: what converged is kept",
  FILE_NOT_FOUND: "pass a file with -f, or run pcf where pcf.json, pcf.yml or pcf.yaml is",
  NOT_FOUND: "`pcf graph` lists every particle",
  LEASE_LOST: "another run took the field's lease: `pcf plan` shows what is left to do",
  LEASE_INVALID: "--lock names where the lease is; `pcf unlock` frees it",
};

function hintFor(code: PcfErrorCode): string | undefined {
  return HINTS[code];
}

/** The stack of the error and of each cause; for an apply, of each failed particle's error. */
function debugLines(error: unknown): string[] {
  if (error instanceof ApplyError)
    return error.result.particles.flatMap((report) =>
      report.error === undefined ? [] : [`${report.particle}:`, ...debugLines(report.error)],
    );
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth += 1) {
    const text =
      current instanceof Error ? (current.stack ?? current.message) : JSON.stringify(current);
    lines.push(depth === 0 ? text : `caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}

function errorJson(error: unknown): Record<string, unknown> {
  if (!(error instanceof PcfError))
    return {
      type: "error",
      code: "ERROR",
      message: error instanceof Error ? error.message : JSON.stringify(error),
    };
  return {
    type: "error",
    code: error.code,
    message: error.message,
    where: error.where,
    ...(error instanceof DefinitionError ? { issues: error.issues } : {}),
  };
}
