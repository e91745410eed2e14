/** The lifecycle states a particle can be in. `pending` means the cloud is moving it between two others. */
export const STATES = ["running", "stopped", "terminated", "pending"] as const;

/** A particle's state, as read from the cloud by `syncState`. */
export type State = (typeof STATES)[number];

/** A state a user can ask for: every state but `pending`. */
export type DesiredState = Exclude<State, "pending">;

/** The states a user can ask for, in the order a definition file lists them. */
export const DESIRED_STATES: readonly DesiredState[] = ["running", "stopped", "terminated"];

/**
 * Which states a flavor treats as the same. Two states are equivalent when they map to the same
 * number, as in PCF's `equivalent_states`: a bucket maps stopped and terminated to one value, so
 * asking a bucket to stop terminates it and a missing bucket counts as stopped.
 */
export type EquivalentStates = Readonly<Record<State, number>>;

/** Every state distinct: the table for resources that can be running, stopped or gone. */
export const DISTINCT_STATES: EquivalentStates = {
  running: 1,
  stopped: 2,
  terminated: 3,
  pending: 4,
};

/** Stopped means gone: the table for resources with no stopped form (buckets, queues, files). */
export const STOPPED_IS_TERMINATED: EquivalentStates = {
  running: 1,
  stopped: 3,
  terminated: 3,
  pending: 4,
};

/** True when `a` and `b` are the same state under `table`. */
export function areStatesEquivalent(table: EquivalentStates, a: State, b: State): boolean {
  return table[a] === table[b];
}

/** True when `value` is a state a user may ask for. */
export function isDesiredState(value: unknown): value is DesiredState {
  return typeof value === "string" && (DESIRED_STATES as readonly string[]).includes(value);
}
