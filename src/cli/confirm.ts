import { createInterface } from "node:readline";
import { listNames } from "../index.js";
import { CliError } from "./cli-error.js";
import type { Output } from "./output.js";

/** What the user answered. @internal */
export type Answer = "yes" | "no" | "interrupted";

/**
 * Asks `Terminate N particles? [y/N]` on the terminal, after listing them. Without a terminal
 * (stdin and stderr both TTYs) there is no one to ask: it refuses.
 * @throws CliError "refusing to terminate without --yes (no terminal to ask)".
 * @internal
 */
export async function confirmRemoval(
  particles: readonly string[],
  output: Output,
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
  return ask(`Terminate ${count} ${noun}? [y/N] `, output.stderr);
}

function ask(question: string, stream: NodeJS.WriteStream): Promise<Answer> {
  const readline = createInterface({ input: process.stdin, output: stream, terminal: true });
  return new Promise<Answer>((resolve) => {
    let answer: Answer = "no";
    readline.on("SIGINT", () => {
      answer = "interrupted";
      stream.write("\n");
      readline.close();
    });
    readline.on("close", () => resolve(answer));
    readline.question(question, (text) => {
      answer = /^y(es)?$/i.test(text.trim()) ? "yes" : "no";
      readline.close();
    });
  });
}
