import { createHash } from "node:crypto";
import { GoogleApiError, labelsOf, page, requiredString, type ApiRequest } from "./http.js";
import { ZoneOperations } from "./operations.js";
import type { Projects } from "./projects.js";

/**
 * Compute Engine's instances under `/compute/v1/projects/{project}/zones/{zone}` (REST v1):
 * insert, get, list (with `filter` on names: `(name = "a") OR (name = "b")`, page tokens), delete,
 * start, stop, suspend, resume, setLabels (with the label fingerprint) and setMachineType (only
 * while `TERMINATED`), each change answering a zone operation (see {@link ZoneOperations}); and the
 * zone's operations (get, wait). A stopped instance reads `TERMINATED`, as in Compute Engine.
 */

const BASE = "https://www.googleapis.com/compute/v1";
const ZONES = new Set(["us-central1-a", "us-central1-b", "europe-west1-b", "asia-east1-a"]);
const MACHINE_TYPES = new Set([
  "e2-micro",
  "e2-small",
  "e2-medium",
  "n1-standard-1",
  "n2-standard-2",
]);
const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

type Answer = { status: number; body?: unknown };

/** The instance routes and the zone operations. */
export class ComputeApi {
  /** Instances by `project/zone/name`. */
  private readonly instances = new Map<string, Record<string, unknown>>();
  private readonly operations = new ZoneOperations();
  private ids = 0;

  constructor(private readonly projects: Projects) {}

  /** Answers a request whose path is under `/compute/v1/projects`. */
  async handle(request: ApiRequest): Promise<Answer> {
    const [project = "", zonesWord, zone = "", kind, name, verb, ...rest] = request.segments;
    if (!this.projects.has(project))
      throw new GoogleApiError(404, "notFound", `The resource 'projects/${project}' was not found`);
    if (zonesWord !== "zones" || rest.length > 0) throw notFound(request.segments.join("/"));
    if (!ZONES.has(zone))
      throw new GoogleApiError(
        404,
        "notFound",
        `The resource 'projects/${project}/zones/${zone}' was not found`,
      );
    if (kind === "operations" && name !== undefined) {
      if (request.method === "GET" && verb === undefined)
        return ok(this.operations.get(project, zone, name));
      if (request.method === "POST" && verb === "wait")
        return ok(await this.operations.wait(project, zone, name));
    }
    if (kind !== "instances") throw notFound(request.segments.join("/"));
    if (name === undefined) {
      if (request.method === "GET") return ok(this.list(project, zone, request.query));
      if (request.method === "POST") return ok(this.insert(project, zone, request.body));
    } else if (verb === undefined) {
      if (request.method === "GET") return ok(this.instance(project, zone, name));
      if (request.method === "DELETE") return ok(this.remove(project, zone, name));
    } else if (request.method === "POST") {
      const change = this.change(project, zone, name, verb, request);
      if (change !== undefined) return ok(change);
    }
    throw notFound(request.segments.join("/"));
  }

  private list(project: string, zone: string, query: URLSearchParams): Record<string, unknown> {
    const names = namesOfFilter(query.get("filter"));
    const all = [...this.instances.entries()]
      .filter(([key]) => key.startsWith(`${project}/${zone}/`))
      .map(([, instance]) => instance)
      .filter((instance) => names === undefined || names.has(String(instance["name"])));
    const { items, nextPageToken } = page(all, query);
    return {
      kind: "compute#instanceList",
      id: `projects/${project}/zones/${zone}/instances`,
      items,
      ...(nextPageToken === undefined ? {} : { nextPageToken }),
      selfLink: `${BASE}/projects/${project}/zones/${zone}/instances`,
    };
  }

  private insert(
    project: string,
    zone: string,
    body: Record<string, unknown>,
  ): Record<string, unknown> {
    const name = requiredString(body, "name");
    if (!NAME.test(name))
      throw new GoogleApiError(
        400,
        "invalid",
        `Invalid value for field 'resource.name': '${name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`,
      );
    const key = `${project}/${zone}/${name}`;
    const link = `${BASE}/projects/${project}/zones/${zone}/instances/${name}`;
    if (this.instances.has(key))
      throw new GoogleApiError(
        409,
        "alreadyExists",
        `The resource 'projects/${project}/zones/${zone}/instances/${name}' already exists`,
      );
    const machineType = machineTypeLink(project, zone, body["machineType"]);
    const labels = labelsOf(body["labels"]);
    this.ids += 1;
    const id = String(4000000000000000000n + BigInt(this.ids));
    const { name: _name, machineType: _type, labels: _labels, ...rest } = body;
    this.instances.set(key, {
      ...rest,
      kind: "compute#instance",
      id,
      creationTimestamp: new Date().toISOString(),
      name,
      machineType,
      status: "PROVISIONING",
      zone: `${BASE}/projects/${project}/zones/${zone}`,
      labels,
      labelFingerprint: fingerprintOf(labels),
      fingerprint: fingerprintOf({ id }),
      selfLink: link,
    });
    return this.operations.start(project, zone, "insert", { link, id }, () =>
      this.setStatus(key, "RUNNING"),
    );
  }

  private remove(project: string, zone: string, name: string): Record<string, unknown> {
    const key = `${project}/${zone}/${name}`;
    const instance = this.instance(project, zone, name);
    this.setStatus(key, "STOPPING");
    return this.operations.start(project, zone, "delete", targetOf(instance), () =>
      this.instances.delete(key),
    );
  }

  private change(
    project: string,
    zone: string,
    name: string,
    verb: string,
    { body }: ApiRequest,
  ): Record<string, unknown> | undefined {
    const key = `${project}/${zone}/${name}`;
    const instance = this.instance(project, zone, name);
    const start = (effect: () => void): Record<string, unknown> =>
      this.operations.start(project, zone, verb, targetOf(instance), effect);
    if (verb === "stop") {
      if (instance["status"] === "TERMINATED") return start(() => undefined);
      this.setStatus(key, "STOPPING");
      return start(() => this.setStatus(key, "TERMINATED"));
    }
    if (verb === "start") {
      if (instance["status"] === "RUNNING") return start(() => undefined);
      if (instance["status"] === "SUSPENDED")
        throw new GoogleApiError(
          400,
          "invalid",
          `Instance '${name}' is suspended: resume it instead of starting it.`,
        );
      this.setStatus(key, "STAGING");
      return start(() => this.setStatus(key, "RUNNING"));
    }
    if (verb === "suspend") {
      if (instance["status"] !== "RUNNING")
        throw new GoogleApiError(
          400,
          "invalid",
          `Instance '${name}' must be running to be suspended.`,
        );
      this.setStatus(key, "SUSPENDING");
      return start(() => this.setStatus(key, "SUSPENDED"));
    }
    if (verb === "resume") {
      if (instance["status"] !== "SUSPENDED")
        throw new GoogleApiError(400, "invalid", `Instance '${name}' is not suspended.`);
      this.setStatus(key, "STAGING");
      return start(() => this.setStatus(key, "RUNNING"));
    }
    if (verb === "setLabels") {
      if (body["labelFingerprint"] !== instance["labelFingerprint"])
        throw new GoogleApiError(
          412,
          "conditionNotMet",
          "Labels fingerprint either invalid or resource labels have changed",
        );
      const labels = labelsOf(body["labels"]);
      return start(() => this.update(key, { labels, labelFingerprint: fingerprintOf(labels) }));
    }
    if (verb === "setMachineType") {
      if (instance["status"] !== "TERMINATED")
        throw new GoogleApiError(
          400,
          "invalid",
          `Invalid resource usage: 'Instance '${name}' must be stopped to change its machine type.'`,
        );
      const machineType = machineTypeLink(project, zone, body["machineType"]);
      return start(() => this.update(key, { machineType }));
    }
    return undefined;
  }

  private instance(project: string, zone: string, name: string): Record<string, unknown> {
    const instance = this.instances.get(`${project}/${zone}/${name}`);
    if (instance === undefined)
      throw notFound(`projects/${project}/zones/${zone}/instances/${name}`);
    return instance;
  }

  private setStatus(key: string, status: string): void {
    this.update(key, { status });
  }

  private update(key: string, fields: Record<string, unknown>): void {
    const instance = this.instances.get(key);
    if (instance !== undefined) this.instances.set(key, { ...instance, ...fields });
  }
}

function ok(body: unknown): Answer {
  return { status: 200, body };
}

function notFound(resource: string): GoogleApiError {
  return new GoogleApiError(404, "notFound", `The resource '${resource}' was not found`);
}

function targetOf(instance: Record<string, unknown>): { link: string; id: string } {
  return { link: String(instance["selfLink"]), id: String(instance["id"]) };
}

/** The full link of a machine type given as a name, a partial or a full URL. */
function machineTypeLink(project: string, zone: string, value: unknown): string {
  const type = typeof value === "string" ? value.slice(value.lastIndexOf("/") + 1) : "";
  if (!MACHINE_TYPES.has(type))
    throw new GoogleApiError(
      400,
      "invalid",
      `Invalid value for field 'resource.machineType': '${String(value)}'. Machine type with name '${type}' does not exist in zone '${zone}'.`,
    );
  return `${BASE}/projects/${project}/zones/${zone}/machineTypes/${type}`;
}

/** The names a `(name = "a") OR (name = "b")` filter selects; `undefined`: no filter. */
function namesOfFilter(filter: string | null): Set<string> | undefined {
  if (filter === null || filter.trim() === "") return undefined;
  const terms = filter.split(/\s+OR\s+/);
  const names = new Set<string>();
  for (const term of terms) {
    const match = /^\(?\s*name\s*=\s*"([^"]*)"\s*\)?$/.exec(term.trim());
    if (match === null)
      throw new GoogleApiError(
        400,
        "invalid",
        `Invalid value for field 'filter': '${filter}'. Invalid list filter expression.`,
      );
    names.add(match[1] ?? "");
  }
  return names;
}

function fingerprintOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("base64").slice(0, 12);
}
