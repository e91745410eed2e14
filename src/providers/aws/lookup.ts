import type { EC2Client } from "@aws-sdk/client-ec2";
import type { IAMClient } from "@aws-sdk/client-iam";
import { PcfError, messageOf, type DefinitionIssue } from "../../core/errors.js";
import { parseLookup } from "../../core/references.js";
import type { RunContext } from "../../core/run-context.js";
import { isPlainObject } from "../../core/values.js";
import { awsClient } from "./clients.js";
import { isAbort, isNotFound, wrapAwsError } from "./errors.js";
import { PCF_NAME_TAG } from "./tags.js";

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

type LookupOutcome = { readonly value: string | string[] } | { readonly problem: string };

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
  if (kind === "iam") return lookupIam(await iamClient(context, region), names, context.signal);
  const ec2 = await ec2Client(context, region);
  const sdk = await import("@aws-sdk/client-ec2");
  const abortSignal = context.signal;
  switch (kind) {
    case "ami": {
      const { Images = [] } = await ec2.send(
        new sdk.DescribeImagesCommand({ Filters: [{ Name: "name", Values: names }] }),
        { abortSignal },
      );
      return exactlyOne(
        Images.map((image) => image.ImageId),
        `image named ${quoted(names)}`,
      );
    }
    case "subnet": {
      const { Subnets = [] } = await ec2.send(
        new sdk.DescribeSubnetsCommand({ Filters: [{ Name: "tag:Name", Values: names }] }),
        { abortSignal },
      );
      return exactlyOne(
        Subnets.map((subnet) => subnet.SubnetId),
        `subnet tagged Name=${quoted(names)}`,
      );
    }
    case "snapshot": {
      const { Snapshots = [] } = await ec2.send(
        new sdk.DescribeSnapshotsCommand({
          OwnerIds: ["self"],
          Filters: [{ Name: "tag:Name", Values: names }],
        }),
        { abortSignal },
      );
      return exactlyOne(
        Snapshots.map((snapshot) => snapshot.SnapshotId),
        `snapshot tagged Name=${quoted(names)}`,
      );
    }
    case "instance_name": {
      const { Tags = [] } = await ec2.send(
        new sdk.DescribeTagsCommand({
          Filters: [
            { Name: "resource-id", Values: names },
            { Name: "key", Values: [PCF_NAME_TAG] },
          ],
        }),
        { abortSignal },
      );
      return exactlyOne(
        Tags.map((tag) => tag.Value),
        `${PCF_NAME_TAG} tag on instance ${quoted(names)}`,
      );
    }
    case "security_group": {
      const { SecurityGroups = [] } = await ec2.send(
        new sdk.DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: names }] }),
        { abortSignal },
      );
      const ids: string[] = [];
      for (const name of names) {
        const found = exactlyOne(
          SecurityGroups.filter((group) => group.GroupName === name).map((group) => group.GroupId),
          `security group named "${name}"`,
        );
        if ("problem" in found) return found;
        ids.push(...[found.value].flat());
      }
      return { value: ids };
    }
  }
}

async function lookupIam(
  iam: IAMClient,
  names: string[],
  abortSignal: AbortSignal,
): Promise<LookupOutcome> {
  const sdk = await import("@aws-sdk/client-iam");
  const [type, name = ""] = names;
  try {
    if (type === "role") {
      const { Role } = await iam.send(new sdk.GetRoleCommand({ RoleName: name }), { abortSignal });
      return exactlyOne([Role?.Arn], `role named "${name}"`);
    }
    const { InstanceProfile } = await iam.send(
      new sdk.GetInstanceProfileCommand({ InstanceProfileName: name }),
      { abortSignal },
    );
    return exactlyOne([InstanceProfile?.Arn], `instance profile named "${name}"`);
  } catch (error) {
    if (isNotFound(error))
      return { problem: `no ${type === "role" ? "role" : "instance profile"} named "${name}"` };
    throw error;
  }
}

function exactlyOne(values: readonly (string | undefined)[], what: string): LookupOutcome {
  const found = [
    ...new Set(values.filter((value): value is string => value !== undefined && value !== "")),
  ];
  if (found.length === 1 && found[0] !== undefined) return { value: found[0] };
  if (found.length === 0) return { problem: `no ${what}` };
  return {
    problem: `${found.length} matches for ${what} (${found.slice(0, 5).join(", ")}${found.length > 5 ? ", …" : ""}); expected exactly one`,
  };
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

async function ec2Client(context: RunContext, region: string): Promise<EC2Client> {
  const { EC2Client } = await import("@aws-sdk/client-ec2");
  return awsClient(EC2Client, context, region);
}

async function iamClient(context: RunContext, region: string): Promise<IAMClient> {
  const { IAMClient } = await import("@aws-sdk/client-iam");
  return awsClient(IAMClient, context, region);
}

function quoted(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(" or ");
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
