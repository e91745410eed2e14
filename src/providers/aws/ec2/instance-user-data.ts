import { readFile } from "node:fs/promises";
import { isAbsolute, resolve, win32 } from "node:path";
import * as z from "zod";
import { PcfError, messageOf } from "../../../core/errors.js";
import { isPlainObject } from "../../../core/values.js";

// How `ec2_instance` builds the user data it launches an instance with, as PCF did: the explicit
// `UserData`, else a Jinja2 template rendered with parameters, else a comment line; then the
// optional bash shebang and the line that tags the instance when the script has finished.

/** The tag an instance's user data sets when it has run (`custom_config.userdata_wait`). */
export const USERDATA_FINISHED_TAG = "UserdataFinished";

/** What PCF launches when a definition gives neither `UserData` nor a template. */
export const NO_USER_DATA = "#No userdata provided";

const SHEBANG = "#!/bin/bash\n";

/**
 * Tags the instance from inside itself once the script above has run. PCF's line used IMDSv1
 * only; this one asks for an IMDSv2 token first, which also works where IMDSv1 is allowed.
 * Needs the AWS CLI in the image and an instance role allowed `ec2:CreateTags`.
 */
const FINISHED_LINE = [
  'IMDS_TOKEN=$(curl -s -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")',
  `aws ec2 create-tags --region "$(curl -s -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" http://169.254.169.254/latest/meta-data/placement/region)" --resources "$(curl -s -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" http://169.254.169.254/latest/meta-data/instance-id)" --tags Key=${USERDATA_FINISHED_TAG},Value=True`,
].join("\n");

/**
 * `custom_config.userdata_template_file`: a relative path that stays inside the folder it is
 * read from (the working directory, as in PCF). An absolute path or one whose `..` segments climb
 * out is refused when the definition is loaded, so a definition cannot send `/etc/shadow` or
 * `../../.aws/credentials` to an instance.
 * @internal
 */
export const userDataTemplatePathSchema = z
  .string()
  .min(1)
  .refine(
    (path) => !isAbsolute(path) && !win32.isAbsolute(path) && !climbsOut(path),
    "expected a relative path inside the definition's folder (no absolute path, no .. out of it)",
  );

/** True when `path`'s `..` segments lead above the folder it starts in. */
function climbsOut(path: string): boolean {
  let depth = 0;
  for (const segment of path.split(/[\\/]/)) {
    if (segment === "..") depth -= 1;
    else if (segment !== "" && segment !== ".") depth += 1;
    if (depth < 0) return true;
  }
  return false;
}

/** The user-data settings of an `ec2_instance` definition. @internal */
export interface UserDataSettings {
  readonly UserData?: string | undefined;
  readonly custom_config: {
    readonly userdata_template_file?: string | undefined;
    readonly userdata_params?: Readonly<Record<string, unknown>> | undefined;
    readonly userdata_bash?: boolean | undefined;
    readonly userdata_wait?: boolean | undefined;
  };
}

/**
 * The user data to launch with, as text. A non-empty `UserData` wins; else the template file
 * (a path relative to the working directory, as in PCF) rendered with `userdata_params`; else
 * {@link NO_USER_DATA}. `userdata_wait` makes it a bash script that ends by tagging the instance
 * `UserdataFinished=True`; `userdata_bash` only adds the shebang. Unlike PCF, no second shebang is
 * added to a script that already starts with `#!`.
 * @throws PcfError `DEFINITION_INVALID` naming the field when the template cannot be read or rendered.
 * @internal
 */
export async function renderUserData(
  settings: UserDataSettings,
  particle: string,
): Promise<string> {
  const config = settings.custom_config;
  let script = settings.UserData ?? "";
  if (script === "" && config.userdata_template_file !== undefined) {
    const field = "aws_resource.custom_config.userdata_template_file";
    const path = resolve(config.userdata_template_file);
    let template: string;
    try {
      template = await readFile(path, "utf8");
    } catch (error) {
      throw new PcfError(
        "DEFINITION_INVALID",
        `cannot read the user-data template ${path}: ${messageOf(error)}`,
        { particle, field },
        { cause: error },
      );
    }
    try {
      script = renderTemplate(template, config.userdata_params ?? {});
    } catch (error) {
      throw new PcfError("DEFINITION_INVALID", `${path}: ${messageOf(error)}`, { particle, field });
    }
  }
  if (script === "") script = NO_USER_DATA;
  const withShebang =
    (config.userdata_bash === true || config.userdata_wait === true) && !script.startsWith("#!")
      ? SHEBANG + script
      : script;
  return config.userdata_wait === true ? `${withShebang}\n${FINISHED_LINE}\n` : withShebang;
}

/** User data as RunInstances takes it: base64 (boto3 encoded it for PCF; SDK v3 does not). @internal */
export function encodeUserData(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/**
 * Renders the part of Jinja2 that PCF's user-data templates use: `{{ name }}` and
 * `{{ a.b[0] }}` with the filters `default`, `join`, `upper`, `lower`, `trim`; `{% for x in list %}`
 * … `{% endfor %}`; `{% if %}` / `{% elif %}` / `{% else %}` / `{% endif %}` on a value, `not`
 * a value, or `==` / `!=` a quoted string or a number; `{# comments #}`; and the `-` markers that
 * trim whitespace. As in Jinja2, an unknown name renders as nothing and one trailing newline of
 * the template is dropped. Not nunjucks: it prints `true` and an empty string where PCF's Python
 * Jinja2 printed `True` and `None`, so the same template would give different user data.
 * @throws Error naming the construct that is not supported.
 * @internal
 */
export function renderTemplate(
  template: string,
  params: Readonly<Record<string, unknown>>,
): string {
  const source = template.endsWith("\n") ? template.slice(0, -1) : template;
  const nodes = parseNodes(tokenize(source), 0, []).nodes;
  return renderNodes(nodes, { ...params });
}

type Token =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "output"; readonly expression: string }
  | { readonly kind: "tag"; readonly statement: string };

type TemplateNode =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "output"; readonly expression: string }
  | {
      readonly kind: "for";
      readonly variable: string;
      readonly iterable: string;
      readonly body: TemplateNode[];
    }
  | {
      readonly kind: "if";
      readonly branches: { test: string | undefined; body: TemplateNode[] }[];
    };

const MARKUP = /\{\{(-?)([\s\S]*?)(-?)\}\}|\{%(-?)([\s\S]*?)(-?)%\}|\{#(-?)[\s\S]*?(-?)#\}/g;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  let trimNext = false;
  for (const match of source.matchAll(MARKUP)) {
    let text = source.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, "");
    const trimBefore = (match[1] ?? match[4] ?? match[7]) === "-";
    if (trimBefore) text = text.replace(/\s+$/, "");
    if (text !== "") tokens.push({ kind: "text", text });
    if (match[2] !== undefined) tokens.push({ kind: "output", expression: match[2].trim() });
    else if (match[5] !== undefined) tokens.push({ kind: "tag", statement: match[5].trim() });
    trimNext = (match[3] ?? match[6] ?? match[8]) === "-";
    last = match.index + match[0].length;
  }
  const rest = trimNext ? source.slice(last).replace(/^\s+/, "") : source.slice(last);
  if (rest !== "") tokens.push({ kind: "text", text: rest });
  return tokens;
}

/** Parses tokens from `start` until one of `endTags`; returns the nodes, the end tag met and where. */
function parseNodes(
  tokens: readonly Token[],
  start: number,
  endTags: readonly string[],
): { nodes: TemplateNode[]; end: string | undefined; next: number } {
  const nodes: TemplateNode[] = [];
  let index = start;
  while (index < tokens.length) {
    const token = tokens[index] as Token;
    index += 1;
    if (token.kind !== "tag") {
      nodes.push(token);
      continue;
    }
    const [keyword = ""] = token.statement.split(/\s+/, 1);
    if (endTags.includes(keyword)) return { nodes, end: token.statement, next: index };
    if (keyword === "for") {
      const loop = /^for\s+([A-Za-z_]\w*)\s+in\s+(.+)$/.exec(token.statement);
      if (loop === null) throw new Error(`malformed "{% ${token.statement} %}"`);
      const body = parseNodes(tokens, index, ["endfor"]);
      if (body.end === undefined) throw new Error(`"{% ${token.statement} %}" has no endfor`);
      nodes.push({
        kind: "for",
        variable: loop[1] as string,
        iterable: loop[2] as string,
        body: body.nodes,
      });
      index = body.next;
    } else if (keyword === "if") {
      const branches: { test: string | undefined; body: TemplateNode[] }[] = [];
      let test: string | undefined = token.statement.slice(2).trim();
      for (;;) {
        const body = parseNodes(tokens, index, ["elif", "else", "endif"]);
        if (body.end === undefined) throw new Error(`"{% ${token.statement} %}" has no endif`);
        branches.push({ test, body: body.nodes });
        index = body.next;
        if (body.end === "endif") break;
        test = body.end.startsWith("elif") ? body.end.slice(4).trim() : undefined;
      }
      nodes.push({ kind: "if", branches });
    } else throw new Error(`"{% ${token.statement} %}" is not supported`);
  }
  return { nodes, end: undefined, next: index };
}

function renderNodes(nodes: readonly TemplateNode[], scope: Record<string, unknown>): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else if (node.kind === "output") out += display(evaluate(node.expression, scope));
    else if (node.kind === "for") {
      const items = evaluate(node.iterable, scope);
      const list = Array.isArray(items)
        ? items
        : isPlainObject(items)
          ? Object.keys(items)
          : items === undefined
            ? []
            : undefined;
      if (list === undefined) throw new Error(`"${node.iterable}" is not a list`);
      for (const item of list)
        out += renderNodes(node.body, { ...scope, [node.variable]: item as unknown });
    } else {
      const branch = node.branches.find(
        ({ test }) => test === undefined || isTruthy(condition(test, scope)),
      );
      if (branch !== undefined) out += renderNodes(branch.body, scope);
    }
  }
  return out;
}

function condition(test: string, scope: Record<string, unknown>): unknown {
  if (test.startsWith("not ")) return !isTruthy(condition(test.slice(4).trim(), scope));
  const comparison = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(test);
  if (comparison === null) return evaluate(test, scope);
  const left = evaluate(comparison[1] as string, scope);
  const right = literal((comparison[3] as string).trim());
  if (right === undefined) throw new Error(`"${test}": compare with a quoted string or a number`);
  return (left === right.value) === (comparison[2] === "==");
}

/** `path | filter(args) | …`. */
function evaluate(expression: string, scope: Record<string, unknown>): unknown {
  const [head = "", ...filters] = expression.split("|").map((part) => part.trim());
  let value = lookupPath(head, scope);
  for (const filter of filters) value = applyFilter(filter, value);
  return value;
}

function lookupPath(path: string, scope: Record<string, unknown>): unknown {
  const constant = literal(path);
  if (constant !== undefined) return constant.value;
  if (!/^[A-Za-z_]\w*(\.\w+|\[\d+\]|\[(["'])[^"']*\2\])*$/.test(path))
    throw new Error(`"{{ ${path} }}" is not supported: use names, a.b, a[0] and filters`);
  const segments = [...path.matchAll(/[A-Za-z_]\w*|\d+|(["'])([^"']*)\1/g)].map(
    (match) => match[2] ?? match[0],
  );
  let value: unknown = scope;
  for (const segment of segments) {
    if (Array.isArray(value) && /^\d+$/.test(segment)) value = value[Number(segment)];
    else if (isPlainObject(value)) value = value[segment];
    else return undefined;
  }
  return value;
}

function applyFilter(filter: string, value: unknown): unknown {
  const call = /^(\w+)\s*(?:\((.*)\))?$/.exec(filter);
  const argument = call?.[2] === undefined ? undefined : literal(call[2].trim());
  switch (call?.[1]) {
    case "default":
      return value === undefined ? argument?.value : value;
    case "join":
      return Array.isArray(value) ? value.map(display).join(String(argument?.value ?? "")) : value;
    case "upper":
      return display(value).toUpperCase();
    case "lower":
      return display(value).toLowerCase();
    case "trim":
      return display(value).trim();
    default:
      throw new Error(
        `filter "${filter}" is not supported (supported: default, join, upper, lower, trim)`,
      );
  }
}

function literal(text: string): { value: string | number } | undefined {
  const quoted = /^(["'])(.*)\1$/s.exec(text);
  if (quoted !== null) return { value: quoted[2] as string };
  return /^-?\d+(\.\d+)?$/.test(text) ? { value: Number(text) } : undefined;
}

function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** A value as Jinja2 prints it: nothing for undefined, Python's spelling of booleans and null. */
function display(value: unknown): string {
  if (value === undefined) return "";
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}
