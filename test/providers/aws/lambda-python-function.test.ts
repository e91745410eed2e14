import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LambdaPythonFunction } from "../../../src/providers/aws/lambda/python-function.js";
import {
  PythonZipError,
  buildPythonZip,
  requirementNames,
} from "../../../src/providers/aws/lambda/python-zip.js";
import { awsTestOptions, uniqueName } from "../../support/aws.js";
import { definitionOf, failureOf } from "../../support/aws-fixtures.js";

const providerOptions = awsTestOptions(import.meta.url);

/** A handler directory, and a site-packages directory with one package of each kind. */
let root = "";
let source = "";
let site = "";
const previousPythonPath = process.env["PYTHONPATH"];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "pcf-python-zip-"));
  source = join(root, "src");
  site = join(root, "site-packages");
  await mkdir(join(source, "lib"), { recursive: true });
  await writeFile(
    join(source, "index.py"),
    "from lib import util\n\ndef handler(e, c):\n    return util.one()\n",
  );
  await writeFile(join(source, "lib", "util.py"), "def one():\n    return 1\n");
  // A plain package directory, found by import; and an installed distribution, found by its record.
  await mkdir(join(site, "plainpkg", "__pycache__"), { recursive: true });
  await writeFile(join(site, "plainpkg", "__init__.py"), "VALUE = 1\n");
  await writeFile(join(site, "plainpkg", "__pycache__", "__init__.cpython-311.pyc"), "compiled");
  await mkdir(join(site, "dist_pkg-1.0.dist-info"), { recursive: true });
  await writeFile(join(site, "dist_pkg.py"), "VALUE = 2\n");
  await writeFile(
    join(site, "dist_pkg-1.0.dist-info", "METADATA"),
    "Metadata-Version: 2.1\nName: dist-pkg\nVersion: 1.0\n",
  );
  await writeFile(
    join(site, "dist_pkg-1.0.dist-info", "RECORD"),
    "dist_pkg.py,,\ndist_pkg-1.0.dist-info/METADATA,,\ndist_pkg-1.0.dist-info/RECORD,,\n../../bin/dist-pkg,,\n",
  );
  process.env["PYTHONPATH"] = site;
});

afterAll(async () => {
  if (previousPythonPath === undefined) delete process.env["PYTHONPATH"];
  else process.env["PYTHONPATH"] = previousPythonPath;
  await rm(root, { recursive: true, force: true });
});

describe("the zip of a lambda_python_function", () => {
  it("holds the Python files at their paths, and is the same bytes whenever the files are", async () => {
    const sources = { directory: source, files: ["lib/util.py", "index.py"] };
    const first = await buildPythonZip(sources);
    await utimes(join(source, "index.py"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = await buildPythonZip(sources);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    const entries = unzipSync(first);
    expect(Object.keys(entries)).toEqual(["index.py", "lib/util.py"]);
    expect(new TextDecoder().decode(entries["lib/util.py"])).toContain("return 1");
  });

  it("adds the installed files of each package the requirements name, without the version", async () => {
    await writeFile(
      join(source, "requirements.txt"),
      "# the handler's packages\nplainpkg>=1.2\ndist-pkg[extra] == 1.0 ; python_version > '3'\n",
    );
    const zip = await buildPythonZip({ directory: source, files: ["index.py"] });
    expect(Object.keys(unzipSync(zip))).toEqual([
      "dist_pkg-1.0.dist-info/METADATA",
      "dist_pkg-1.0.dist-info/RECORD",
      "dist_pkg.py",
      "index.py",
      "plainpkg/__init__.py",
    ]);
    await rm(join(source, "requirements.txt"));
  });

  it("fails naming a required package that is not installed", async () => {
    await writeFile(join(source, "needs.txt"), "plainpkg\nno-such-package-pcf>=2\n");
    const build = buildPythonZip({
      directory: source,
      files: ["index.py"],
      requirements: "needs.txt",
    });
    await expect(build).rejects.toThrow(PythonZipError);
    await expect(build).rejects.toThrow(/no-such-package-pcf .*not installed/);
  });

  it("reads requirement lines as PEP 508 names, and refuses a line that names none", () => {
    expect(
      requirementNames(
        "a==1\nB_c>=2,<3\n\nd[x,y]~=1.0  # pinned\ne; sys_platform=='linux'\nf @ https://x/f.whl\n",
      ),
    ).toEqual(["a", "B_c", "d", "e", "f"]);
    expect(() => requirementNames("-r other.txt\n")).toThrow(
      /line 1 .*names no package: -r other.txt/,
    );
  });

  it("fails the particle naming the package and the custom_config member", async () => {
    const particle = new LambdaPythonFunction(
      definitionOf("lambda_python_function", "missing", {
        FunctionName: uniqueName(import.meta.url, "missing"),
        Runtime: "python3.12",
        Role: "arn:aws:iam::123456789012:role/none",
        Handler: "index.handler",
        custom_config: {
          zip_directory: source,
          python_files: ["index.py"],
          lambda_requirements: "needs.txt",
        },
      }),
    );
    const error = await failureOf(particle.apply({ providerOptions }));
    expect(error.message).toContain("no-such-package-pcf");
    expect(error.result.particles[0]?.error).toMatchObject({
      code: "DEFINITION_INVALID",
      where: { field: "aws_resource.custom_config.lambda_requirements" },
    });
  });

  it("needs Code or a zip directory", () => {
    expect(
      () =>
        new LambdaPythonFunction(
          definitionOf("lambda_python_function", "nothing", {
            FunctionName: "nothing",
            Runtime: "python3.12",
            Role: "arn:aws:iam::123456789012:role/none",
          }),
        ),
    ).toThrow(/expected Code, or custom_config.zip_directory/);
  });
});
