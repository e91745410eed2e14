import * as z from "zod";
import { isPlainObject } from "../../../core/values.js";

/**
 * An IAM policy document as a definition writes it: a JSON object, or its JSON text (PCF files
 * pass `json.dumps(...)`). Either form is sent as JSON text and compared as a parsed document.
 */
export const policyDocumentSchema = z.union([
  z.record(z.string(), z.unknown()),
  z
    .string()
    .refine(
      (text) => parseJsonObject(text) !== undefined,
      "expected a policy document: a JSON object, or its JSON text",
    ),
]);

/** A policy document in a definition: an object or its JSON text. */
export type PolicyDocument = z.infer<typeof policyDocumentSchema>;

/** The JSON text IAM takes: text as written (IAM keeps it verbatim), an object serialised. */
export function policyDocumentText(document: PolicyDocument): string {
  return typeof document === "string" ? document : JSON.stringify(document);
}

/**
 * A policy document as an object, from a definition's object or JSON text, or from IAM's answer:
 * IAM returns documents URL-encoded (RFC 3986), and moto returns some decoded. `undefined` when
 * the value is no JSON object in either form.
 */
export function parsePolicyDocument(value: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(value)) return value;
  if (typeof value !== "string") return undefined;
  // Plain JSON first: a decoded document may contain a literal "%" that decoding would mangle.
  return parseJsonObject(value) ?? parseJsonObject(decodeUrl(value));
}

/**
 * The form documents are compared in: the parsed document as JSON text with sorted keys, so
 * whitespace, key order and URL encoding make no difference; statement and array order do. A
 * value that is no JSON document compares as itself.
 */
export function comparablePolicyDocument(value: unknown): unknown {
  const document = parsePolicyDocument(value);
  return document === undefined ? value : JSON.stringify(sortKeys(document));
}

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function decodeUrl(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}
