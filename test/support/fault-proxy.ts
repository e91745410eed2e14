import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { serviceError } from "./aws-error-shapes.js";

/**
 * A fault-injecting HTTP proxy for AWS tests: it sits between the SDK and moto on loopback and,
 * for the operations its rules name, fails a request before it reaches moto (the call did not
 * run) or after moto answered (the call ran, the answer is lost). In chaos mode it also picks,
 * at a seeded rate, any request and a fault for it: throttling and 500s in the service's own
 * error shape, empty, truncated or HTML 200 bodies, delays and dropped connections. Everything
 * else passes through unchanged. Decisions are seeded, so a failing run can be replayed.
 */

/** What a rule does to a matching request. */
export type Fault =
  /** Closes the connection without an answer, before the request reaches moto (`before`) or after moto ran it (`after`). */
  | { readonly kind: "drop"; readonly when: "before" | "after" }
  /** Answers with `status` and `body` (a throttling error, a 500), instead of or after moto's answer. */
  | {
      readonly kind: "respond";
      readonly when: "before" | "after";
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** The service's throttling error, in its own shape (see {@link serviceError}). */
  | { readonly kind: "throttle"; readonly when: "before" | "after" }
  /** A 500 in the service's own error shape. */
  | { readonly kind: "server-error"; readonly when: "before" | "after" }
  /** A 200 with an empty body: before, the call did not run; after, it ran. */
  | { readonly kind: "empty"; readonly when: "before" | "after" }
  /** moto's answer with its body cut in half. */
  | { readonly kind: "truncate"; readonly when: "after" }
  /** A 200 with an HTML page for a body (a captive portal, a misconfigured gateway). */
  | { readonly kind: "html"; readonly when: "before" | "after" }
  /** The request (before) or moto's answer (after) is held `delayMs`, then passes unchanged. */
  | { readonly kind: "delay"; readonly when: "before" | "after"; readonly delayMs: number };

/** The kinds of fault chaos mode picks from. */
export type ChaosFaultKind = Exclude<Fault["kind"], "respond">;

/** Every kind chaos mode knows, the default of {@link ChaosOptions.kinds}. */
export const CHAOS_FAULT_KINDS: readonly ChaosFaultKind[] = [
  "drop",
  "throttle",
  "server-error",
  "empty",
  "truncate",
  "html",
  "delay",
];

/** Chaos mode: a fault for a seeded share of the requests, after the rules had their turn. */
export interface ChaosOptions {
  /** Share of the matching requests that get a fault, in [0, 1]. */
  readonly rate: number;
  /** The operations it applies to. Default: all. */
  readonly operations?: readonly string[];
  /** Operations it leaves alone, of those. Default: none. */
  readonly skip?: readonly string[];
  /** The kinds it picks from, with equal chance. Default {@link CHAOS_FAULT_KINDS}. */
  readonly kinds?: readonly ChaosFaultKind[];
  /** Longest delay of a `delay` fault, in ms. Default 300. */
  readonly maxDelayMs?: number;
}

/** One fault to inject. */
export interface FaultRule {
  /** The AWS operation, as named in the API reference (`CreateVpc`, `PutBucketTagging`). */
  readonly operation: string;
  readonly fault: Fault;
  /** How many matching requests get the fault; later ones pass. Default: every one. */
  readonly times?: number;
  /** Chance a matching request gets the fault, from the proxy's seeded source. Default 1. */
  readonly probability?: number;
}

/** Names the operation of a request (`CreateVpc`), as rules and counts call it. */
export type OperationNamer = (request: IncomingMessage, body: Buffer) => string;

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The emulator's endpoint, `http://127.0.0.1:PORT`. */
  readonly target: string;
  /** How requests are named for the rules. Default {@link operationOf}, AWS's operations. */
  readonly operationOf?: OperationNamer;
  readonly rules?: readonly FaultRule[];
  /** Seed of the random source behind `probability` and chaos mode. Default 1. */
  readonly seed?: number;
  readonly chaos?: ChaosOptions;
  /**
   * Told of every request as it reaches the proxy, with how many came before it in all (0 for
   * the first): kill tests stop the client after the Nth.
   */
  readonly onRequest?: (operation: string, index: number) => void;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: the endpoint to give the SDK. */
  readonly endpoint: string;
  /** How many requests of `operation` reached the proxy. */
  requests(operation: string): number;
  /** How many requests reached the proxy in all. */
  totalRequests(): number;
  /** How many faults were injected, per operation. */
  readonly injected: ReadonlyMap<string, number>;
  /** How many faults were injected, per kind and moment (`throttle before`). */
  readonly injectedKinds: ReadonlyMap<string, number>;
  /** Replaces the rules (and resets their `times` counts), and ends a {@link FaultProxy.killAfter}. */
  setRules(rules: readonly FaultRule[]): void;
  /**
   * Plays a run killed the moment `operation` answered: once the emulator has answered it,
   * `onAnswered` is called (the test aborts the run there) and every later request is dropped
   * before it reaches the emulator, until `setRules`.
   */
  killAfter(operation: string, onAnswered: () => void): void;
  /** Turns chaos mode on with `chaos`, or off with `undefined`. */
  setChaos(chaos: ChaosOptions | undefined): void;
  stop(): Promise<void>;
}

/** Starts a proxy to `target` on 127.0.0.1 and a free port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  const nameOf = options.operationOf ?? operationOf;
  let rules: { rule: FaultRule; left: number }[] = [];
  let kill: { readonly operation: string; readonly onAnswered: () => void } | undefined;
  let isKilled = false;
  const setRules = (next: readonly FaultRule[]): void => {
    rules = next.map((rule) => ({ rule, left: rule.times ?? Number.POSITIVE_INFINITY }));
    kill = undefined;
    isKilled = false;
  };
  setRules(options.rules ?? []);
  let chaos = options.chaos;
  const seen = new Map<string, number>();
  const injected = new Map<string, number>();
  const injectedKinds = new Map<string, number>();
  let total = 0;

  const record = (operation: string, fault: Fault): Fault => {
    injected.set(operation, (injected.get(operation) ?? 0) + 1);
    const kind = `${fault.kind} ${fault.when}`;
    injectedKinds.set(kind, (injectedKinds.get(kind) ?? 0) + 1);
    return fault;
  };
  const faultFor = (operation: string): Fault | undefined => {
    for (const entry of rules) {
      if (entry.rule.operation !== operation || entry.left <= 0) continue;
      if (random() >= (entry.rule.probability ?? 1)) continue;
      entry.left -= 1;
      return record(operation, entry.rule.fault);
    }
    if (chaos === undefined || !(chaos.operations?.includes(operation) ?? true)) return undefined;
    if (chaos.skip?.includes(operation) === true) return undefined;
    if (random() >= chaos.rate) return undefined;
    return record(operation, chaosFault(chaos, random));
  };

  const server = createServer((incoming, outgoing) => {
    void handle(incoming, outgoing);
  });
  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const body = await readBody(incoming);
    const operation = nameOf(incoming, body);
    if (isKilled) return void outgoing.socket?.destroy();
    seen.set(operation, (seen.get(operation) ?? 0) + 1);
    total += 1;
    options.onRequest?.(operation, total - 1);
    const fault = faultFor(operation);
    const service = serviceOf(incoming);
    if (fault?.when === "before") {
      if (fault.kind !== "delay") return inject(fault, service, outgoing);
      await sleep(fault.delayMs);
    }
    const answer = await forward(target, incoming, body).catch(() => undefined);
    if (answer === undefined) return void outgoing.socket?.destroy();
    if (kill?.operation === operation) {
      isKilled = true;
      kill.onAnswered();
    }
    if (fault?.when === "after") {
      if (fault.kind === "truncate")
        return pass(answer, outgoing, answer.body.subarray(0, answer.body.length >> 1));
      if (fault.kind !== "delay") return inject(fault, service, outgoing);
      await sleep(fault.delayMs);
    }
    pass(answer, outgoing, answer.body);
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: (operation) => seen.get(operation) ?? 0,
    totalRequests: () => total,
    injected,
    injectedKinds,
    setRules,
    killAfter: (operation, onAnswered) => {
      kill = { operation, onAnswered };
    },
    setChaos: (next) => {
      chaos = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The AWS operation of a request: the `X-Amz-Target` suffix (JSON protocols: SQS, Logs, KMS,
 * DynamoDB), the `Action` parameter (query protocols: EC2, IAM, STS), or, for the REST protocols,
 * the method and path: Route 53's (`POST /2013-04-01/hostedzone` is `CreateHostedZone`), the
 * others listed (EFS), and S3's method and sub-resource (`PUT /bucket` is `CreateBucket`).
 */
export function operationOf(request: IncomingMessage, body: Buffer): string {
  const target = request.headers["x-amz-target"];
  if (typeof target === "string") return target.slice(target.lastIndexOf(".") + 1);
  const url = new URL(request.url ?? "/", "http://proxy");
  const action =
    url.searchParams.get("Action") ?? new URLSearchParams(body.toString()).get("Action");
  if (action !== null) return action;
  const method = request.method ?? "GET";
  if (serviceOf(request) === "route53") return route53Operation(method, url);
  const rest = REST_OPERATIONS.find(
    (route) => route.method === method && route.path.test(url.pathname),
  );
  return rest?.operation ?? s3Operation(method, url);
}

/** Operations of REST protocols other than S3's, by method and path (EFS). */
const REST_OPERATIONS: readonly {
  readonly method: string;
  readonly path: RegExp;
  readonly operation: string;
}[] = [
  { method: "POST", path: /^\/2015-02-01\/file-systems$/, operation: "CreateFileSystem" },
  { method: "GET", path: /^\/2015-02-01\/file-systems$/, operation: "DescribeFileSystems" },
  { method: "DELETE", path: /^\/2015-02-01\/file-systems\/[^/]+$/, operation: "DeleteFileSystem" },
  { method: "POST", path: /^\/2015-03-31\/functions\/?$/, operation: "CreateFunction" },
  { method: "GET", path: /^\/2015-03-31\/functions\/?$/, operation: "ListFunctions" },
  { method: "DELETE", path: /^\/2015-03-31\/functions\/[^/]+$/, operation: "DeleteFunction" },
  { method: "PUT", path: /^\/[^/]+\/vaults\/[^/]+$/, operation: "CreateVault" },
  { method: "GET", path: /^\/[^/]+\/vaults\/?$/, operation: "ListVaults" },
  { method: "DELETE", path: /^\/[^/]+\/vaults\/[^/]+$/, operation: "DeleteVault" },
  {
    method: "POST",
    path: /^\/v1\/createcomputeenvironment$/,
    operation: "CreateComputeEnvironment",
  },
  { method: "POST", path: /^\/v1\/createjobqueue$/, operation: "CreateJobQueue" },
  // CloudFront: the flavor creates with `?WithTags`, the only create on this path it sends.
  {
    method: "POST",
    path: /^\/2020-05-31\/distribution$/,
    operation: "CreateDistributionWithTags",
  },
  { method: "GET", path: /^\/2020-05-31\/distribution$/, operation: "ListDistributions" },
  {
    method: "DELETE",
    path: /^\/2020-05-31\/distribution\/[^/]+$/,
    operation: "DeleteDistribution",
  },
];

const S3_BUCKET_OPERATIONS: Readonly<Record<string, string>> = {
  "PUT ": "CreateBucket",
  "DELETE ": "DeleteBucket",
  "HEAD ": "HeadBucket",
  "GET ": "ListObjects",
  "PUT tagging": "PutBucketTagging",
  "GET tagging": "GetBucketTagging",
  "DELETE tagging": "DeleteBucketTagging",
  "GET location": "GetBucketLocation",
};

/** Route 53's REST operations, by method and path under `/2013-04-01`. */
const ROUTE53_OPERATIONS: readonly (readonly [RegExp, string])[] = [
  [/^POST \/hostedzone$/, "CreateHostedZone"],
  [/^GET \/hostedzone$/, "ListHostedZones"],
  [/^GET \/hostedzonesbyname$/, "ListHostedZonesByName"],
  [/^GET \/hostedzone\/[^/]+$/, "GetHostedZone"],
  [/^POST \/hostedzone\/[^/]+$/, "UpdateHostedZoneComment"],
  [/^DELETE \/hostedzone\/[^/]+$/, "DeleteHostedZone"],
  [/^GET \/hostedzone\/[^/]+\/rrset\/?$/, "ListResourceRecordSets"],
  [/^POST \/hostedzone\/[^/]+\/rrset\/?$/, "ChangeResourceRecordSets"],
  [/^GET \/tags\/hostedzone\/[^/]+$/, "ListTagsForResource"],
  [/^POST \/tags\/hostedzone\/[^/]+$/, "ChangeTagsForResource"],
];

function route53Operation(method: string, url: URL): string {
  const request = `${method} ${url.pathname.replace(/^\/2013-04-01/, "")}`;
  return ROUTE53_OPERATIONS.find(([pattern]) => pattern.test(request))?.[1] ?? request;
}

function s3Operation(method: string, url: URL): string {
  const segments = url.pathname.split("/").filter((segment) => segment !== "");
  if (segments.length === 0) return method === "GET" ? "ListBuckets" : `${method} /`;
  const subresource = [...url.searchParams.keys()][0] ?? "";
  if (segments.length > 1) return `${method} object`;
  return S3_BUCKET_OPERATIONS[`${method} ${subresource}`] ?? `${method} bucket ?${subresource}`;
}

/** The AWS service a request is for: the service of its SigV4 credential scope (`ec2`, `s3`). */
export function serviceOf(request: IncomingMessage): string {
  const authorization = request.headers.authorization ?? "";
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(authorization)?.[1] ?? "unknown";
}

const HTML_PAGE =
  "<!DOCTYPE html><html><head><title>Gateway</title></head><body><h1>Please sign in</h1></body></html>";

function inject(fault: Fault, service: string, outgoing: ServerResponse): void {
  switch (fault.kind) {
    case "drop":
      outgoing.socket?.destroy();
      return;
    case "respond":
      outgoing.writeHead(fault.status, { "content-type": "text/xml", ...fault.headers });
      outgoing.end(fault.body ?? "");
      return;
    case "throttle":
    case "server-error": {
      const answer = serviceError(service, fault.kind);
      outgoing.writeHead(answer.status, answer.headers);
      outgoing.end(answer.body);
      return;
    }
    case "empty":
      outgoing.writeHead(200, { "content-length": "0" });
      outgoing.end();
      return;
    case "html":
      outgoing.writeHead(200, {
        "content-type": "text/html",
        "content-length": String(Buffer.byteLength(HTML_PAGE)),
      });
      outgoing.end(HTML_PAGE);
      return;
    case "truncate":
    case "delay":
      return;
  }
}

function pass(answer: Answer, outgoing: ServerResponse, body: Buffer): void {
  const { "transfer-encoding": _chunked, ...headers } = answer.headers;
  headers["content-length"] = String(body.length);
  outgoing.writeHead(answer.status, headers);
  outgoing.end(body);
}

function chaosFault(chaos: ChaosOptions, random: () => number): Fault {
  const kinds = chaos.kinds ?? CHAOS_FAULT_KINDS;
  const kind = kinds[Math.floor(random() * kinds.length)] ?? "drop";
  const when = random() < 0.5 ? "before" : "after";
  switch (kind) {
    case "truncate":
      return { kind, when: "after" };
    case "delay":
      return { kind, when, delayMs: Math.round(random() * (chaos.maxDelayMs ?? 300)) };
    default:
      return { kind, when };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

function forward(target: URL, incoming: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: target.host },
      },
      (response) => {
        void readBody(response).then((answerBody) => {
          const headers: Record<string, string | string[]> = {};
          for (const [key, value] of Object.entries(response.headers))
            if (value !== undefined) headers[key] = value;
          resolve({ status: response.statusCode ?? 502, headers, body: answerBody });
        }, reject);
      },
    );
    upstream.on("error", reject);
    upstream.end(body);
  });
}

async function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** mulberry32: a small seeded generator in [0, 1), so injected faults can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
