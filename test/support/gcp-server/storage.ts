import { GoogleApiError, labelsOf, page, requiredString, type ApiRequest } from "./http.js";
import type { Projects } from "./projects.js";

/**
 * Cloud Storage's bucket resource under `/storage/v1/b` (JSON API v1): insert, get, patch,
 * delete and list with `prefix` and page tokens. Bucket names are global, as in Cloud Storage.
 * Objects are not served: every bucket is empty.
 */

const STORAGE_CLASSES = new Set(["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"]);
const MULTI_REGIONS = new Set(["US", "EU", "ASIA"]);

interface Bucket {
  readonly project: string;
  readonly resource: Record<string, unknown>;
}

/** The bucket routes; `handle` answers the JSON body and status of one request. */
export class StorageApi {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly projects: Projects) {}

  /** Answers a request whose path is under `/storage/v1/b`. */
  handle(request: ApiRequest): { status: number; body?: unknown } {
    const [name, ...rest] = request.segments;
    if (rest.length > 0) throw new GoogleApiError(404, "notFound", "Not Found");
    if (name === undefined) {
      if (request.method === "POST") return { status: 200, body: this.insert(request) };
      if (request.method === "GET") return { status: 200, body: this.list(request) };
    } else {
      if (request.method === "GET") return { status: 200, body: this.bucket(name).resource };
      if (request.method === "PATCH") return { status: 200, body: this.patch(name, request.body) };
      if (request.method === "DELETE") {
        this.bucket(name);
        this.buckets.delete(name);
        return { status: 204 };
      }
    }
    throw new GoogleApiError(405, "methodNotAllowed", "Method not allowed");
  }

  private insert({ query, body }: ApiRequest): Record<string, unknown> {
    const project = this.project(query);
    const name = requiredString(body, "name");
    if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name))
      throw new GoogleApiError(400, "invalid", "Invalid bucket name: '" + name + "'");
    if (this.buckets.has(name))
      throw new GoogleApiError(
        409,
        "conflict",
        "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
      );
    const location = String(body["location"] ?? "US").toUpperCase();
    const storageClass = this.storageClass(body["storageClass"] ?? "STANDARD");
    const now = new Date().toISOString();
    const resource = {
      kind: "storage#bucket",
      selfLink: `https://www.googleapis.com/storage/v1/b/${name}`,
      id: name,
      name,
      projectNumber: this.projects.numberOf(project),
      metageneration: "1",
      location,
      locationType: MULTI_REGIONS.has(location) ? "multi-region" : "region",
      storageClass,
      etag: "CAE=",
      timeCreated: now,
      updated: now,
      labels: labelsOf(body["labels"]),
      versioning: { enabled: versioningOf(body["versioning"]) },
    };
    this.buckets.set(name, { project, resource });
    return resource;
  }

  private patch(name: string, body: Record<string, unknown>): Record<string, unknown> {
    const { project, resource } = this.bucket(name);
    const metageneration = Number(resource["metageneration"]) + 1;
    const next: Record<string, unknown> = {
      ...resource,
      metageneration: String(metageneration),
      etag: Buffer.from(`etag-${metageneration}`).toString("base64"),
      updated: new Date().toISOString(),
    };
    if ("labels" in body) {
      const patch = body["labels"];
      const merged: Record<string, unknown> =
        patch === null ? {} : { ...(resource["labels"] as object), ...(patch as object) };
      next["labels"] = labelsOf(merged);
    }
    if ("storageClass" in body) next["storageClass"] = this.storageClass(body["storageClass"]);
    if ("versioning" in body) next["versioning"] = { enabled: versioningOf(body["versioning"]) };
    if ("location" in body && body["location"] !== resource["location"])
      throw new GoogleApiError(400, "invalid", "The bucket's location cannot be changed.");
    this.buckets.set(name, { project, resource: next });
    return next;
  }

  private list({ query }: ApiRequest): Record<string, unknown> {
    const project = this.project(query);
    const prefix = query.get("prefix") ?? "";
    const names = [...this.buckets.entries()]
      .filter(([name, bucket]) => bucket.project === project && name.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, bucket]) => bucket.resource);
    const { items, nextPageToken } = page(names, query);
    return {
      kind: "storage#buckets",
      ...(items.length > 0 ? { items } : {}),
      ...(nextPageToken === undefined ? {} : { nextPageToken }),
    };
  }

  private bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (bucket === undefined)
      throw new GoogleApiError(404, "notFound", "The specified bucket does not exist.");
    return bucket;
  }

  private project(query: URLSearchParams): string {
    const project = query.get("project");
    if (project === null) throw new GoogleApiError(400, "required", "Required parameter: project");
    if (!this.projects.has(project))
      throw new GoogleApiError(400, "invalid", `Unknown project id: ${project}`);
    return project;
  }

  private storageClass(value: unknown): string {
    const storageClass = String(value).toUpperCase();
    if (!STORAGE_CLASSES.has(storageClass))
      throw new GoogleApiError(400, "invalid", `Invalid argument: storageClass ${String(value)}`);
    return storageClass;
  }
}

function versioningOf(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as { enabled?: unknown }).enabled === true
  );
}
