import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import {
  parse as parseJsonc,
  printParseErrorCode,
  type ParseError,
  type ParseErrorCode,
} from "jsonc-parser";
import { PcfError, messageOf } from "./errors.js";

/** The file names `pcf` looks for, in order, when no file is given (as PCF's CLI). */
export const DEFAULT_DEFINITION_FILES = ["pcf.json", "pcf.yml", "pcf.yaml"] as const;

/**
 * Reads and parses a definition file: `.json` (with `//`, `/* *\/` and `#` comments, as PCF's
 * commentjson allowed) or `.yml` / `.yaml` (anchors and aliases work; tags are refused). The
 * bytes must be UTF-8. A file with no content gives `undefined`.
 * @throws PcfError `FILE_NOT_FOUND`, or `DEFINITION_INVALID` with the line of a syntax error or
 * the byte offset of a sequence that is not UTF-8.
 */
export async function readDefinitionFile(path: string): Promise<unknown> {
  const extension = extname(path).toLowerCase();
  if (![".json", ".yml", ".yaml"].includes(extension)) {
    throw new PcfError("DEFINITION_INVALID", "definition files must end in .json, .yml or .yaml", {
      file: path,
    });
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PcfError(
      code === "ENOENT" ? "FILE_NOT_FOUND" : "DEFINITION_INVALID",
      `cannot read ${path}: ${code ?? "error"}`,
      { file: path },
      { cause: error },
    );
  }
  const text = decodeUtf8(bytes, path);
  if (extension === ".json") return parseJsonWithComments(text, path);
  // The YAML parser is a quarter of a megabyte: a run on JSON files never loads it.
  const { parseYaml } = await import("./parse-yaml.js");
  return parseYaml(text, path);
}

/**
 * Parses JSON that may hold comments. A text of only comments and blanks gives `undefined` (no
 * definitions). A `"__proto__"` key stays an own key, for validation to refuse.
 * @throws PcfError `DEFINITION_INVALID` naming the line.
 */
export function parseJsonWithComments(text: string, file?: string): unknown {
  const stripped = stripJsonComments(text);
  if (stripped.trim() === "") return undefined;
  const errors: ParseError[] = [];
  let value: unknown;
  try {
    // jsonc-parser only finds the error and its line: it builds objects by assignment, which
    // turns a "__proto__" key into the object's prototype. JSON.parse keeps it as a key.
    parseJsonc(stripped, errors, { allowTrailingComma: false, disallowComments: true });
    if (errors.length === 0) value = JSON.parse(stripped) as unknown;
  } catch (error) {
    // A stack overflow on absurd nesting, or a rule only JSON.parse enforces.
    throw new PcfError(
      "DEFINITION_INVALID",
      `invalid JSON: ${messageOf(error)}`,
      { file },
      {
        cause: error,
      },
    );
  }
  const [error] = errors;
  if (error === undefined) return value;
  const line = stripped.slice(0, error.offset).split("\n").length;
  throw new PcfError(
    "DEFINITION_INVALID",
    `invalid JSON at line ${line}: ${describeJsonError(error.error)}`,
    { file },
  );
}

/**
 * Decodes UTF-8 strictly: a byte sequence that is not UTF-8 is refused, never replaced by U+FFFD.
 * A leading byte-order mark is dropped.
 * @throws PcfError `DEFINITION_INVALID` with the byte offset and line of the first bad sequence.
 */
export function decodeUtf8(bytes: Uint8Array, file?: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidSequence(bytes);
    const line = bytes.subarray(0, offset).filter((byte) => byte === 0x0a).length + 1;
    const byte = bytes[offset];
    const shown =
      byte === undefined ? "end of file" : `byte 0x${byte.toString(16).padStart(2, "0")}`;
    throw new PcfError(
      "DEFINITION_INVALID",
      `not UTF-8: invalid ${shown} at byte offset ${offset} (line ${line}); save the file as UTF-8`,
      { file },
    );
  }
}

/** Where the first sequence that is not UTF-8 starts: the decoder fed one byte at a time says. */
function firstInvalidSequence(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let sequenceStart = 0;
  for (let index = 0; index < bytes.length; index += 1) {
    try {
      if (decoder.decode(bytes.subarray(index, index + 1), { stream: true }) !== "")
        sequenceStart = index + 1;
    } catch {
      return sequenceStart;
    }
  }
  return sequenceStart;
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
