import { createInterface } from "node:readline";
import { listNames } from "../index.js";
import { CliError } from "./cli-error.js";
import type { Output } from "./output.js";

/** What the user answered. @internal */
export type Answer = "yes" | "no" | "interrupted";

/**
 * Asks `Terminate N particles? [y/N]` on the terminal, after listing them. Without a terminal
 * (stdin and stderr both TTYs) there is no one to ask: it refuses. Ctrl-C at the prompt, or
 * `signal` aborting (a SIGTERM), answers `interrupted`.
 * @throws CliError "refusing to terminate without --yes (no terminal to ask)".
 * @internal
 */
export async function confirmRemoval(
  particles: readonly string[],
  output: Output,
  options: { readonly signal: AbortSignal },
): Promise<Answer> {
  const count = particles.length;
  const noun = count === 1 ? "particle" : "particles";
  if (!(process.stdin.isTTY && output.stderr.isTTY)) {
    throw new CliError(
      "refusing to terminate without --yes (no terminal to ask)",
      `would terminate ${listNames(particles, 5)}; pass --yes to confirm, or --dry-run to see the plan`,
    );
  }
  const c = output.errColors;
  output.stderr.write(`${particles.map((particle) => `  ${c.red("-")} ${particle}`).join("\n")}\n`);
  return ask(`Terminate ${count} ${noun}? [y/N] `, output.stderr, options.signal);
}

function ask(question: string, stream: NodeJS.WriteStream, signal: AbortSignal): Promise<Answer> {
  const readline = createInterface({ input: process.stdin, output: stream, terminal: true });
  return new Promise<Answer>((resolve) => {
    let answer: Answer = "no";
    const interrupt = (): void => {
      answer = "interrupted";
      stream.write("\n");
      readline.close();
    };
    readline.on("SIGINT", interrupt);
    signal.addEventListener("abort", interrupt, { once: true });
    readline.on("close", () => {
      signal.removeEventListener("abort", interrupt);
      resolve(answer);
    });
    readline.question(question, (text) => {
      answer = /^y(es)?$/i.test(text.trim()) ? "yes" : "no";
      readline.close();
    });
  });
}
