import { isAlias, parseDocument, visit, type Document } from "yaml";
import { PcfError, messageOf } from "./errors.js";

/** The tags of YAML's core schema: a file may spell these out (`!!str 0123`), no other. */
const CORE_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((name) => `tag:yaml.org,2002:${name}`),
);

/**
 * Parses YAML. Tags other than the core schema's (`!!python/object`, `!include`, `!!binary`) are
 * refused: a definition is data, and an unknown tag would otherwise be dropped with a warning.
 * So is an alias inside the node it names (`a: &a { b: *a }`).
 * An empty document gives `undefined`.
 * @throws PcfError `DEFINITION_INVALID` naming the line.
 */
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
  const unsafe = firstUnsafeNode(document);
  if (unsafe !== undefined) {
    const line = text.slice(0, unsafe.offset).split("\n").length;
    throw new PcfError("DEFINITION_INVALID", `${unsafe.what} at line ${line}: ${unsafe.why}`, {
      file,
    });
  }
  try {
    return (document.toJS({ maxAliasCount: 10_000 }) as unknown) ?? undefined;
  } catch (error) {
    // The alias-count guard against "billion laughs" files throws here.
    throw new PcfError(
      "DEFINITION_INVALID",
      `invalid YAML: ${messageOf(error)}`,
      { file },
      {
        cause: error,
      },
    );
  }
}

/**
 * The first tag outside the core schema, or alias inside its own anchor (it would make a value
 * that contains itself, which no later step could walk).
 */
function firstUnsafeNode(
  document: Document,
): { what: string; why: string; offset: number } | undefined {
  let found: { what: string; why: string; offset: number } | undefined;
  visit(document, {
    Node(_key, node, path) {
      const offset = node.range?.[0] ?? 0;
      if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
        const tag = node.tag.replace(/^tag:yaml\.org,2002:/, "!!");
        found = {
          what: `YAML tag ${tag}`,
          why: "not allowed: a definition holds plain data only",
          offset,
        };
      } else if (isAlias(node) && path.some((ancestor) => ancestor === node.resolve(document))) {
        found = { what: `alias *${node.source}`, why: "refers to a node that contains it", offset };
      }
      return found === undefined ? undefined : visit.BREAK;
    },
  });
  return found;
}
