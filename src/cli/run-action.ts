/**
 * Runs a command's action, reports any error it throws, and exits with its status.
 * @internal
 */
export async function runAction(
  options: { readonly debug?: boolean; readonly json?: boolean },
  action: () => Promise<number>,
): Promise<void> {
  let code: number;
  try {
    code = await action();
  } catch (error) {
    const { reportError } = await import("./errors.js");
    code = reportError(error, { debug: options.debug === true, json: options.json === true });
  }
  exit(code);
}

/** Flushes stdout and stderr, then exits even if a provider left a socket or timer open. */
function exit(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}
