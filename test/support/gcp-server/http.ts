import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The HTTP plumbing of the GCP test server: JSON bodies in and out, and errors in Google's
 * shape (`{ error: { code, message, errors: [{ message, domain, reason }], status } }`), as the
 * JSON API and Compute Engine's REST reference document them.
 */

/** The canonical status name of each HTTP status the server answers with. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  412: "FAILED_PRECONDITION",
};

/** A failure the handlers throw; the server answers it in Google's error shape. */
export class GoogleApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** One request, as a handler sees it. */
export interface ApiRequest {
  readonly method: string;
  /** The path's segments after the API's prefix, decoded. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
}

/** Reads a request's JSON body (`{}` when empty). */
export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    // Calls without a body (stop, start, wait) send the JSON string `""`.
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
    if (parsed === "") return {};
  } catch {
    // Answered below as Google does.
  }
  throw new GoogleApiError(400, "parseError", "Parse Error");
}

/** Answers `value` as JSON with `status`; 204 answers nothing. */
export function sendJson(response: ServerResponse, status: number, value?: unknown): void {
  if (value === undefined) {
    response.writeHead(status).end();
    return;
  }
  const body = JSON.stringify(value);
  response.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

/** Answers `error` in Google's error shape. */
export function sendError(response: ServerResponse, error: GoogleApiError): void {
  sendJson(response, error.code, {
    error: {
      code: error.code,
      message: error.message,
      errors: [{ message: error.message, domain: "global", reason: error.reason }],
      status: STATUS_NAMES[error.code] ?? "UNKNOWN",
    },
  });
}

/**
 * Items per page when `maxResults` asks for no fewer: small, so that every client's paging is
 * exercised (the API lets a server answer fewer items than asked, with a `nextPageToken`).
 */
export const PAGE_SIZE = 2;

/** A page of `items` from `pageToken` (an offset), at most `maxResults` (and {@link PAGE_SIZE}) long. */
export function page<T>(
  items: readonly T[],
  query: URLSearchParams,
): { items: T[]; nextPageToken?: string } {
  const start = Number(query.get("pageToken") ?? "0");
  const size = Math.min(Number(query.get("maxResults") ?? PAGE_SIZE), PAGE_SIZE);
  const slice = items.slice(start, start + size);
  const next = start + size;
  return next < items.length ? { items: slice, nextPageToken: String(next) } : { items: slice };
}

/** `field` of `body` as a string, or the 400 Google answers for a required field. */
export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value === "string" && value !== "") return value;
  throw new GoogleApiError(400, "required", `Required field '${field}' not specified`);
}

/** A label map as Google checks it: lowercase keys and values of at most 63 characters. */
export function labelsOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new GoogleApiError(400, "invalid", "Invalid value for field 'labels'");
  const labels: Record<string, string> = {};
  for (const [key, label] of Object.entries(value)) {
    if (label === null) continue;
    if (
      typeof label !== "string" ||
      !/^[a-z][a-z0-9_-]{0,62}$/.test(key) ||
      !/^[a-z0-9_-]{0,63}$/.test(label)
    )
      throw new GoogleApiError(400, "invalid", `Invalid label: ${key}`);
    labels[key] = label;
  }
  return labels;
}
