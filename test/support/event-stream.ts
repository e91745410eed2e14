import type { Readable } from "node:stream";

/** One JSON line a `pcf … --json` process printed. */
export type JsonEvent = Readonly<Record<string, unknown>>;

interface Waiter {
  readonly match: (event: JsonEvent) => boolean;
  readonly resolve: (event: JsonEvent) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The JSON lines of a child's stdout as they arrive: every event so far, and promises of the
 * first event matching a predicate. A promise still waiting when the stream ends rejects, with
 * what was printed. Lines that are not JSON are kept apart.
 */
export class EventStream {
  readonly events: JsonEvent[] = [];
  readonly otherLines: string[] = [];
  private partial = "";
  private hasEnded = false;
  private waiters: Waiter[] = [];

  constructor(stream: Readable | null | undefined) {
    if (stream == null) throw new Error("no stream");
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => this.onData(chunk));
    stream.once("end", () => {
      this.hasEnded = true;
      for (const waiter of this.waiters.splice(0)) waiter.reject(this.endedError());
    });
  }

  /** The first event matching `match`, among those already printed or, else, the next ones. */
  find(match: (event: JsonEvent) => boolean): Promise<JsonEvent> {
    const seen = this.events.find(match);
    return seen === undefined ? this.next(match) : Promise.resolve(seen);
  }

  /** The next event printed from now on that matches `match`. */
  next(match: (event: JsonEvent) => boolean): Promise<JsonEvent> {
    if (this.hasEnded) return Promise.reject(this.endedError());
    return new Promise((resolve, reject) => this.waiters.push({ match, resolve, reject }));
  }

  /** Everything printed, for failure messages. */
  describe(): string {
    return [...this.events.map((event) => JSON.stringify(event)), ...this.otherLines].join("\n");
  }

  private onData(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      let event: JsonEvent;
      try {
        event = JSON.parse(line) as JsonEvent;
      } catch {
        this.otherLines.push(line);
        continue;
      }
      this.events.push(event);
      const matched = this.waiters.filter((waiter) => waiter.match(event));
      this.waiters = this.waiters.filter((waiter) => !matched.includes(waiter));
      for (const waiter of matched) waiter.resolve(event);
    }
  }

  private endedError(): Error {
    return new Error(`the output ended first; it printed:\n${this.describe()}`);
  }
}
