import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import process from "node:process";
import * as prettier from "prettier";
import { beforeAll, describe, expect, it } from "vitest";
import { collectReferences } from "../../scripts/reference/collect.js";
import {
  renderFlavorPage,
  renderIndex,
  type ConformanceSummary,
  type FlavorReference,
} from "../../scripts/reference/render.js";
import { awsBackend } from "../conformance/aws/backend.js";
import { CONFORMANCE } from "../conformance/registry.js";

/**
 * The flavor reference (docs/reference/) is generated from the code: this test generates it and
 * compares it with the pages on disk, so docs cannot drift from the flavors. `npm run
 * docs:reference` runs it with PCF_WRITE_REFERENCE=1, which writes the pages instead.
 */
const REFERENCE = new URL("../../docs/reference/", import.meta.url);
const isWriting = process.env["PCF_WRITE_REFERENCE"] === "1";

/** Each emulator's section of notes in its provider's page. */
const EMULATOR_NOTES: Readonly<Record<string, string>> = {
  moto: "../providers/aws.md#moto-what-the-tests-cannot-show",
  Azurite: "../providers/azure.md#what-azurite-cannot-show",
  "the GCP test server (ours, written from Google's REST reference)":
    "../providers/gcp.md#the-gcp-test-server",
};

function conformanceOf(flavor: string): ConformanceSummary | undefined {
  const spec = Object.values(CONFORMANCE)
    .flat()
    .find((candidate) => candidate.flavor.flavor === flavor);
  if (spec === undefined) return undefined;
  const backend = spec.backend ?? awsBackend;
  return {
    emulator: backend.emulator,
    notes: EMULATOR_NOTES[backend.emulator],
    knownGaps: (spec.knownGaps ?? []).map(({ step, reason }) => ({ step, reason })),
  };
}

/** Every generated page, by file name, formatted as the repository's Prettier formats Markdown. */
async function pagesOf(references: readonly FlavorReference[]): Promise<Map<string, string>> {
  const pages = new Map<string, string>();
  const rendered: [string, string][] = [
    ...references.map((reference): [string, string] => [
      `${reference.flavor}.md`,
      renderFlavorPage(reference),
    ]),
    ["README.md", renderIndex(references)],
  ];
  for (const [name, text] of rendered) {
    const file = new URL(name, REFERENCE);
    const options = (await prettier.resolveConfig(file)) ?? {};
    pages.set(name, await prettier.format(text, { ...options, filepath: file.pathname }));
  }
  return pages;
}

describe("the flavor reference", () => {
  let pages: Map<string, string>;
  beforeAll(async () => {
    pages = await pagesOf(await collectReferences(conformanceOf));
    if (!isWriting) return;
    await mkdir(REFERENCE, { recursive: true });
    for (const [name, text] of pages) await writeFile(new URL(name, REFERENCE), text);
  });

  it("has exactly one page per built-in flavor, and the index", async () => {
    const files = (await readdir(REFERENCE)).filter((file) => file.endsWith(".md")).sort();
    expect(files).toEqual([...pages.keys()].sort());
  });

  it("matches the code on every page (run `npm run docs:reference` after changing a flavor)", async () => {
    for (const [name, text] of pages)
      expect(await readFile(new URL(name, REFERENCE), "utf8"), name).toBe(text);
  });
});
