import type { EngineEvent } from "../../index.js";
import type { Output } from "../output.js";
import type { Renderer } from "./renderer.js";

/**
 * Every engine event as one JSON line on stdout, `{"v":1,"type":…,"seq":…,"timeMs":…,…}`: the
 * library's `EngineEvent` plus the format version `v`. Messages for people go to stderr.
 * @internal
 */
export class JsonRenderer implements Renderer {
  constructor(private readonly output: Output) {}

  onEvent(event: EngineEvent): void {
    const { type, ...rest } = event;
    this.output.json({ type, ...rest });
  }

  log(line: string): void {
    this.output.stderr.write(`${line}\n`);
  }

  finish(): void {}
}
