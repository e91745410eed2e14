import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import {
  parse as parseJsonc,
  printParseErrorCode,
  type ParseError,
  type ParseErrorCode,
} from "jsonc-parser";
import { PcfError } from "./errors.js";

/** The file names `pcf` looks for, in order, when no file is given (as PCF's CLI). */
export const DEFAULT_DEFINITION_FILES = ["pcf.json", "pcf.yml", "pcf.yaml"] as const;

/**
 * Reads and parses a definition file: `.json` (with `//`, `/* *\/` and `#` comments, as PCF's
 * commentjson allowed) or `.yml` / `.yaml` (anchors and aliases work).
 * @throws PcfError `FILE_NOT_FOUND`, or `DEFINITION_INVALID` with the line of a syntax error.
 */
export async function readDefinitionFile(path: string): Promise<unknown> {
  const extension = extname(path).toLowerCase();
  if (![".json", ".yml", ".yaml"].includes(extension)) {
    throw new PcfError("DEFINITION_INVALID", "definition files must end in .json, .yml or .yaml", {
      file: path,
    });
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PcfError(
      code === "ENOENT" ? "FILE_NOT_FOUND" : "DEFINITION_INVALID",
      `cannot read ${path}: ${code ?? "error"}`,
      { file: path },
      { cause: error },
    );
  }
  if (extension === ".json") return parseJsonWithComments(text, path);
  // The YAML parser is a quarter of a megabyte: a run on JSON files never loads it.
  const { parseYaml } = await import("./parse-yaml.js");
  return parseYaml(text, path);
}

/** Parses JSON that may hold comments. @throws PcfError `DEFINITION_INVALID` naming the line. */
export function parseJsonWithComments(text: string, file?: string): unknown {
  const stripped = stripJsonComments(text);
  const errors: ParseError[] = [];
  const value = parseJsonc(stripped, errors, {
    allowTrailingComma: false,
    disallowComments: true,
  }) as unknown;
  const [error] = errors;
  if (error === undefined) return value;
  const line = stripped.slice(0, error.offset).split("\n").length;
  throw new PcfError(
    "DEFINITION_INVALID",
    `invalid JSON at line ${line}: ${describeJsonError(error.error)}`,
    { file },
  );
}

function describeJsonError(code: ParseErrorCode): string {
  const words = printParseErrorCode(code)
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return words.replace(/^invalid symbol$/, "unexpected character");
}

/**
 * Blanks out comments outside strings, keeping line breaks so error lines stay true. jsonc-parser
 * reports syntax errors with offsets but knows no `#` comments, which PCF's files may hold.
 */
function stripJsonComments(text: string): string {
  let output = "";
  let index = 0;
  while (index < text.length) {
    const char = text[index] ?? "";
    const next = text[index + 1] ?? "";
    if (char === '"') {
      const end = endOfString(text, index);
      output += text.slice(index, end);
      index = end;
    } else if (char === "#" || (char === "/" && next === "/")) {
      const end = text.indexOf("\n", index);
      index = end === -1 ? text.length : end;
    } else if (char === "/" && next === "*") {
      const end = text.indexOf("*/", index + 2);
      const comment = text.slice(index, end === -1 ? text.length : end + 2);
      output += comment.replace(/[^\n]/g, " ");
      index += comment.length;
    } else {
      output += char;
      index += 1;
    }
  }
  return output;
}

function endOfString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length && text[index] !== '"') index += text[index] === "\\" ? 2 : 1;
  return Math.min(index + 1, text.length);
}
