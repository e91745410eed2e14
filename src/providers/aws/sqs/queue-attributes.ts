import { QueueAttributeName } from "@aws-sdk/client-sqs";
import { isDeepStrictEqual } from "node:util";
import * as z from "zod";
import { isPlainObject } from "../../../core/values.js";

// How `sqs_queue` writes, sends and compares queue attributes. SQS speaks strings only; files
// may use numbers, booleans and, for the JSON attributes, objects.

/** Attributes SQS reports but never accepts: accepted in files (PCF's examples list them), never sent or compared. */
const READ_ONLY_ATTRIBUTES: ReadonlySet<string> = new Set([
  QueueAttributeName.All,
  QueueAttributeName.ApproximateNumberOfMessages,
  QueueAttributeName.ApproximateNumberOfMessagesDelayed,
  QueueAttributeName.ApproximateNumberOfMessagesNotVisible,
  QueueAttributeName.CreatedTimestamp,
  QueueAttributeName.LastModifiedTimestamp,
  QueueAttributeName.QueueArn,
]);

/** Attributes whose value is a JSON document: compared as documents, and writable as objects. */
const JSON_ATTRIBUTES: ReadonlySet<string> = new Set([
  QueueAttributeName.Policy,
  QueueAttributeName.RedrivePolicy,
  QueueAttributeName.RedriveAllowPolicy,
]);

/** One attribute value as a file may write it. @internal */
export const attributeValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.record(z.string(), z.unknown()),
]);

/** The settable attributes of a definition, each as the string SQS expects. @internal */
export function writableAttributes(
  attributes: Readonly<Partial<Record<QueueAttributeName, unknown>>>,
): Partial<Record<QueueAttributeName, string>> {
  const result: Partial<Record<QueueAttributeName, string>> = {};
  for (const [name, value] of Object.entries(attributes) as [QueueAttributeName, unknown][]) {
    if (value === undefined || READ_ONLY_ATTRIBUTES.has(name)) continue;
    result[name] = attributeText(value);
  }
  return result;
}

/** Attributes as they are compared: strings, JSON documents parsed, read-only ones left out. @internal */
export function comparableAttributes(
  attributes: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || READ_ONLY_ATTRIBUTES.has(name)) continue;
    result[name] = JSON_ATTRIBUTES.has(name) ? parseJson(value) : attributeText(value);
  }
  return result;
}

/** The desired attributes whose comparable form differs from the live one, as strings. @internal */
export function changedAttributes(
  desired: Readonly<Partial<Record<QueueAttributeName, unknown>>>,
  current: unknown,
): Partial<Record<QueueAttributeName, string>> {
  const live = comparableAttributes(isPlainObject(current) ? current : {});
  const wanted = comparableAttributes(desired);
  const changed = Object.entries(writableAttributes(desired)).filter(
    ([name]) => !isDeepStrictEqual(wanted[name], live[name]),
  );
  return Object.fromEntries(changed);
}

function attributeText(value: unknown): string {
  return typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : JSON.stringify(value);
}

function parseJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
