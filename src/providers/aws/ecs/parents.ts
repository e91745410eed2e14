import { ClusterNotFoundException } from "@aws-sdk/client-ecs";
import { PcfError } from "../../../core/errors.js";
import type { Particle } from "../../../core/particle.js";
import { isReference, parseInherit } from "../../../core/references.js";
import type { RunContext } from "../../../core/run-context.js";
import { readPath } from "../../../core/values.js";

/**
 * How the ECS flavors that live in a cluster (`ecs_service`, `ecs_task`, `ecs_instance`) take
 * what PCF took from their parents: a value written in the definition wins; an `$inherit$`
 * reference is read in the parent it names; else the one parent of the flavor (PCF's rule).
 */

/** The parents of `particle` of `flavor`. */
export function parentsOf(particle: Particle, flavor: string): Particle[] {
  return [...particle.parents].filter((parent) => parent.flavor === flavor);
}

/**
 * The value of `path` in the parent an `$inherit$` reference names, or in the one parent of
 * `flavor` when nothing is written: its live definition first, then its definition as written
 * (a cluster's name is known before the cluster is read). `undefined` when unknown.
 */
export function parentValue(
  particle: Particle,
  written: unknown,
  flavor: string,
  path: string,
): unknown {
  const reference = parseInherit(written);
  const [only, ...others] = parentsOf(particle, flavor);
  const parent =
    reference === undefined
      ? written === undefined && others.length === 0
        ? only
        : undefined
      : [...particle.parents].find((candidate) => candidate.id === reference.parentId);
  if (parent === undefined) return undefined;
  const sourcePath = reference?.sourcePath ?? path;
  const live = readPath(parent.currentStateDefinition, sourcePath);
  return live ?? readPath(parent.desiredStateDefinition, sourcePath);
}

/** The short name of a cluster written as a name or an ARN (`…:cluster/web` → `web`). */
export function clusterNameOf(cluster: string): string {
  return cluster.slice(cluster.lastIndexOf("/") + 1);
}

/**
 * The name of the cluster `particle` lives in: `cluster` as written (a name or an ARN), else the
 * `clusterName` of the `ecs_cluster` parent it names or of its one `ecs_cluster` parent.
 * `undefined` when unknown.
 */
export function clusterOf(particle: Particle, written: unknown): string | undefined {
  if (typeof written === "string" && !isReference(written)) return clusterNameOf(written);
  const value = parentValue(particle, written, "ecs_cluster", "clusterName");
  return typeof value === "string" && !isReference(value) ? clusterNameOf(value) : undefined;
}

/**
 * A task definition (`value`, an ARN or `family:revision`) as compared with the one `written`:
 * `family:revision`, or the family alone when `written` names no revision (ECS then takes the
 * latest ACTIVE one). Anything but two strings is given unchanged.
 */
export function comparableTaskDefinition(value: unknown, written: unknown): unknown {
  if (typeof value !== "string" || typeof written !== "string") return value;
  const tail = (arn: string): string => arn.slice(arn.lastIndexOf("/") + 1);
  const revised = tail(value);
  return tail(written).includes(":") || !revised.includes(":")
    ? revised
    : revised.slice(0, revised.lastIndexOf(":"));
}

/**
 * `resolved` with `cluster` and `taskDefinition` taken from the parents when not written: the
 * cluster's name, and the ARN of the one `ecs_task_definition` parent's latest revision (that
 * parent read first). The fields a parent cannot give stay unset.
 */
export async function withParentDefaults(
  particle: Particle,
  resolved: Record<string, unknown>,
  context: RunContext,
): Promise<Record<string, unknown>> {
  const filled = { ...resolved };
  const cluster = clusterOf(particle, filled["cluster"]);
  if (filled["cluster"] === undefined && cluster !== undefined) filled["cluster"] = cluster;
  const [taskParent, ...others] = parentsOf(particle, "ecs_task_definition");
  if (filled["taskDefinition"] === undefined && taskParent !== undefined && others.length === 0) {
    await taskParent.getState(context);
    const arn = parentValue(particle, undefined, "ecs_task_definition", "taskDefinitionArn");
    if (typeof arn === "string") filled["taskDefinition"] = arn;
  }
  return filled;
}

/**
 * The name of the cluster `particle` lives in, for a create.
 * @throws PcfError `DEFINITION_INVALID` when neither `cluster` nor an `ecs_cluster` parent gives it.
 */
export function requiredCluster(particle: Particle, written: unknown, kind: string): string {
  const cluster = clusterOf(particle, written);
  if (cluster !== undefined) return cluster;
  throw new PcfError(
    "DEFINITION_INVALID",
    `no cluster: write cluster or give the ${kind} one ecs_cluster parent`,
    { particle: particle.id, field: "aws_resource.cluster" },
  );
}

/**
 * `read()`, or `absent` when ECS answers that the cluster does not exist: nothing is in a
 * cluster not created yet (its `ecs_cluster` parent starts in the same run) or already deleted.
 */
export async function unlessNoCluster<T>(read: () => Promise<T>, absent: T): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ClusterNotFoundException) return absent;
    throw error;
  }
}
