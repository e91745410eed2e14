import { PcfError, messageOf } from "./errors.js";
import type { ParticleOutcome } from "./events.js";
import type { TransitionName } from "./particle.js";

/** A particle a round acted on: the transitions it ran and how its part of the round ended. */
export interface ReconcileChange {
  /** The particle's id, `flavor:pcf_name`. */
  readonly particle: string;
  /** How its part of the round ended (never `unchanged`: those are not listed). */
  readonly outcome: ParticleOutcome;
  /** The transitions it ran, in order. */
  readonly transitions: readonly TransitionName[];
}

/** A failure a round or a lease call reported, as plain data. */
export interface ReconcileFailure {
  /** The `PcfErrorCode` when the error had one. */
  readonly code?: string;
  /** What went wrong, as the error said it. */
  readonly message: string;
  /** The particle that failed, when one did. */
  readonly particle?: string;
}

/**
 * Everything {@link reconcile} reports, as plain JSON-serialisable data. `seq` grows by one per
 * event of one `reconcile` call; `atMs` is the wall clock (epoch ms), so that the events of
 * watchers on several machines can be merged and compared; `field` is the field's name
 * (`undefined` for an unnamed field) and `watcher` who runs the loop (`user@host pid N`, the
 * lease holder's name).
 */
export type ReconcileEvent = {
  readonly seq: number;
  readonly atMs: number;
  readonly field: string | undefined;
  readonly watcher: string;
} & ReconcileEventInput;

/** A reconcile event before it is stamped with `seq`, `atMs`, `field` and `watcher`. */
export type ReconcileEventInput =
  | {
      /** This watcher took the field's lease: it runs the rounds from now on. */
      readonly type: "lease.acquired";
      readonly location: string;
      readonly token: number;
      readonly expiresAtMs: number;
    }
  | {
      /**
       * This watcher no longer holds the lease: taken over after it expired, released by
       * `pcf unlock`, or left to expire. It runs no round until it takes the lease again.
       */
      readonly type: "lease.lost";
      readonly location: string;
      readonly token: number;
      readonly message: string;
    }
  | {
      /** The watch ended and freed the lease; `error` when the release failed (it then expires). */
      readonly type: "lease.released";
      readonly location: string;
      readonly token: number;
      readonly error?: ReconcileFailure;
    }
  | {
      /** A round runs: the field is read, and whatever drifted is applied. */
      readonly type: "round.start";
      readonly round: number;
      /** The lease's fencing token, when the watch uses a lease. */
      readonly token?: number;
    }
  | {
      /**
       * A round ended. `changed` lists every particle whose outcome was not `unchanged` (it ran
       * transitions, failed or did not start), `errors` every failure; `isStopped` says the
       * watch's signal stopped scheduling during the round.
       * `nextRoundInMs` is the pause before the next round, absent when the watch ends.
       */
      readonly type: "round.end";
      readonly round: number;
      readonly ok: boolean;
      readonly ms: number;
      readonly particles: number;
      readonly changed: readonly ReconcileChange[];
      readonly errors: readonly ReconcileFailure[];
      readonly isStopped: boolean;
      readonly nextRoundInMs?: number;
    }
  | {
      /** No round ran: another watcher holds the lease (`holder`, until `expiresAtMs`). */
      readonly type: "round.skipped";
      readonly round: number;
      readonly reason: "held";
      readonly holder: string;
      readonly token: number;
      readonly expiresAtMs: number;
      readonly nextRoundInMs?: number;
    }
  | {
      /** No round ran: the lease could not be read or written (`error`); the next round tries again. */
      readonly type: "round.skipped";
      readonly round: number;
      readonly reason: "lease-failed";
      readonly error: ReconcileFailure;
      readonly nextRoundInMs?: number;
    };

/** The `type` strings of all reconcile events. */
export type ReconcileEventType = ReconcileEventInput["type"];

/** A failure as event data: its code when it is a {@link PcfError}, its particle when it names one. @internal */
export function failureOf(error: unknown): ReconcileFailure {
  if (!(error instanceof PcfError)) return { message: messageOf(error) };
  return {
    code: error.code,
    message: error.message,
    ...(error.where.particle === undefined ? {} : { particle: error.where.particle }),
  };
}
