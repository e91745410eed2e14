import type { DefinitionDifference } from "./diff.js";
import { PcfError } from "./errors.js";

/**
 * Replacement: a change to a field the cloud fixes at creation (an IAM policy's `Path`, a table's
 * key schema) cannot be made in place, so apply terminates the resource and starts it again with
 * the new definition, as Terraform's `-/+` does. Because a replacement destroys data, it runs only
 * where the user allowed it; otherwise plan and apply refuse that particle before changing it,
 * naming the field. Plan and apply both decide through {@link replaceRefusal}, so plan never
 * promises what apply then refuses.
 */

/** The transitions of a replacement, in the order they run. */
export const REPLACE_TRANSITIONS = ["terminate", "start"] as const;

/** What a particle tells about itself for the replacement decision. */
export interface ReplaceSubject {
  /** `flavor:pcf_name`. */
  readonly id: string;
  /** `pcf_name`. */
  readonly name: string;
  /** The particle's resource block key (`aws_resource`), prefixed to field paths in messages. */
  readonly resourceKey: string | undefined;
  /** Whether the definition's `custom_config.replace_on_change` is true. */
  readonly allowsReplace: boolean;
  /** Whether `persist_on_termination` is set: such a resource is never removed, so never replaced. */
  readonly persistOnTermination: boolean;
}

/** Who may be replaced in a run, beyond the particles that allow it themselves. */
export interface ReplacePolicy {
  /**
   * Particles that may be replaced in this run, by id (`flavor:pcf_name`) or `pcf_name`
   * (the CLI's `--allow-replace NAME`). Default none.
   */
  readonly allowReplace?: readonly string[] | undefined;
}

/** True when `path` is one of `fixedFields` or lies under one (`KeySchema.0` under `KeySchema`). */
export function isUnderFixedField(path: string, fixedFields: readonly string[]): boolean {
  return fixedFields.some((field) => path === field || path.startsWith(`${field}.`));
}

/**
 * Why `subject` may not be replaced to apply `fixed` (fields fixed at creation that differ), or
 * `undefined` when it may: its `custom_config.replace_on_change` is true or the run's
 * `allowReplace` names it, and it is not `persist_on_termination`.
 * @returns a `REPLACE_REFUSED` error naming the first field and the ways out.
 */
export function replaceRefusal(
  subject: ReplaceSubject,
  fixed: readonly DefinitionDifference[],
  policy: ReplacePolicy = {},
): PcfError | undefined {
  const first = fixed[0];
  if (first === undefined) return undefined;
  const prefix = subject.resourceKey === undefined ? "" : `${subject.resourceKey}.`;
  const changes = fixed.map(
    (difference) =>
      `${prefix}${difference.path} ${describe(difference.current)} → ${describe(difference.desired)}`,
  );
  const where = { particle: subject.id, field: `${prefix}${first.path}` };
  if (subject.persistOnTermination)
    return new PcfError(
      "REPLACE_REFUSED",
      `${changes.join(", ")} can only change by replacing the resource, and persist_on_termination keeps it: ` +
        `remove persist_on_termination, or set persist_on_update to leave it as it is`,
      where,
    );
  const isAllowed =
    subject.allowsReplace ||
    (policy.allowReplace ?? []).some((name) => name === subject.id || name === subject.name);
  if (isAllowed) return undefined;
  return new PcfError(
    "REPLACE_REFUSED",
    `${changes.join(", ")} can only change by replacing the resource (terminate, then start): ` +
      `allow it with --allow-replace ${subject.name} or ${prefix}custom_config.replace_on_change: true`,
    where,
  );
}

function describe(value: unknown): string {
  if (value === undefined) return "(unset)";
  return typeof value === "string" ? value : JSON.stringify(value);
}
