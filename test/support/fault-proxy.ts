import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fault-injecting HTTP proxy for AWS tests: it sits between the SDK and moto on loopback and,
 * for the operations its rules name, fails a request before it reaches moto (the call did not
 * run) or after moto answered (the call ran, the answer is lost). Everything else passes
 * through unchanged. Decisions are seeded, so a failing run can be replayed.
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
    };

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

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** moto's endpoint, `http://127.0.0.1:PORT`. */
  readonly target: string;
  readonly rules?: readonly FaultRule[];
  /** Seed of the random source behind `probability`. Default 1. */
  readonly seed?: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: the endpoint to give the SDK. */
  readonly endpoint: string;
  /** How many requests of `operation` reached the proxy. */
  requests(operation: string): number;
  /** How many faults were injected, per operation. */
  readonly injected: ReadonlyMap<string, number>;
  /** Replaces the rules (and resets their `times` counts). */
  setRules(rules: readonly FaultRule[]): void;
  stop(): Promise<void>;
}

/** Starts a proxy to `target` on 127.0.0.1 and a free port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  let rules: { rule: FaultRule; left: number }[] = [];
  const setRules = (next: readonly FaultRule[]): void => {
    rules = next.map((rule) => ({ rule, left: rule.times ?? Number.POSITIVE_INFINITY }));
  };
  setRules(options.rules ?? []);
  const seen = new Map<string, number>();
  const injected = new Map<string, number>();

  const faultFor = (operation: string): Fault | undefined => {
    for (const entry of rules) {
      if (entry.rule.operation !== operation || entry.left <= 0) continue;
      if (random() >= (entry.rule.probability ?? 1)) continue;
      entry.left -= 1;
      injected.set(operation, (injected.get(operation) ?? 0) + 1);
      return entry.rule.fault;
    }
    return undefined;
  };

  const server = createServer((incoming, outgoing) => {
    void handle(incoming, outgoing);
  });
  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const body = await readBody(incoming);
    const operation = operationOf(incoming, body);
    seen.set(operation, (seen.get(operation) ?? 0) + 1);
    const fault = faultFor(operation);
    if (fault?.when === "before") return inject(fault, outgoing);
    const answer = await forward(target, incoming, body);
    if (fault !== undefined) return inject(fault, outgoing);
    outgoing.writeHead(answer.status, answer.headers);
    outgoing.end(answer.body);
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: (operation) => seen.get(operation) ?? 0,
    injected,
    setRules,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The AWS operation of a request: the `X-Amz-Target` suffix (JSON protocols: SQS, Logs, KMS,
 * DynamoDB), the `Action` parameter (query protocols: EC2, IAM, STS), or, for S3's REST
 * protocol, the method and sub-resource (`PUT /bucket` is `CreateBucket`).
 */
export function operationOf(request: IncomingMessage, body: Buffer): string {
  const target = request.headers["x-amz-target"];
  if (typeof target === "string") return target.slice(target.lastIndexOf(".") + 1);
  const url = new URL(request.url ?? "/", "http://proxy");
  const action =
    url.searchParams.get("Action") ?? new URLSearchParams(body.toString()).get("Action");
  if (action !== null) return action;
  return s3Operation(request.method ?? "GET", url);
}

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

function s3Operation(method: string, url: URL): string {
  const segments = url.pathname.split("/").filter((segment) => segment !== "");
  if (segments.length === 0) return method === "GET" ? "ListBuckets" : `${method} /`;
  const subresource = [...url.searchParams.keys()][0] ?? "";
  if (segments.length > 1) return `${method} object`;
  return S3_BUCKET_OPERATIONS[`${method} ${subresource}`] ?? `${method} bucket ?${subresource}`;
}

function inject(fault: Fault, outgoing: ServerResponse): void {
  if (fault.kind === "drop") {
    outgoing.socket?.destroy();
    return;
  }
  outgoing.writeHead(fault.status, { "content-type": "text/xml", ...fault.headers });
  outgoing.end(fault.body ?? "");
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
