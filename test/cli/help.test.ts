import { readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, cleanup, isBuilt, localFile, makeProject, runPcf } from "./pcf.js";

const VERBS = [
  "apply",
  "run",
  "stop",
  "terminate",
  "plan",
  "drift",
  "status",
  "validate",
  "graph",
  "schema",
  "flavors",
  "init",
  "iam-policy",
  "watch",
];

let dir: string;

beforeAll(async () => {
  expect(isBuilt, "run `npm run build` first (npm test does)").toBe(true);
  dir = await makeProject({});
});

afterAll(async () => {
  await cleanup(dir);
});

describe("pcf --help", () => {
  it("lists every command with examples and exit codes", async () => {
    const { code, stdout } = await runPcf(["--help"], { cwd: dir });

    expect(code).toBe(0);
    for (const verb of VERBS) expect(stdout).toMatch(new RegExp(`^  ${verb} `, "m"));
    expect(stdout).toContain("Examples:");
    expect(stdout).toContain("Exit status: 0 success, 1 error, 2 plan found changes");
  });

  it.each(VERBS)("describes `pcf %s` with its options and examples", async (verb) => {
    const { code, stdout } = await runPcf([verb, "--help"], { cwd: dir });

    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: pcf ${verb}`);
    expect(stdout).toContain("Examples:");
    // Both print JSON whatever the flags.
    if (verb !== "schema" && verb !== "iam-policy") expect(stdout).toContain("--json");
  });

  it("shows every option of the mutating verbs", async () => {
    const { stdout } = await runPcf(["terminate", "--help"], { cwd: dir });

    for (const option of [
      "--file",
      "--var",
      "--cascade",
      "--target",
      "--exclude",
      "--with-dependents",
      "--timeout",
      "--parallel",
      "--region",
      "--profile",
      "--endpoint",
      "--quiet",
      "--json",
      "--debug",
      "--yes",
      "--dry-run",
    ])
      expect(stdout).toContain(option);
    expect(stdout).toContain("Terminate N particles? [y/N]");
  });

  it("prints the version", async () => {
    const { code, stdout } = await runPcf(["--version"], { cwd: dir });

    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("suggests the closest command for a typo", async () => {
    const { code, stderr } = await runPcf(["aply"], { cwd: dir });

    expect(code).toBe(1);
    expect(stderr).toContain("unknown command 'aply'");
    expect(stderr).toContain("apply");
  });

  it("rejects a malformed option value", async () => {
    const { code, stderr } = await runPcf(["apply", "--parallel", "0"], { cwd: dir });

    expect(code).toBe(1);
    expect(stderr).toContain("expected a whole number of at least 1");
  });
});

describe("startup cost", () => {
  // The binary is a bundle (scripts/build-cli.mjs). A module hook records every file it loads;
  // the bundle's metafile says which sources each of those files holds.
  interface Metafile {
    readonly outputs: Readonly<
      Record<string, { readonly inputs: Readonly<Record<string, unknown>> }>
    >;
  }

  async function loadedSources(args: string[]): Promise<string[]> {
    const hooks = join(dir, "hooks.mjs");
    const register = join(dir, "register.mjs");
    await writeFile(
      hooks,
      'import { writeSync } from "node:fs";\n' +
        "export async function resolve(specifier, context, next) {\n" +
        "  const result = await next(specifier, context);\n" +
        "  writeSync(2, `resolved ${result.url}\\n`);\n" +
        "  return result;\n" +
        "}\n",
    );
    await writeFile(
      register,
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    const { stderr } = await runPcf(args, {
      cwd: dir,
      nodeArgs: ["--import", pathToFileURL(register).href],
    });
    const metafile = JSON.parse(
      await readFile(join(ROOT, "dist/cli/meta.json"), "utf8"),
    ) as Metafile;
    const loadedFiles = stderr
      .split("\n")
      .filter((line) => line.startsWith("resolved file:"))
      .map((line) => relative(ROOT, fileURLToPath(line.slice("resolved ".length))));
    expect(loadedFiles).toContain("dist/cli/main.js");
    return loadedFiles.flatMap((file) => Object.keys(metafile.outputs[file]?.inputs ?? {}));
  }

  it("loads neither zod, yaml, the library nor a cloud SDK for --help", async () => {
    const sources = await loadedSources(["--help"]);

    expect(sources.some((source) => source.includes("node_modules/commander/"))).toBe(true);
    expect(
      sources.filter((source) => /node_modules\/(zod|yaml|@aws-sdk|@smithy)\//.test(source)),
    ).toEqual([]);
    expect(sources.filter((source) => source.startsWith("src/core/"))).toEqual([]);
  });

  it("loads the library, but no cloud SDK, once a command runs", async () => {
    const sources = await loadedSources(["flavors"]);

    expect(sources.some((source) => source.includes("node_modules/zod/"))).toBe(true);
    expect(sources).toContain("src/core/particle.ts");
    expect(sources.filter((source) => source.includes("@aws-sdk"))).toEqual([]);
  });

  it("loads the YAML parser for a YAML file only", async () => {
    const particle = {
      pcf_name: "note",
      flavor: "local_file",
      local_resource: { path: "note.txt", content: "hi" },
    };
    await writeFile(join(dir, "one.json"), JSON.stringify([particle]));
    await writeFile(join(dir, "one.yml"), localFile("note"));
    const isYaml = (source: string): boolean => source.includes("node_modules/yaml/");

    expect((await loadedSources(["validate", "-f", "one.json"])).filter(isYaml)).toEqual([]);
    expect((await loadedSources(["validate", "-f", "one.yml"])).some(isYaml)).toBe(true);
  });
});
