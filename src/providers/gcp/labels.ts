import * as z from "zod";

/**
 * GCP labels: the tags of buckets and instances, a map of lowercase strings. Every resource the
 * framework creates carries the ownership label `pcf-managed-by: particle-cloud`, written by the
 * insert itself.
 */

/** The ownership label's key (labels allow neither `:` nor capitals, unlike AWS's `pcf:managed-by`). */
export const OWNERSHIP_LABEL_KEY = "pcf-managed-by";
/** The ownership label's value. */
export const OWNERSHIP_LABEL_VALUE = "particle-cloud";
/** The ownership label, as a map. */
export const OWNERSHIP_LABELS: Readonly<Record<string, string>> = {
  [OWNERSHIP_LABEL_KEY]: OWNERSHIP_LABEL_VALUE,
};

/**
 * A label map as GCP accepts it: keys of 1–63 lowercase letters, digits, `_` and `-`, starting
 * with a letter; values of up to 63 of the same. At most 64 labels.
 */
export const labelMapSchema = z
  .record(
    z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, "expected a lowercase label key (a-z 0-9 _ -)"),
    z.string().regex(/^[a-z0-9_-]{0,63}$/, "expected a lowercase label value (a-z 0-9 _ -)"),
  )
  .refine((labels) => Object.keys(labels).length <= 64, "at most 64 labels");

/** `labels` with the ownership label. */
export function withOwnershipLabel(
  labels: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  return { ...labels, ...OWNERSHIP_LABELS };
}
