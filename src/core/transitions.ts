import type { RunContext } from "./run-context.js";
import type { DesiredState, State } from "./state.js";

/** The built-in transitions; a subclass may register more under its own names. */
export type TransitionName = "start" | "stop" | "terminate" | "update" | (string & {});

/** What a transition runs. */
export type TransitionFunction = (context: RunContext) => Promise<void>;

/** The functions behind the four built-in transitions. */
export type StandardTransitions = Readonly<
  Record<"start" | "stop" | "terminate" | "update", TransitionFunction>
>;

/**
 * Which transition leads from one state towards another, and the function each transition
 * runs: PCF's state-transition table, one per particle so a subclass can extend its own.
 */
export class TransitionTable {
  private readonly routes = new Map<State, Map<DesiredState, TransitionName>>();
  private readonly functions = new Map<TransitionName, TransitionFunction>();

  /**
   * PCF's table: terminated or stopped → running starts; running → stopped stops (terminates
   * when the flavor has no stopped form); running or stopped → terminated terminates; and
   * terminated → stopped starts first (the loop then stops it).
   */
  static standard(run: StandardTransitions, hasNoStoppedForm: boolean): TransitionTable {
    const table = new TransitionTable();
    for (const [name, transition] of Object.entries(run)) table.define(name, transition);
    table.route("terminated", "running", "start");
    table.route("stopped", "running", "start");
    table.route("terminated", "stopped", "start");
    table.route("running", "stopped", hasNoStoppedForm ? "terminate" : "stop");
    table.route("running", "terminated", "terminate");
    table.route("stopped", "terminated", "terminate");
    return table;
  }

  /** Sets the function a transition runs. */
  define(name: TransitionName, run: TransitionFunction): void {
    this.functions.set(name, run);
  }

  /** True when `name` has a function. */
  has(name: TransitionName): boolean {
    return this.functions.has(name);
  }

  /** Makes `name` the transition from `from` towards `to`. */
  route(from: State, to: DesiredState, name: TransitionName): void {
    const row = this.routes.get(from) ?? new Map<DesiredState, TransitionName>();
    row.set(to, name);
    this.routes.set(from, row);
  }

  /** The transition from `from` towards `to`, if any. */
  routeFor(from: State, to: DesiredState): TransitionName | undefined {
    return this.routes.get(from)?.get(to);
  }

  /** The function of `name`, if any. */
  functionOf(name: TransitionName): TransitionFunction | undefined {
    return this.functions.get(name);
  }
}
