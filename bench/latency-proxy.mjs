// A loopback HTTP proxy that holds every request for a fixed latency, then forwards it to an
// upstream server (moto) and counts it. The benchmark runs it in-process and reads the counts
// from the returned object; `node bench/latency-proxy.mjs --target-port P --latency-ms 50`
// runs it alone and prints the counts on exit.
//
// Headers and bodies pass through unchanged (same names, case and order), except the hop-by-hop
// headers of RFC 9110 §7.6.1, which belong to each connection: the client keeps its keep-alive
// connection to the proxy whatever moto does with its own. Responses are streamed.

import { Buffer } from "node:buffer";
import http from "node:http";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { URL, URLSearchParams, pathToFileURL } from "node:url";

/**
 * @typedef {object} LatencyProxyOptions
 * @property {number} targetPort upstream port on 127.0.0.1
 * @property {string} [targetHost] upstream host; default "127.0.0.1"
 * @property {number} latencyMs delay added before each request is forwarded, in ms
 * @property {number} [port] port to listen on (127.0.0.1); default 0, any free port
 */

/**
 * @typedef {object} ProxyStats
 * @property {number} requests requests received since the last reset
 * @property {number} peakInFlight most requests held or forwarded at the same time
 * @property {Record<string, number>} byOperation counts keyed "service Operation"
 */

/**
 * @typedef {object} LatencyProxy
 * @property {number} port the port the proxy listens on
 * @property {string} url "http://127.0.0.1:<port>"
 * @property {() => ProxyStats} stats a snapshot of the counters
 * @property {() => void} reset sets every counter to zero
 * @property {() => Promise<void>} close stops listening and drops idle connections
 */

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Longest body prefix kept to find a query-protocol `Action=` (EC2, IAM, STS). */
const BODY_PEEK_BYTES = 2048;

/**
 * Starts the proxy on 127.0.0.1.
 * @param {LatencyProxyOptions} options
 * @returns {Promise<LatencyProxy>}
 */
export async function startLatencyProxy(options) {
  const { targetPort, targetHost = "127.0.0.1", latencyMs, port = 0 } = options;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let requests = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  /** @type {Map<string, number>} */
  let byOperation = new Map();

  const server = http.createServer((req, res) => {
    requests += 1;
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    let isDone = false;
    const done = () => {
      if (isDone) return;
      isDone = true;
      inFlight -= 1;
    };
    res.on("close", done);

    /** @type {Buffer[]} */
    const peek = [];
    let peekBytes = 0;
    req.on("data", (/** @type {Buffer} */ chunk) => {
      if (peekBytes < BODY_PEEK_BYTES) {
        peek.push(chunk);
        peekBytes += chunk.length;
      }
    });
    req.pause();
    req.on("end", () => {
      const key = operationOf(req, Buffer.concat(peek).subarray(0, BODY_PEEK_BYTES));
      byOperation.set(key, (byOperation.get(key) ?? 0) + 1);
    });

    const forward = () => {
      const upstream = http.request({
        host: targetHost,
        port: targetPort,
        method: req.method,
        path: req.url,
        headers: endToEnd(req.rawHeaders),
        agent,
      });
      upstream.on("response", (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.rawHeaders));
        answer.pipe(res);
      });
      upstream.on("error", (error) => {
        if (res.headersSent) res.destroy(error);
        else res.writeHead(502, { "content-type": "text/plain" }).end(`proxy: ${error.message}\n`);
      });
      res.on("close", () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    };

    if (latencyMs > 0) {
      sleep(latencyMs).then(forward, () => res.destroy());
    } else {
      forward();
    }
  });
  server.keepAliveTimeout = 30_000;

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy: no TCP address");

  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    stats: () => ({
      requests,
      peakInFlight,
      byOperation: Object.fromEntries([...byOperation].sort((a, b) => b[1] - a[1])),
    }),
    reset: () => {
      requests = 0;
      peakInFlight = inFlight;
      byOperation = new Map();
    },
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/**
 * Drops hop-by-hop headers from a raw header list (name, value, name, value …), plus any header
 * a `Connection` header names; keeps the rest in order with their original case.
 * @param {string[]} raw
 * @returns {string[]}
 */
function endToEnd(raw) {
  const named = new Set();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === "connection") {
      for (const token of (raw[i + 1] ?? "").split(",")) named.add(token.trim().toLowerCase());
    }
  }
  /** @type {string[]} */
  const kept = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? "";
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    kept.push(name, raw[i + 1] ?? "");
  }
  return kept;
}

/**
 * Names the AWS operation of a request: the service from the SigV4 credential scope, the
 * operation from `X-Amz-Target` (JSON protocols), `Action=` (query protocol), or, for S3's REST
 * protocol, the method plus bucket/object and sub-resource.
 * @param {http.IncomingMessage} req
 * @param {Buffer} bodyPrefix
 * @returns {string}
 */
function operationOf(req, bodyPrefix) {
  const auth = String(req.headers.authorization ?? "");
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? "unsigned";
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return `${service} ${target.slice(target.lastIndexOf(".") + 1)}`;
  const url = new URL(req.url ?? "/", "http://proxy");
  const action =
    url.searchParams.get("Action") ??
    new URLSearchParams(bodyPrefix.toString("latin1")).get("Action");
  if (action !== null && action !== "") return `${service} ${action}`;
  const segments = url.pathname.split("/").filter(Boolean);
  const what = segments.length === 0 ? "service" : segments.length === 1 ? "bucket" : "object";
  const sub = [...url.searchParams.keys()].filter((key) => !key.startsWith("x-id")).join("&");
  return `${service} ${req.method} ${what}${sub === "" ? "" : `?${sub}`}`;
}

async function main() {
  const args = process.argv.slice(2);
  /** @param {string} flag @param {string} fallback */
  const value = (flag, fallback) => {
    const at = args.indexOf(flag);
    return at >= 0 && args[at + 1] !== undefined ? String(args[at + 1]) : fallback;
  };
  const proxy = await startLatencyProxy({
    targetPort: Number(value("--target-port", "5000")),
    latencyMs: Number(value("--latency-ms", "50")),
    port: Number(value("--port", "0")),
  });
  process.stdout.write(`${proxy.url}\n`);
  const stop = () => {
    process.stdout.write(`${JSON.stringify(proxy.stats())}\n`);
    void proxy.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
