import { InvalidArgumentError } from "commander";

/**
 * The options commander hands to the actions, and the small parsers it uses. Loaded at startup:
 * imports commander only.
 * @internal
 */

/** Options every command that reads definition files accepts. */
export interface FileOptions {
  readonly file?: readonly string[];
  readonly var?: Readonly<Record<string, string>>;
  readonly json?: boolean;
  readonly debug?: boolean;
  readonly quiet?: boolean;
}

/** Which particles a command acts on, besides the NAME argument. */
export interface SelectionOptions extends FileOptions {
  readonly cascade?: boolean;
  readonly target?: readonly string[];
  readonly exclude?: readonly string[];
  readonly withDependents?: boolean;
}

/** Options of commands that talk to providers. */
export interface ProviderCommandOptions extends SelectionOptions {
  readonly timeout?: number;
  readonly region?: string;
  readonly profile?: string;
  readonly endpoint?: string;
}

/** Where the lease is (`--lock`; `false` with `--no-lock`), for every command that takes or frees it. */
export interface LockOptions
  extends FileOptions, Pick<ProviderCommandOptions, "region" | "profile" | "endpoint"> {
  readonly lock?: string | false;
}

/** Options of apply, run, stop and terminate. */
export interface ApplyCommandOptions extends ProviderCommandOptions, LockOptions {
  readonly parallel?: number;
  readonly yes?: boolean;
  readonly dryRun?: boolean;
  readonly rollback?: boolean;
  /** Seconds to wait for a held lease; 0 (the default) stops at once. */
  readonly lockTimeout?: number;
}

/** Options of `pcf unlock`. */
export interface UnlockCommandOptions extends LockOptions {
  readonly force?: boolean;
}

/** Options of `pcf graph`. */
export interface GraphCommandOptions extends SelectionOptions {
  readonly dot?: boolean;
}

/** Options of commands that only print (`schema`, `flavors`). */
export interface PrintOptions {
  readonly json?: boolean;
  readonly debug?: boolean;
}

/** The verbs that change resources, and the state each one asks for (`apply`: each particle's own). */
export const APPLY_VERBS = {
  apply: undefined,
  run: "running",
  stop: "stopped",
  terminate: "terminated",
} as const;

/** One of the verbs that change resources. */
export type ApplyVerb = keyof typeof APPLY_VERBS;

/** Default for `--parallel`. */
export const DEFAULT_PARALLEL = 10;

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Parses one `--var key=value` into the map of variables. */
export function collectVariable(
  value: string,
  previous: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const equals = value.indexOf("=");
  const key = equals === -1 ? value : value.slice(0, equals);
  if (equals === -1 || !VARIABLE_NAME.test(key))
    throw new InvalidArgumentError(
      "expected key=value, the key made of letters, digits, '_', '.' or '-'",
    );
  return { ...previous, [key]: value.slice(equals + 1) };
}

/** Parses a positive whole number (`--parallel`). */
export function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError("expected a whole number of at least 1");
  return parsed;
}

/** `--timeout` seconds as milliseconds, for `deadlineSignal`. */
export function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.max(1, Math.round(seconds * 1000));
}

/** Parses a positive number of seconds (`--timeout`). */
export function parseSeconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError("expected a number of seconds greater than 0");
  return parsed;
}

/** Parses a number of seconds that may be 0 (`--lock-timeout`). */
export function parseWaitSeconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new InvalidArgumentError("expected a number of seconds, 0 or more");
  return parsed;
}

/** The `providerOptions` for the library: `--region`, `--profile` and `--endpoint` go to `aws`. */
export function providerOptionsOf(
  options: Pick<ProviderCommandOptions, "region" | "profile" | "endpoint">,
): Record<string, unknown> {
  const aws = Object.fromEntries(
    Object.entries({
      region: options.region,
      profile: options.profile,
      endpoint: options.endpoint,
    }).filter(([, value]) => value !== undefined),
  );
  return Object.keys(aws).length === 0 ? {} : { aws };
}
