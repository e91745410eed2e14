import { InvalidArgumentError, Option } from "commander";
import { PROVIDER_CLI_OPTIONS, type ProviderCliFlag } from "../provider-cli-options.js";

/**
 * The options commander hands to the actions, and the small parsers it uses. Loaded at startup:
 * imports commander and the provider flag table (plain data) only.
 * @internal
 */

/** Options every command that reads definition files accepts. */
export interface FileOptions {
  readonly file?: readonly string[];
  readonly var?: Readonly<Record<string, string>>;
  /** `--field NAME`: the field's name (default: from the first file, `defaultFieldName`). */
  readonly field?: string;
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

/**
 * The providers' flags (`--region`, `--request-timeout`, …: {@link PROVIDER_CLI_OPTIONS}), under
 * commander's name for each (`region`, `requestTimeout`), as parsed; read by {@link providerOptionsOf}.
 */
export interface ProviderFlagValues {
  readonly [flagName: string]: unknown;
}

/** Options of commands that talk to providers. */
export interface ProviderCommandOptions extends SelectionOptions, ProviderFlagValues {
  /** `--timeout` seconds for the whole command; 0: no limit. */
  readonly timeout?: number;
  /** `--allow-replace NAME`, repeatable: particles that may be replaced. */
  readonly allowReplace?: string[];
  /** `--adopt NAME`, repeatable: particles whose existing resource the run takes over. */
  readonly adopt?: string[];
}

/** The options of `pcf drift`. */
export interface DriftCommandOptions extends ProviderCommandOptions {
  /** `--detailed-exitcode`: exit 2 when something drifted. */
  readonly detailedExitcode?: boolean;
}

/** Options of the commands that only read the cloud, with a `--timeout`. */
export interface CloudReadOptions extends ProviderFlagValues {
  readonly timeout?: number;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly debug?: boolean;
}

/** The options of `pcf discover`. */
export interface DiscoverCommandOptions extends CloudReadOptions {
  /** `--flavor`: the flavor whose resources are listed. */
  readonly flavor: string;
  /** `--tag key=value`, repeatable: only resources carrying every one. */
  readonly tag?: Readonly<Record<string, string>>;
  /** `-o FILE`: write the definitions there (`.json`: JSON, else YAML). */
  readonly output?: string;
  /** `--force`: overwrite the `-o` file. */
  readonly force?: boolean;
}

/** The options of `pcf inventory`. */
export interface InventoryCommandOptions extends CloudReadOptions {
  /** `--provider`, repeatable (default aws). */
  readonly provider?: readonly ("local" | "aws" | "azure" | "gcp")[];
  /** `--flavor`, repeatable: only these flavors. */
  readonly flavor?: readonly string[];
  /** `--field NAME`: only this field's resources. */
  readonly field?: string;
}

/** Where the lease is (`--lock`; `false` with `--no-lock`), for every command that takes or frees it. */
export interface LockOptions extends FileOptions, ProviderFlagValues {
  readonly lock?: string | false;
}

/** Options of apply, run, stop and terminate. */
export interface ApplyCommandOptions extends ProviderCommandOptions, LockOptions {
  readonly parallel?: number;
  /** `--transition-timeout` seconds per transition; 0: no limit. */
  readonly transitionTimeout?: number;
  readonly yes?: boolean;
  readonly dryRun?: boolean;
  readonly rollback?: boolean;
  /** Seconds to wait for a held lease; 0 (the default) stops at once. */
  readonly lockTimeout?: number;
  /** `--no-report`: `false` writes no run report. */
  readonly report?: boolean;
  /** `--report-dir`: where run reports go (default `.pcf/reports`). */
  readonly reportDir?: string;
}

/** Options of `pcf watch`: each `-f` file is a field of its own, with its own lease. */
export interface WatchCommandOptions extends LockOptions {
  /** `--interval`: the pause between two rounds of a field, in ms. */
  readonly interval?: number;
  /** `--jitter`: how much each pause varies, as a fraction of the interval. */
  readonly jitter?: number;
  /** `--lease-ttl`: how long a field's lease lasts unrenewed, in ms. */
  readonly leaseTtl?: number;
  readonly parallel?: number;
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

/** The options of `pcf init`. */
export interface InitOptions extends PrintOptions {
  readonly file: string;
  readonly force?: boolean;
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

/** Parses one `--tag key=value` into the map of tags (any key without `=`, `pcf:field` too). */
export function collectTag(
  value: string,
  previous: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const equals = value.indexOf("=");
  if (equals <= 0) throw new InvalidArgumentError("expected key=value");
  return { ...previous, [value.slice(0, equals)]: value.slice(equals + 1) };
}

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

/**
 * Default for `--timeout`, in seconds: one hour bounds a run that hangs, yet leaves four times
 * the longest transition's default ({@link DEFAULT_TRANSITION_TIMEOUT_SECONDS}) for a graph of
 * several levels.
 */
export const DEFAULT_TIMEOUT_SECONDS = 3600;

/**
 * The library's default per-transition limit (`DEFAULT_TRANSITION_TIMEOUT_MS`), in seconds, for
 * the help text: this module must not load the library. A test keeps the two equal.
 */
export const DEFAULT_TRANSITION_TIMEOUT_SECONDS = 900;

/** Seconds as milliseconds, `undefined` when not given; 0 stays 0 ("no limit"). */
export function secondsToMs(seconds: number | undefined): number | undefined {
  if (seconds === undefined || seconds === 0) return seconds;
  return Math.max(1, Math.round(seconds * 1000));
}

/** The command's deadline in ms for `deadlineSignal`: `--timeout`, `undefined` for `--timeout 0`. */
export function commandTimeoutMs(
  options: Pick<ProviderCommandOptions, "timeout">,
): number | undefined {
  const timeoutMs = secondsToMs(options.timeout ?? DEFAULT_TIMEOUT_SECONDS);
  return timeoutMs === 0 ? undefined : timeoutMs;
}

/** Parses a number of seconds, 0 meaning no limit (`--timeout`, a provider's `seconds` flags). */
export function parseSeconds(value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < 0)
    throw new InvalidArgumentError("expected a number of seconds (0: no limit)");
  return parsed;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const MS_PER_UNIT = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Parses a duration, `500ms`, `60s`, `2m`, `1h` or a plain number of seconds, into a positive
 * whole number of ms (`--interval`, `--lease-ttl`).
 */
export function parseDurationMs(value: string): number {
  const match = DURATION.exec(value.trim());
  const ms =
    match === null
      ? NaN
      : Number(match[1]) * MS_PER_UNIT[(match[2] ?? "s") as keyof typeof MS_PER_UNIT];
  if (!(ms >= 1))
    throw new InvalidArgumentError("expected a duration such as 500ms, 60s, 2m or 1h");
  return Math.round(ms);
}

/** Parses a jitter, a percentage (`10%`) or a fraction (`0.1`), into a fraction in [0, 1) (`--jitter`). */
export function parseJitter(value: string): number {
  const text = value.trim();
  const isPercent = text.endsWith("%");
  const number = isPercent ? text.slice(0, -1) : text;
  const fraction = /^\d+(?:\.\d+)?$/.test(number) ? Number(number) / (isPercent ? 100 : 1) : NaN;
  if (!(fraction >= 0 && fraction < 1))
    throw new InvalidArgumentError("expected a jitter from 0% to under 100%, such as 10% or 0.1");
  return fraction;
}

/** Parses a number of seconds that may be 0 (`--lock-timeout`). */
export function parseWaitSeconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new InvalidArgumentError("expected a number of seconds, 0 or more");
  return parsed;
}

/** The commander option of a provider's flag; a `seconds` flag is parsed as `--timeout` is. */
export function providerFlagOption(flag: ProviderCliFlag): Option {
  const option = new Option(flag.flags, flag.help);
  return flag.kind === "seconds" ? option.argParser(parseSeconds) : option;
}

/**
 * The `providerOptions` for the library: each provider's `toProviderOptions` of the values of its
 * flags that were given, under its key (`aws`); a provider none of whose flags was given is left out.
 */
export function providerOptionsOf(options: ProviderFlagValues): Record<string, unknown> {
  return Object.fromEntries(
    PROVIDER_CLI_OPTIONS.flatMap((provider) => {
      const values = Object.fromEntries(
        Object.entries(provider.flags).flatMap(([key, flag]) => {
          const value = flagValue(options, flag);
          return value === undefined ? [] : [[key, value]];
        }),
      );
      return Object.keys(values).length === 0
        ? []
        : [[provider.provider, provider.toProviderOptions(values)]];
    }),
  );
}

/** A provider flag's value as its mapping takes it: seconds in ms; `undefined` when not given. */
function flagValue(
  options: ProviderFlagValues,
  flag: ProviderCliFlag,
): string | number | undefined {
  const value = options[providerFlagOption(flag).attributeName()];
  if (flag.kind === "seconds") return typeof value === "number" ? secondsToMs(value) : undefined;
  return typeof value === "string" ? value : undefined;
}
