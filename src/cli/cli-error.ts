/**
 * An error of the command line itself (a refusal, a declined prompt), with what to do about it.
 * Imports nothing, so any CLI module may throw it.
 * @internal
 */
export class CliError extends Error {
  override readonly name = "CliError";

  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
