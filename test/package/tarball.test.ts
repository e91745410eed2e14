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
  it("installs without the optional Azure and GCP SDKs (figures printed for docs/install.md)", async () => {
    const modules = join(project, "node_modules");
    const installed = await readdir(modules);
    expect(installed).toContain("particle-cloud");
    expect(installed).not.toContain("@azure");
    expect(installed).not.toContain("@google-cloud");
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
