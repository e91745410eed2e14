import { escapeText } from "./escape.js";

/**
 * Stable error codes. They are API: never renamed, each documented in docs/errors.md.
 * - `DEFINITION_INVALID`: a definition failed validation; nothing was touched.
 * - `UNKNOWN_FLAVOR`: no particle class is registered for a flavor.
 * - `PACKAGE_MISSING`: a flavor's cloud SDK (an optional peer dependency) is not installed.
 * - `DUPLICATE_FLAVOR`: a flavor name was registered twice.
 * - `DEPENDENCY_CYCLE`: parents and children form a cycle.
 * - `CONFLICTING_STATES`: a parent must go down while its child must come up.
 * - `REFERENCE_UNRESOLVED`: an `$inherit$` or `$lookup$` value could not be resolved.
 * - `TRANSITION_FAILED`: a start, stop, terminate or update did not reach its state.
 * - `REPLACE_REFUSED`: a field fixed at creation differs and the particle may not be replaced.
 * - `READ_FAILED`: reading a particle's live state failed; the original error is the `cause`.
 * - `DUPLICATE_RESOURCE`: a read found several live resources carrying one particle's identity.
 * - `WAIT_TIMEOUT`: the timeout passed before the state was reached.
 * - `ABORTED`: the caller's signal aborted the run.
 * - `APPLY_FAILED`: one or more particles failed; the error carries the per-particle report.
 * - `FILE_NOT_FOUND`: no definition file at the given path, or none in the working directory.
 * - `NOT_FOUND`: no particle or quasiparticle has the requested name.
 * - `LEASE_HELD`: another run holds the field's lease; nothing was touched.
 * - `LEASE_LOST`: this run's lease was taken over, released or left to expire; it stopped mutating.
 * - `LEASE_INVALID`: the stored lease is not a lease record.
 */
export type PcfErrorCode =
  | "DEFINITION_INVALID"
  | "UNKNOWN_FLAVOR"
  | "PACKAGE_MISSING"
  | "DUPLICATE_FLAVOR"
  | "DEPENDENCY_CYCLE"
  | "CONFLICTING_STATES"
  | "REFERENCE_UNRESOLVED"
  | "TRANSITION_FAILED"
  | "REPLACE_REFUSED"
  | "READ_FAILED"
  | "DUPLICATE_RESOURCE"
  | "WAIT_TIMEOUT"
  | "ABORTED"
  | "APPLY_FAILED"
  | "FILE_NOT_FOUND"
  | "NOT_FOUND"
  | "LEASE_HELD"
  | "LEASE_LOST"
  | "LEASE_INVALID";

/** Where a problem is: the definition file, the particle id (`flavor:pcf_name`) and the field path. */
export interface ErrorLocation {
  readonly file?: string | undefined;
  readonly particle?: string | undefined;
  readonly field?: string | undefined;
}

/** The one error class of the framework: a stable `code`, a message and where the problem is. */
export class PcfError extends Error {
  override readonly name = "PcfError";

  constructor(
    readonly code: PcfErrorCode,
    message: string,
    readonly where: ErrorLocation = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** The message with its location first, as the CLI prints it: `pcf.yml › s3_bucket:logs › Bucket: …`. */
  describe(): string {
    return formatIssue({ ...this.where, message: this.message });
  }
}

/** One problem found while validating definitions. */
export interface DefinitionIssue extends ErrorLocation {
  readonly message: string;
}

/** Every problem found in a set of definitions, reported together before anything runs. */
export class DefinitionError extends PcfError {
  constructor(readonly issues: readonly DefinitionIssue[]) {
    const first = issues[0];
    super(
      "DEFINITION_INVALID",
      issues.length === 1 && first !== undefined
        ? first.message
        : `${issues.length} problems in the definitions:\n${issues.map((issue) => `  ${formatIssue(issue)}`).join("\n")}`,
      issues.length === 1 && first !== undefined ? first : {},
    );
  }
}

/**
 * An issue as one line, location first. Control characters and lone surrogates (in a name or key
 * from the file) are escaped, so the line cannot forge another or rewrite the terminal.
 */
export function formatIssue(issue: DefinitionIssue): string {
  const location = [issue.file, issue.particle, issue.field].filter(
    (part): part is string => part !== undefined && part !== "",
  );
  return escapeText(
    location.length === 0 ? issue.message : `${location.join(" › ")}: ${issue.message}`,
  );
}

/**
 * Names for a message: all of them when there are few, else the first `shown` and how many more
 * (`s3_bucket:a, s3_bucket:b, s3_bucket:c and 7 more`), so a line stays readable.
 */
export function listNames(names: readonly string[], shown = 3): string {
  return names.length <= shown + 1
    ? names.join(", ")
    : `${names.slice(0, shown).join(", ")} and ${names.length - shown} more`;
}

/** A message for any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
