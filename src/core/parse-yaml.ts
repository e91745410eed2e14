import { parseDocument } from "yaml";
import { PcfError } from "./errors.js";

/** Parses YAML. @throws PcfError `DEFINITION_INVALID` naming the line. */
export function parseYaml(text: string, file?: string): unknown {
  const document = parseDocument(text, { merge: true });
  const error = document.errors[0];
  if (error !== undefined) {
    const line = error.linePos?.[0].line;
    const reason = error.message.split(" at line ")[0] ?? error.message;
    throw new PcfError(
      "DEFINITION_INVALID",
      `invalid YAML${line === undefined ? "" : ` at line ${line}`}: ${reason}`,
      { file },
      { cause: error },
    );
  }
  return document.toJS({ maxAliasCount: 10_000 }) as unknown;
}
