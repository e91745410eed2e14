import { readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import process from "node:process";
import { Ajv2020 } from "ajv/dist/2020.js";
import YAML from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { definitionFileSchema } from "../../scripts/reference/definition-schema.js";

/**
 * The definition file's JSON Schema ships as schema/pcf.schema.json, generated from the code:
 * this test generates it, compares it with the file (`npm run docs:reference` writes it), and
 * checks that an editor-grade validator (ajv, JSON Schema 2020-12) accepts every example and
 * catches a typo inside a provider block.
 */
const SCHEMA_FILE = new URL("../../schema/pcf.schema.json", import.meta.url);
const EXAMPLES = new URL("../../examples/", import.meta.url);
const isWriting = process.env["PCF_WRITE_REFERENCE"] === "1";

/** Every example definition file (YAML or JSON) under examples/. */
async function exampleFiles(): Promise<URL[]> {
  const entries = await readdir(EXAMPLES, { recursive: true });
  return entries
    .filter((entry) => /\.(ya?ml|json)$/.test(entry))
    .map((entry) => new URL(entry, EXAMPLES));
}

async function parsed(file: URL): Promise<unknown> {
  const text = await readFile(file, "utf8");
  return file.pathname.endsWith(".json") ? JSON.parse(text) : YAML.parse(text);
}

describe("the definition file's JSON Schema", () => {
  let generated: string;
  let validate: (data: unknown) => boolean;
  let errors: () => string;
  beforeAll(async () => {
    generated = `${JSON.stringify(await definitionFileSchema(), null, 2)}\n`;
    if (isWriting) {
      await mkdir(new URL(".", SCHEMA_FILE), { recursive: true });
      await writeFile(SCHEMA_FILE, generated);
    }
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const check = ajv.compile(JSON.parse(generated) as object);
    validate = (data) => check(data);
    errors = () => ajv.errorsText(check.errors);
  });

  it("ships as generated from the code (run `npm run docs:reference` after changing a flavor)", async () => {
    expect(await readFile(SCHEMA_FILE, "utf8")).toBe(generated);
  });

  it("accepts every example, each of which names it", async () => {
    const files = await exampleFiles();
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      expect(validate(await parsed(file)), `${file.pathname}: ${errors()}`).toBe(true);
      expect(await readFile(file, "utf8"), file.pathname).toMatch(/schema\/pcf\.schema\.json/);
    }
  });

  it("rejects a typo inside an aws_resource block, naming the field", () => {
    const bucket = { pcf_name: "logs", flavor: "s3_bucket", aws_resource: { Bucket: "acme-logs" } };
    expect(validate(bucket), errors()).toBe(true);
    const typo = { ...bucket, aws_resource: { Buckett: "acme-logs" } };
    expect(validate(typo)).toBe(false);
    expect(errors()).toMatch(/Buckett|additional properties|required property 'Bucket'/);
  });

  it("checks a quasiparticle member's provider block by the member's flavor", () => {
    const field = (mode: unknown): unknown => ({
      pcf_name: "site",
      flavor: "quasiparticle",
      particles: [{ flavor: "local_file", local_resource: { path: "index.html", mode } }],
    });
    expect(validate(field("0644")), errors()).toBe(true);
    expect(validate(field(644))).toBe(false);
    expect(errors()).toMatch(/mode/);
  });

  it("accepts $inherit$ and $lookup$ references wherever a value goes", () => {
    const copy = {
      pcf_name: "copy",
      flavor: "s3_bucket",
      aws_resource: { Bucket: "$inherit$s3_bucket:logs$Bucket" },
    };
    expect(validate(copy), errors()).toBe(true);
  });
});
