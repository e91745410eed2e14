import {
  DEFAULT_RECONCILE_INTERVAL_MS,
  findDefinitionFile,
  openLeaseBackend,
  reconcile,
  type LeaseBackend,
  type LoadedField,
} from "../../index.js";
import { CliError } from "../cli-error.js";
import { loadDefinitions } from "../load.js";
import { DEFAULT_PARALLEL, providerOptionsOf, type WatchCommandOptions } from "../options.js";
import { createOutput } from "../output.js";
import { formatDuration } from "../render/format.js";
import { watchEventPrinter } from "../render/watch.js";
import { SIGNAL_EXIT_STATUS, type SignalHandlers } from "../signals.js";

/** One watched file: its field, under the name that also names its lease. */
interface WatchedField {
  readonly file: string;
  readonly name: string;
  readonly loaded: LoadedField;
}

/**
 * `pcf watch [-f FILE…]`: keeps every file's field converged, each file a field of its own with
 * its own lease (`--lock` ending in `/` is a prefix the field's name completes; without it, the
 * field's folder in `.pcf/locks` next to its file), so several watchers share the fields, one
 * watcher per field at a time. Every file is loaded and checked before any round runs. The first
 * SIGINT or SIGTERM lets the rounds under way finish, releases the leases and exits 0; a second
 * exits at once.
 * @returns 0 once stopped by a signal.
 * @throws DefinitionError or PcfError when a file does not load; CliError for two files naming
 *   one field, or one `--lock` object for several fields.
 * @internal
 */
export async function watchCommand(
  options: WatchCommandOptions & { readonly signals: SignalHandlers },
): Promise<number> {
  const output = createOutput(options);
  const files =
    options.file !== undefined && options.file.length > 0
      ? [...new Set(options.file)]
      : [await findDefinitionFile(".")];
  const { lock } = options;
  if (files.length > 1 && typeof lock === "string" && !lock.endsWith("/"))
    throw new CliError(
      `--lock ${lock} would be one lease for ${files.length} fields`,
      "end it with / to give each field its own lease under that prefix (s3://bucket/leases/)",
    );
  const fields = await loadFields(files, options);
  const providerOptions = providerOptionsOf(options);
  const backends: LeaseBackend[] = [];
  try {
    for (const field of fields)
      backends.push(
        await openLeaseBackend(lock === false ? undefined : lock, {
          definitionFile: field.file,
          fieldName: field.name,
          providerOptions,
        }),
      );
    const interrupts = options.signals.attach({
      onStop: (signal) =>
        output.info(
          `${signal}: finishing the rounds under way, then releasing the leases (${signal} again to exit at once)`,
        ),
      onAbort: (signal) =>
        output.stderr.write(`${signal}: exiting at once; the leases expire by themselves\n`, () =>
          process.exit(SIGNAL_EXIT_STATUS[signal]),
        ),
    });
    const onEvent = watchEventPrinter(output);
    output.info(
      `watching ${fields.map((field) => field.name).join(", ")} every ${formatDuration(options.interval ?? DEFAULT_RECONCILE_INTERVAL_MS)}`,
    );
    try {
      await Promise.all(
        fields.map((field, index) =>
          reconcile(field.loaded.field, {
            signal: interrupts.stopSignal,
            intervalMs: options.interval,
            jitter: options.jitter,
            lease: backends[index],
            leaseTtlMs: options.leaseTtl,
            applyOptions: {
              providerOptions,
              concurrency: options.parallel ?? DEFAULT_PARALLEL,
              signal: interrupts.signal,
            },
            onEvent,
          }),
        ),
      );
    } finally {
      interrupts.dispose();
    }
    return 0;
  } finally {
    for (const backend of backends) backend.close?.();
  }
}

/** Loads each file as a field of its own; two files may not name the same field. */
async function loadFields(
  files: readonly string[],
  options: WatchCommandOptions,
): Promise<WatchedField[]> {
  const fields: WatchedField[] = [];
  const fileOf = new Map<string, string>();
  for (const file of files) {
    const loaded = await loadDefinitions({ ...options, file: [file], field: undefined });
    const name = loaded.field.name;
    if (name === undefined) throw new CliError(`${file} loaded as a field without a name`);
    const other = fileOf.get(name);
    if (other !== undefined)
      throw new CliError(
        `${other} and ${file} are both the field "${name}", which would share one lease`,
        "rename one of the files: a field's name is its file's name (its folder's for pcf.yml)",
      );
    fileOf.set(name, file);
    fields.push({ file, name, loaded });
  }
  return fields;
}
