import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The tarball is the product: `npm pack` the built package, install the tarball into an empty
 * project from the registry alone, and use it there as a user would: the CLI through `npx`, a
 * TypeScript program type-checked against the shipped `.d.ts` and run.
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

let project: string;
let installSeconds: number;

/** `npx pcf …` in the project, as a user types it. */
async function pcf(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("npx", ["--no-install", "pcf", ...args], { cwd: project });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** Total bytes and package count of a node_modules tree. */
async function weightOf(modules: string): Promise<{ packages: number; megabytes: number }> {
  let bytes = 0;
  let packages = 0;
  for (const entry of await readdir(modules, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile()) bytes += (await stat(path)).size;
    if (
      entry.isFile() &&
      entry.name === "package.json" &&
      /node_modules\/(@[^/]+\/)?[^/]+$/.test(entry.parentPath)
    )
      packages += 1;
  }
  return { packages, megabytes: Math.round(bytes / 1e5) / 10 };
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "pcf-tarball-"));
  // `npm test` has built dist/; packing runs no script, so what is packed is what was tested.
  const { stdout } = await run(
    "npm",
    ["pack", "--ignore-scripts", "--json", "--pack-destination", project],
    { cwd: ROOT },
  );
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "user-project", private: true, type: "module" }),
  );
  const started = performance.now();
  await run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      join(project, packed?.filename ?? ""),
    ],
    { cwd: project },
  );
  installSeconds = (performance.now() - started) / 1000;
});

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe("the packed tarball, installed from the registry", () => {
  it("installs without any cloud SDK, all optional (figures printed for docs/install.md)", async () => {
    const modules = join(project, "node_modules");
    const installed = await readdir(modules);
    expect(installed).toContain("particle-cloud");
    for (const scope of ["@aws-sdk", "@smithy", "@azure", "@google-cloud"])
      expect(installed).not.toContain(scope);
    const weight = await weightOf(modules);
    console.log(
      `install: ${weight.packages} packages, ${weight.megabytes} MB, ${installSeconds.toFixed(1)} s`,
    );
  });

  it("runs `npx pcf --help`", async () => {
    const help = await pcf(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: pcf");
  });

  it("writes, validates, applies and terminates the local starter with `npx pcf`", async () => {
    expect((await pcf(["init"])).code).toBe(0);
    const validate = await pcf(["validate"]);
    expect(validate).toMatchObject({ code: 0 });
    expect(validate.stdout).toContain("2 particles valid");
    const apply = await pcf(["apply"]);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout + apply.stderr).toContain("2 converged");
    const terminate = await pcf(["terminate", "--yes"]);
    expect(terminate.code, terminate.stderr).toBe(0);
  });

  it("validates an AWS definition with `npx pcf`, whose binary carries the AWS SDK", async () => {
    await writeFile(
      join(project, "aws.json"),
      JSON.stringify({
        pcf_name: "logs",
        flavor: "s3_bucket",
        aws_resource: { Bucket: "acme-logs" },
      }),
    );
    const validate = await pcf(["validate", "-f", "aws.json"]);
    expect(validate.code, validate.stderr).toBe(0);
  });

  it("names the package to install when a flavor's SDK is missing, in the CLI and the library", async () => {
    await writeFile(
      join(project, "azure.json"),
      JSON.stringify({
        pcf_name: "assets",
        flavor: "blob",
        azure_resource: { name: "assets", resource_group: "rg", storage_account: "acct" },
      }),
    );
    const validate = await pcf(["validate", "-f", "azure.json"]);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toMatch(
      /needs the package @azure\/storage-blob, which is not installed: npm install @azure\/storage-blob@~12\.32\.0/,
    );

    const script = [
      'import { loadField } from "particle-cloud";',
      'const bucket = { pcf_name: "logs", flavor: "s3_bucket", aws_resource: { Bucket: "acme-logs" } };',
      "await loadField([bucket]).catch((error) => console.log(error.code, error.message));",
    ].join("\n");
    await writeFile(join(project, "library.mjs"), script);
    const { stdout } = await run(process.execPath, ["library.mjs"], { cwd: project });
    // The loader lists it with the file's other problems (a DefinitionError), before any call.
    expect(stdout).toMatch(
      /^DEFINITION_INVALID flavor "s3_bucket" needs the package @aws-sdk\/client-s3, which is not installed: npm install @aws-sdk\/client-s3@\^3\./,
    );
  });

  it("prints the shipped JSON Schema with `npx pcf schema`", async () => {
    const schema = await pcf(["schema"]);
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.stdout)).toHaveProperty("$defs.s3_bucket.additionalProperties", false);
  });

  it("type-checks a program against the shipped .d.ts and runs it", async () => {
    await cp(new URL("program.ts.txt", import.meta.url), join(project, "program.ts"));
    // A TypeScript user's project has Node's types; the shipped declarations use them.
    await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", "-D", "@types/node@^20.19.43"],
      {
        cwd: project,
      },
    );
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noImplicitOverride: true,
          skipLibCheck: false,
          types: ["node"],
          outDir: "out",
        },
        files: ["program.ts"],
      }),
    );
    await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: project });
    const { stdout } = await run(process.execPath, ["out/program.js"], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      notebook: [
        ["note:first", "converged"],
        ["note:second", "converged"],
      ],
      parents: ["note:first"],
      store: { a: "one", b: "two" },
      length: 5,
    });
  });
});
