// Generates PCF-format workloads of `local_file` particles for measuring engine overhead
// without a cloud: `node bench/generate-local.mjs --count 10000 [--chain] [--out FILE]`.
// Paths are relative, so the files land under the directory the CLI runs in.

import { writeFile } from "node:fs/promises";
import process from "node:process";
import { pathToFileURL } from "node:url";

/**
 * @typedef {object} LocalWorkloadOptions
 * @property {number} count number of `local_file` particles
 * @property {boolean} [isChain] each particle lists the previous one in `parents`; default false
 */

/**
 * Builds one quasiparticle of `count` local files, independent or as one dependency chain.
 * @param {LocalWorkloadOptions} options
 * @returns {object} a PCF definition, ready for JSON.stringify
 */
export function generateLocalWorkload({ count, isChain = false }) {
  const name = `${isChain ? "chain-local" : "local"}-${count}`;
  const width = String(count - 1).length;
  const particles = Array.from({ length: count }, (_, index) => {
    const id = String(index).padStart(width, "0");
    /** @type {Record<string, unknown>} */
    const particle = {
      flavor: "local_file",
      pcf_name: `file-${id}`,
      local_resource: { path: `out/file-${id}.txt`, content: `particle ${id}\n` },
    };
    if (isChain && index > 0) {
      particle.parents = [`local_file:file-${String(index - 1).padStart(width, "0")}`];
    }
    return particle;
  });
  return { pcf_name: name, flavor: "quasiparticle", particles };
}

/**
 * Resolves a generated workload spec, `gen:local-<N>` or `gen:chain-local-<N>`.
 * @param {string} spec
 * @returns {LocalWorkloadOptions | undefined} undefined when the spec is not a generated one
 */
export function parseGeneratedSpec(spec) {
  const match = /^gen:(chain-)?local-(\d+)$/.exec(spec);
  if (match === null) return undefined;
  return { count: Number(match[2]), isChain: match[1] !== undefined };
}

async function main() {
  const args = process.argv.slice(2);
  const countAt = args.indexOf("--count");
  const outAt = args.indexOf("--out");
  const count = Number(countAt >= 0 ? args[countAt + 1] : NaN);
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write("usage: node bench/generate-local.mjs --count N [--chain] [--out FILE]\n");
    process.exit(1);
  }
  const text = `${JSON.stringify(generateLocalWorkload({ count, isChain: args.includes("--chain") }), null, 1)}\n`;
  if (outAt >= 0 && args[outAt + 1] !== undefined) await writeFile(String(args[outAt + 1]), text);
  else process.stdout.write(text);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
