import type { EngineEvent } from "../../index.js";
import type { Output } from "../output.js";
import { JsonRenderer } from "./json.js";
import { PlainRenderer } from "./plain.js";
import { ProgressRenderer } from "./progress.js";

/**
 * Shows engine events while a run goes on.
 * @internal
 */
export interface Renderer {
  onEvent(event: EngineEvent): void;
  /** Prints a line for people (stderr) without breaking the live view. */
  log(line: string): void;
  /** Stops redrawing, leaving the final view on screen. */
  finish(): void;
}

/**
 * The renderer for this output: NDJSON on stdout with `--json`, nothing with `--quiet`, a live
 * view when stderr is a terminal, else one line per event.
 * @internal
 */
export function createRenderer(output: Output, particles: readonly string[]): Renderer {
  if (output.isJson) return new JsonRenderer(output);
  if (output.isQuiet) return new SilentRenderer(output);
  if (output.stderr.isTTY) return new ProgressRenderer(output.stderr, output.errColors, particles);
  return new PlainRenderer(output.stderr, output.errColors);
}

class SilentRenderer implements Renderer {
  constructor(private readonly output: Output) {}
  onEvent(): void {}
  log(line: string): void {
    this.output.stderr.write(`${line}\n`);
  }
  finish(): void {}
}
