import type { EngineEvent, ParticleOutcome } from "../../index.js";
import type { Colors } from "../output.js";
import { formatDuration, outcomeLabel, plural, truncate } from "./format.js";
import type { Renderer } from "./renderer.js";

const ESC = "\u001b[";
const HIDE_CURSOR = `${ESC}?25l`;
const SHOW_CURSOR = `${ESC}?25h`;
const CLEAR_LINE = `${ESC}2K`;
const CLEAR_BELOW = `${ESC}0J`;
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const REDRAW_MS = 100;

interface Row {
  readonly particle: string;
  phase: "waiting" | "working" | "done";
  text: string;
  outcome?: ParticleOutcome;
  startedMs?: number;
  endedMs?: number;
  transition?: string;
}

/**
 * The live view on a terminal: one line per particle with its state, current transition and
 * elapsed time, redrawn in place with ANSI cursor movement on stderr, plus a footer counting what
 * is done. Lines are cut to the terminal's width so none wraps; when particles outnumber the
 * terminal's rows, those at work and failed come first and the rest are counted.
 * @internal
 */
export class ProgressRenderer implements Renderer {
  private readonly rows: Row[];
  private readonly byId = new Map<string, Row>();
  private drawnLines = 0;
  private frame = 0;
  private readonly startMs: number;
  private readonly timer: NodeJS.Timeout;
  private readonly restoreCursor = (): void => {
    this.stream.write(SHOW_CURSOR);
  };

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly colors: Colors,
    particles: readonly string[],
    private readonly now: () => number = () => performance.now(),
  ) {
    this.rows = particles.map((particle) => ({ particle, phase: "waiting", text: "waiting" }));
    for (const row of this.rows) this.byId.set(row.particle, row);
    this.startMs = now();
    process.once("exit", this.restoreCursor);
    this.stream.write(HIDE_CURSOR);
    this.draw();
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.timer.unref();
  }

  onEvent(event: EngineEvent): void {
    if (!("particle" in event)) return;
    const row = this.byId.get(event.particle);
    if (row === undefined) return;
    switch (event.type) {
      case "state.read":
        if (row.phase === "waiting") row.text = `waiting (${event.state})`;
        break;
      case "transition.start":
        row.phase = "working";
        row.startedMs ??= event.timeMs;
        row.transition = event.transition;
        row.text = `${event.transition} (${event.from} → ${event.to})`;
        break;
      case "transition.retry":
        row.text = `${event.transition} again (attempt ${event.attempt})`;
        break;
      case "wait.poll":
        row.text = `${row.transition ?? "waiting"}: ${event.state}, poll ${event.attempt}`;
        break;
      case "transition.end":
        row.text = `${event.transition} done`;
        break;
      case "particle.error":
        row.text = `${event.code}: ${event.message}`;
        break;
      case "particle.done":
        row.phase = "done";
        row.outcome = event.outcome;
        row.endedMs = event.timeMs;
        if (event.outcome === "failed") row.text = `failed: ${row.text}`;
        else if (event.blockedBy !== undefined)
          row.text = `not started: ${event.blockedBy.join(", ")} failed`;
        else
          row.text =
            event.outcome === "converged" && row.transition !== undefined
              ? `converged (${row.transition})`
              : outcomeLabel(event.outcome);
        break;
    }
  }

  log(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    this.draw();
  }

  finish(): void {
    clearInterval(this.timer);
    this.draw();
    this.stream.write(SHOW_CURSOR);
    process.removeListener("exit", this.restoreCursor);
  }

  private clear(): void {
    if (this.drawnLines > 0) this.stream.write(`${ESC}${this.drawnLines}A\r${CLEAR_BELOW}`);
    this.drawnLines = 0;
  }

  private draw(): void {
    this.frame = (this.frame + 1) % SPINNER.length;
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const height = Math.max(3, (this.stream.rows || 24) - 1);
    const visible = this.visibleRows(height - 1);
    const idWidth = Math.min(40, Math.max(0, ...visible.map((row) => row.particle.length)));
    const lines = visible.map((row) => this.formatRow(row, idWidth, width));
    const hidden = this.rows.length - visible.length;
    lines.push(this.colors.dim(truncate(this.footer(hidden), width)));
    let text = this.drawnLines > 0 ? `${ESC}${this.drawnLines}A\r` : "";
    for (const line of lines) text += `${CLEAR_LINE}${line}\n`;
    this.stream.write(`${text}${CLEAR_BELOW}`);
    this.drawnLines = lines.length;
  }

  private visibleRows(limit: number): Row[] {
    if (this.rows.length <= limit) return this.rows;
    const rank = (row: Row): number =>
      row.phase === "working" ? 0 : row.outcome === "failed" ? 1 : row.phase === "waiting" ? 2 : 3;
    const chosen = new Set(
      [...this.rows].sort((a, b) => rank(a) - rank(b)).slice(0, Math.max(1, limit - 1)),
    );
    return this.rows.filter((row) => chosen.has(row));
  }

  private formatRow(row: Row, idWidth: number, width: number): string {
    const elapsed =
      row.startedMs === undefined
        ? ""
        : formatDuration((row.endedMs ?? this.now()) - row.startedMs);
    const id = truncate(row.particle, idWidth).padEnd(idWidth);
    const plain = truncate(`${id}  ${row.text}${elapsed === "" ? "" : `  ${elapsed}`}`, width - 2);
    return `${this.symbol(row)} ${plain}`;
  }

  private symbol(row: Row): string {
    const c = this.colors;
    if (row.phase === "working") return c.cyan(SPINNER[this.frame] ?? "*");
    if (row.phase === "waiting") return c.dim("·");
    switch (row.outcome) {
      case "converged":
        return c.green("✓");
      case "unchanged":
        return c.dim("✓");
      case "failed":
        return c.red("✗");
      case "skipped":
        return c.yellow("↷");
      default:
        return c.yellow("–");
    }
  }

  private footer(hidden: number): string {
    const done = this.rows.filter((row) => row.phase === "done").length;
    const working = this.rows.filter((row) => row.phase === "working").length;
    const parts = [`${done}/${plural(this.rows.length, "particle")} done`];
    if (working > 0) parts.push(`${working} in progress`);
    if (hidden > 0) parts.push(`${hidden} not shown`);
    parts.push(formatDuration(this.now() - this.startMs));
    return parts.join(" · ");
  }
}
