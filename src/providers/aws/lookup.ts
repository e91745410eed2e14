import { PcfError, messageOf, type DefinitionIssue } from "../../core/errors.js";
import { parseLookup } from "../../core/references.js";
import type { RunContext } from "../../core/run-context.js";
import { isPlainObject } from "../../core/values.js";
import { isAbort, wrapAwsError } from "./errors.js";
import type { LookupOutcome } from "./lookup-outcome.js";

/**
 * The `$lookup$kind$names` kinds the AWS provider resolves. `names` is split on `:`.
 * - `ami`: the id of the one image whose name matches (wildcards allowed; several matches are an error).
 * - `subnet`, `snapshot`: the id of the one subnet / own snapshot whose `Name` tag matches.
 * - `iam`: `role:NAME` or `instance-profile:NAME` → its ARN.
 * - `instance_name`: an instance id → its `PCFName` tag.
 * - `security_group`: one or more group names (`web:ssh`) → their ids, as a list in the same order.
 *   Inside a list (`SecurityGroupIds: ["$lookup$security_group$web:ssh"]`) the ids are spliced in.
 */
export const LOOKUP_KINDS = [
  "ami",
  "subnet",
  "snapshot",
  "iam",
  "instance_name",
  "security_group",
] as const;

/** One of {@link LOOKUP_KINDS}. */
export type LookupKind = (typeof LOOKUP_KINDS)[number];

/** Who resolves lookups, and where. */
export interface LookupScope {
  /** The asking particle's id, for error messages. */
  readonly particle: string;
  /** The region to search: the particle's. */
  readonly region: string;
  readonly context: RunContext;
  /** The provider block's key, prefixed to field paths in errors (`aws_resource`). */
  readonly resourceKey: string;
}

/**
 * The problems with `$lookup$` values that show without calling AWS: unknown kinds and malformed
 * names. Run at construction, so a typo fails before anything is touched.
 */
export function lookupIssues(
  block: unknown,
  where: { particle: string; resourceKey: string },
): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  visitStrings(block, "", (text, at) => {
    if (!text.startsWith("$lookup$")) return;
    const problem = syntaxProblem(text);
    if (problem !== undefined)
      issues.push({
        particle: where.particle,
        field: joinPath(where.resourceKey, at),
        message: problem,
      });
  });
  return issues;
}

/**
 * A copy of `block` with every `$lookup$` value replaced by what it names. Each distinct lookup
 * runs once per run and region, however many particles use it. Never mutates its input.
 * @throws PcfError `REFERENCE_UNRESOLVED` naming the lookup, the particle and the field when
 * nothing (or more than one thing, where one is required) matches, or the lookup call fails.
 */
export async function resolveLookups(
  block: Record<string, unknown>,
  scope: LookupScope,
): Promise<Record<string, unknown>> {
  return (await replaceLookups(block, "", scope)) as Record<string, unknown>;
}

/** True when `block` holds any `$lookup$` value. */
export function hasLookups(block: unknown): boolean {
  let found = false;
  visitStrings(block, "", (text) => {
    if (text.startsWith("$lookup$")) found = true;
  });
  return found;
}

async function replaceLookups(value: unknown, at: string, scope: LookupScope): Promise<unknown> {
  if (typeof value === "string")
    return value.startsWith("$lookup$") ? resolveOne(value, at, scope) : value;
  if (Array.isArray(value)) {
    const items = await Promise.all(
      (value as unknown[]).map(async (item, index) => ({
        item,
        resolved: await replaceLookups(item, joinPath(at, String(index)), scope),
      })),
    );
    // A lookup that yields several ids (security groups) inside a list adds them all to that list.
    return items.flatMap(({ item, resolved }) =>
      typeof item === "string" && Array.isArray(resolved) ? (resolved as unknown[]) : [resolved],
    );
  }
  if (isPlainObject(value)) {
    const entries = await Promise.all(
      Object.entries(value).map(
        async ([key, item]) => [key, await replaceLookups(item, joinPath(at, key), scope)] as const,
      ),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

async function resolveOne(
  text: string,
  at: string,
  scope: LookupScope,
): Promise<string | string[]> {
  const where = { particle: scope.particle, field: joinPath(scope.resourceKey, at) };
  const syntax = syntaxProblem(text);
  if (syntax !== undefined)
    throw new PcfError("REFERENCE_UNRESOLVED", `cannot resolve ${text}: ${syntax}`, where);
  const reference = parseLookup(text);
  if (reference === undefined)
    throw new PcfError("REFERENCE_UNRESOLVED", `cannot resolve ${text}: malformed lookup`, where);
  const kind = reference.kind as LookupKind;
  const names = reference.names.split(":");
  let outcome: LookupOutcome;
  try {
    outcome = await scope.context.memo(
      `aws:lookup|${scope.region}|${kind}|${reference.names}`,
      () => runLookup(kind, names, scope),
    );
  } catch (error) {
    if (isAbort(error)) throw wrapAwsError(error, scope.particle, `look up ${text}`);
    throw new PcfError(
      "REFERENCE_UNRESOLVED",
      `cannot resolve ${text}: ${messageOf(error)}`,
      where,
      { cause: error },
    );
  }
  if ("problem" in outcome)
    throw new PcfError(
      "REFERENCE_UNRESOLVED",
      `cannot resolve ${text}: ${outcome.problem} in ${scope.region}`,
      where,
    );
  return outcome.value;
}

async function runLookup(
  kind: LookupKind,
  names: string[],
  scope: LookupScope,
): Promise<LookupOutcome> {
  const { context, region } = scope;
  if (kind === "iam") return (await import("./lookup-iam.js")).lookupIam(names, context, region);
  return (await import("./lookup-ec2.js")).lookupEc2(kind, names, context, region);
}

function syntaxProblem(text: string): string | undefined {
  const reference = parseLookup(text);
  if (reference === undefined) return `malformed lookup "${text}": expected $lookup$kind$names`;
  if (!(LOOKUP_KINDS as readonly string[]).includes(reference.kind)) {
    return `unknown lookup kind "${reference.kind}" in "${text}" (known: ${LOOKUP_KINDS.join(", ")})`;
  }
  const names = reference.names.split(":");
  if (names.some((name) => name === "")) return `lookup "${text}" has an empty name`;
  if (
    reference.kind === "iam" &&
    (names.length !== 2 || (names[0] !== "role" && names[0] !== "instance-profile"))
  ) {
    return `lookup "${text}": expected $lookup$iam$role:NAME or $lookup$iam$instance-profile:NAME`;
  }
  return undefined;
}

function joinPath(base: string, key: string): string {
  return base === "" ? key : `${base}.${key}`;
}

function visitStrings(value: unknown, at: string, visit: (text: string, at: string) => void): void {
  if (typeof value === "string") visit(value, at);
  else if (Array.isArray(value))
    value.forEach((item, index) => visitStrings(item, joinPath(at, String(index)), visit));
  else if (isPlainObject(value))
    for (const [key, item] of Object.entries(value)) visitStrings(item, joinPath(at, key), visit);
}
