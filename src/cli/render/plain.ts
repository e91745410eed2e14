import type { EngineEvent } from "../../index.js";
import type { Colors } from "../output.js";
import { formatDuration, outcomeLabel } from "./format.js";
import type { Renderer } from "./renderer.js";

/**
 * One line per engine event on stderr, prefixed with the time since the run started: for logs,
 * CI and any stderr that is not a terminal.
 * @internal
 */
export class PlainRenderer implements Renderer {
  private startMs: number | undefined;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly colors: Colors,
  ) {}

  onEvent(event: EngineEvent): void {
    this.startMs ??= event.timeMs;
    const text = this.describe(event);
    if (text === undefined) return;
    const time = this.colors.dim(`[${formatDuration(event.timeMs - this.startMs)}]`);
    this.stream.write(`${time} ${text}\n`);
  }

  log(line: string): void {
    this.stream.write(`${line}\n`);
  }

  finish(): void {}

  private describe(event: EngineEvent): string | undefined {
    const c = this.colors;
    switch (event.type) {
      case "run.start":
        return `${event.operation}: ${event.particles} particle${event.particles === 1 ? "" : "s"}`;
      case "run.end":
        return undefined;
      case "state.read":
        return `${event.particle} is ${event.state}`;
      case "transition.start":
        return `${event.particle} ${c.cyan(event.transition)} (${event.from} → ${event.to})`;
      case "transition.end":
        return `${event.particle} ${event.transition} done in ${formatDuration(event.ms)}`;
      case "transition.retry":
        return `${event.particle} ${c.yellow(event.transition)} again (attempt ${event.attempt}, state ${event.state})`;
      case "wait.poll":
        return `${event.particle} waiting: ${event.state} (poll ${event.attempt}, next in ${formatDuration(event.nextDelayMs)})`;
      case "particle.done": {
        const label = outcomeLabel(event.outcome);
        const colored =
          event.outcome === "failed"
            ? c.red(label)
            : event.outcome === "converged"
              ? c.green(label)
              : event.outcome === "not-started"
                ? c.yellow(label)
                : label;
        const isTimed = event.outcome === "converged" || event.outcome === "failed";
        const blocked =
          event.blockedBy === undefined ? "" : `: ${event.blockedBy.join(", ")} failed`;
        return `${event.particle} ${colored}${isTimed ? ` in ${formatDuration(event.ms)}` : ""}${blocked}`;
      }
      case "particle.error":
        return `${event.particle} ${c.red("error")} ${event.code}: ${event.message}`;
    }
  }
}
