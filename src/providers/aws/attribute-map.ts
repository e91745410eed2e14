import { isDeepStrictEqual } from "node:util";
import { isPlainObject } from "../../core/values.js";

/**
 * Attribute maps as SQS queues and SNS topics take them: every value a string, some of them JSON
 * documents. A definition may write those as objects; they are compared parsed, so that key
 * order and spacing are no difference.
 */

/** How one service's attribute map is written and compared. */
export interface AttributeRules {
  /** Attributes whose value is a JSON document (`Policy`). */
  readonly jsonNames: ReadonlySet<string>;
  /** Attributes that are read, never sent (SQS's `QueueArn`); default none. */
  readonly isReadOnly?: (name: string) => boolean;
}

/** The settable attributes of `attributes`, each as the string the service expects. */
export function attributeStrings(
  attributes: Readonly<Record<string, unknown>>,
  rules: AttributeRules,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(attributes)
      .filter(([name, value]) => value !== undefined && rules.isReadOnly?.(name) !== true)
      .map(([name, value]) => [name, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}

/** Attributes as they are compared: strings, JSON documents parsed; `undefined` when not written. */
export function comparableAttributes(
  attributes: unknown,
  rules: AttributeRules,
): Record<string, unknown> | undefined {
  if (!isPlainObject(attributes)) return undefined;
  return Object.fromEntries(
    Object.entries(attributeStrings(attributes, rules)).map(([name, text]) => [
      name,
      rules.jsonNames.has(name) ? parseJson(text) : text,
    ]),
  );
}

/** The desired attributes, as strings, whose compared value differs from the live one. */
export function changedAttributes(
  desired: Readonly<Record<string, unknown>>,
  live: unknown,
  rules: AttributeRules,
): [string, string][] {
  const wanted = comparableAttributes(desired, rules) ?? {};
  const current = comparableAttributes(live, rules) ?? {};
  return Object.entries(attributeStrings(desired, rules)).filter(
    ([name]) => !isDeepStrictEqual(wanted[name], current[name]),
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The settable attributes of a read attribute map, each as a string; `undefined` when none was
 * read. A discovered definition writes these: a file cannot set what the service only reports.
 */
export function settableAttributes(
  attributes: unknown,
  rules: AttributeRules,
): Record<string, string> | undefined {
  return isPlainObject(attributes) ? attributeStrings(attributes, rules) : undefined;
}
