import type { TransitionName } from "./particle.js";
import type { DesiredState, State } from "./state.js";

/** How one particle's part of a run ended. */
export type ParticleOutcome =
  /** Already in the desired state and definition: nothing ran. */
  | "unchanged"
  /** Transitions ran and the particle reached its desired state. */
  | "converged"
  /** `persist_on_termination` kept it, or `sync: false` stopped after one step. */
  | "skipped"
  /** Its read, a transition or a wait failed. */
  | "failed"
  /** Never started: a particle it depends on failed (`blockedBy`), or the run stopped scheduling. */
  | "not-started";

/** The operation a run performs. */
export type RunOperation = "apply" | "plan" | "status";

/**
 * Everything the engine reports, as plain JSON-serialisable data. `seq` grows by one per event in
 * a run; `timeMs` is the run's monotonic clock.
 */
export type EngineEvent = { readonly seq: number; readonly timeMs: number } & EngineEventInput;

/** An event before the run context stamps `seq` and `timeMs`. */
export type EngineEventInput =
  | { readonly type: "run.start"; readonly operation: RunOperation; readonly particles: number }
  | {
      readonly type: "run.end";
      readonly operation: RunOperation;
      readonly ok: boolean;
      readonly ms: number;
    }
  | { readonly type: "state.read"; readonly particle: string; readonly state: State }
  | {
      readonly type: "transition.start";
      readonly particle: string;
      readonly transition: TransitionName;
      readonly from: State;
      readonly to: DesiredState;
    }
  | {
      readonly type: "transition.end";
      readonly particle: string;
      readonly transition: TransitionName;
      readonly ms: number;
    }
  | {
      readonly type: "transition.retry";
      readonly particle: string;
      readonly transition: TransitionName;
      readonly attempt: number;
      readonly state: State;
    }
  | {
      /** A cloud call is sent again: `reason` says why (`answer-lost`, `throttled`). */
      readonly type: "call.retry";
      readonly particle: string;
      /** What the call does (`create VPC web`). */
      readonly call: string;
      readonly attempt: number;
      readonly nextDelayMs: number;
      readonly reason: string;
    }
  | {
      readonly type: "wait.poll";
      readonly particle: string;
      readonly attempt: number;
      readonly nextDelayMs: number;
      readonly state: State;
    }
  | {
      readonly type: "particle.done";
      readonly particle: string;
      readonly outcome: ParticleOutcome;
      readonly state: State | undefined;
      readonly ms: number;
      /** For `not-started`: the failed particles it depends on (see `ParticleReport.blockedBy`). */
      readonly blockedBy?: readonly string[];
    }
  | {
      readonly type: "particle.error";
      readonly particle: string;
      readonly code: string;
      readonly message: string;
    };

/** The `type` strings of all events. */
export type EngineEventType = EngineEventInput["type"];
