import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
  type YAMLMap,
} from "yaml";
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
      particle: unsafe.particle,
      field: unsafe.field,
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

interface UnsafeNode {
  readonly what: string;
  readonly why: string;
  readonly offset: number;
  /** The id of the top-level entry it is in, when that entry names one. */
  readonly particle: string | undefined;
  /** Its key path inside that entry. */
  readonly field: string | undefined;
}

/**
 * The first tag outside the core schema, or alias inside its own anchor (it would make a value
 * that contains itself, which no later step could walk).
 */
function firstUnsafeNode(document: Document): UnsafeNode | undefined {
  let found: UnsafeNode | undefined;
  visit(document, {
    Node(_key, node, path) {
      let what: string | undefined;
      let why = "";
      if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
        what = `YAML tag ${node.tag.replace(/^tag:yaml\.org,2002:/, "!!")}`;
        why = "not allowed: a definition holds plain data only";
      } else if (isAlias(node) && path.some((ancestor) => ancestor === node.resolve(document))) {
        what = `alias *${node.source}`;
        why = "refers to a node that contains it";
      }
      if (what === undefined) return undefined;
      found = { what, why, offset: node.range?.[0] ?? 0, ...locate([...path, node]) };
      return visit.BREAK;
    },
  });
  return found;
}

/** The entry's id and the key path of the last node of `path` (document first). */
function locate(path: readonly unknown[]): Pick<UnsafeNode, "particle" | "field"> {
  const keys: string[] = [];
  let entry: YAMLMap | undefined;
  path.forEach((node, depth) => {
    const child = path[depth + 1];
    if (isSeq(node) && child !== undefined) {
      if (depth === 1) entry = isMap(child) ? child : undefined;
      keys.push(`[${node.items.indexOf(child)}]`);
    } else if (isPair(node))
      keys.push(`.${String(isScalar(node.key) ? node.key.value : node.key)}`);
    else if (depth === 1 && isMap(node)) entry = node;
  });
  // The top-level index of a list is in the particle's name already.
  const field = keys
    .join("")
    .replace(/^\[\d+\]/, "")
    .replace(/^\./, "");
  const flavor = entry?.get("flavor");
  const name = entry?.get("pcf_name");
  return {
    particle:
      typeof flavor === "string" && typeof name === "string" ? `${flavor}:${name}` : undefined,
    field: field === "" ? undefined : field,
  };
}
