/**
 * What a provider offers the `pcf` command line: its flags, and how their values become its key of
 * `providerOptions`. Plain data with no imports, because `pcf --help` lists the flags without
 * loading the library, zod or an SDK. A provider declares its flags in its own `cli-options.ts`
 * and adds one line to `src/provider-cli-options.ts`; docs/writing-a-particle.md shows how.
 */

/** How the CLI reads a flag's value. */
export type ProviderCliFlagKind =
  /** The text as given. */
  | "text"
  /**
   * A number of seconds, 0 meaning no limit, parsed and checked as `--timeout` is. The mapping
   * receives it in milliseconds (0 stays 0), so name its key `…Ms`.
   */
  | "seconds";

/** The value a flag of each kind hands the mapping. */
export interface ProviderCliFlagValue {
  readonly text: string;
  readonly seconds: number;
}

/** One command-line flag of a provider. */
export interface ProviderCliFlag {
  /** commander's syntax: a long flag and its value placeholder, `--region <region>`. */
  readonly flags: string;
  /** The flag's line in the help, defaults included. */
  readonly help: string;
  readonly kind: ProviderCliFlagKind;
}

/** A provider's flags, each under the key its value has in the mapping's input; help order. */
export type ProviderCliFlags = Readonly<Record<string, ProviderCliFlag>>;

/** The values of the flags given on a command line, by flag key; a flag not given is absent. */
export type ProviderCliValues<Flags extends ProviderCliFlags> = {
  readonly [Key in keyof Flags]?: ProviderCliFlagValue[Flags[Key]["kind"]];
};

/** A provider's command-line flags and their mapping to its `providerOptions`. */
export interface ProviderCliOptions<Flags extends ProviderCliFlags = ProviderCliFlags> {
  /** The key of `providerOptions` the flags fill: `aws`. */
  readonly provider: string;
  /** The section of the help the flags are listed in: `Provider:`. */
  readonly helpGroup: string;
  readonly flags: Flags;
  /**
   * The provider's options for the flags given, at least one; pure. Each command that talks to
   * providers passes the result as `providerOptions[provider]`; with no flag given, the provider's
   * key is left out.
   */
  toProviderOptions(values: ProviderCliValues<Flags>): Readonly<Record<string, unknown>>;
}

/**
 * Declares a provider's command-line options, inferring each flag's value type from its kind.
 *
 * @example
 * ```ts
 * export const GCP_CLI_OPTIONS = defineProviderCliOptions({
 *   provider: "gcp",
 *   helpGroup: "GCP:",
 *   flags: { project: { flags: "--project <id>", help: "GCP project", kind: "text" } },
 *   toProviderOptions: ({ project }) => ({ projectId: project }),
 * });
 * ```
 */
export function defineProviderCliOptions<const Flags extends ProviderCliFlags>(
  options: ProviderCliOptions<Flags>,
): ProviderCliOptions<Flags> {
  return options;
}
