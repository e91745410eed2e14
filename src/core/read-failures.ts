import { PcfError, listNames, messageOf, type PcfErrorCode } from "./errors.js";
import type { Particle } from "./particle.js";

/** Codes a failed read keeps: they say more than `READ_FAILED` would. */
const KEPT_CODES: ReadonlySet<PcfErrorCode> = new Set([
  "READ_FAILED",
  "DUPLICATE_RESOURCE",
  "ABORTED",
  "WAIT_TIMEOUT",
]);

/**
 * What a batched read (`static syncAll`) throws when it could read some of its particles and not
 * others: it sets the state of every particle it could read, then throws this with an error per
 * particle it could not. Each particle's `getState` then fails with its own error only, and the
 * engine fails those particles alone. A plain rejection of `syncAll` fails every particle of the
 * batch.
 *
 * @example
 * ```ts
 * throw new ReadFailures(new Map([[particle, new PcfError("DUPLICATE_RESOURCE", "…")]]));
 * ```
 */
export class ReadFailures extends PcfError {
  /** The error of each particle that could not be read, as {@link readFailureOf} words it. */
  readonly failures: ReadonlyMap<Particle, PcfError>;

  constructor(failures: ReadonlyMap<Particle, unknown>) {
    const normalized = new Map(
      [...failures].map(([particle, error]) => [particle, readFailureOf(error, particle)]),
    );
    const [only] = normalized.values();
    super(
      "READ_FAILED",
      normalized.size === 1 && only !== undefined
        ? only.message
        : `${normalized.size} particles could not be read: ${listNames([...normalized.keys()].map((particle) => particle.id))}`,
      { particle: normalized.size === 1 ? only?.where.particle : undefined },
      { cause: only },
    );
    this.failures = normalized;
  }
}

/**
 * A read's failure as one particle's error: `READ_FAILED` naming the particle, with the original
 * error as `cause`. Errors that already say what went wrong with the read (`READ_FAILED`,
 * `DUPLICATE_RESOURCE`) or with the run (`ABORTED`, `WAIT_TIMEOUT`) keep their code.
 */
export function readFailureOf(error: unknown, particle: Particle): PcfError {
  if (error instanceof PcfError && KEPT_CODES.has(error.code)) {
    return error.where.particle === particle.id
      ? error
      : new PcfError(
          error.code,
          error.message,
          { ...error.where, particle: particle.id },
          { cause: error },
        );
  }
  const where = error instanceof PcfError ? error.where : {};
  return new PcfError(
    "READ_FAILED",
    messageOf(error),
    { ...where, particle: particle.id },
    { cause: error },
  );
}

/**
 * `particle`'s part of `read`, a batched read it took part in: resolves when the batch read it
 * (even if other particles of the batch failed), rejects with its own error otherwise.
 */
export async function ownRead(particle: Particle, read: Promise<void>): Promise<void> {
  try {
    await read;
  } catch (error) {
    if (!(error instanceof ReadFailures)) throw readFailureOf(error, particle);
    const failure = error.failures.get(particle);
    if (failure !== undefined) throw failure;
  }
}

/** One read covering some particles, for {@link settleReads}. */
export interface CoveredRead {
  readonly particles: readonly Particle[];
  readonly read: Promise<unknown>;
}

/**
 * Awaits every read, then throws one {@link ReadFailures} covering each particle whose read
 * failed: a read that rejects with `ReadFailures` fails the particles it names (among those it
 * covers), any other rejection every particle it covers. Resolves when all particles were read.
 * For flavors: read per region or per particle with this, so one failure does not fail the rest.
 */
export async function settleReads(reads: readonly CoveredRead[]): Promise<void> {
  const outcomes = await Promise.allSettled(reads.map((entry) => entry.read));
  const failures = new Map<Particle, PcfError>();
  outcomes.forEach((outcome, index) => {
    const covered = reads[index]?.particles ?? [];
    if (outcome.status === "fulfilled") return;
    const error: unknown = outcome.reason;
    for (const particle of covered) {
      const failure =
        error instanceof ReadFailures
          ? error.failures.get(particle)
          : readFailureOf(error, particle);
      if (failure !== undefined) failures.set(particle, failure);
    }
  });
  if (failures.size > 0) throw new ReadFailures(failures);
}

/**
 * Runs `read` for each particle, all at once, and fails only those whose read throws (see
 * {@link settleReads}).
 */
export function readEach<P extends Particle>(
  particles: readonly P[],
  read: (particle: P) => void | Promise<void>,
): Promise<void> {
  return settleReads(
    particles.map((particle) => ({
      particles: [particle],
      read: Promise.resolve().then(() => read(particle)),
    })),
  );
}
