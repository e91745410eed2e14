import { afterAll, describe, expect, it } from "vitest";
import { cleanup, jsonLines, localFile, makeProject, runPcf } from "./pcf.js";

const dirs: string[] = [];

async function project(files: Record<string, string>): Promise<string> {
  const dir = await makeProject(files);
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.splice(0).map(cleanup));
});

describe("pcf validate", () => {
  it("counts the valid particles of pcf.yml", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") + localFile("b") });

    const { code, stdout, stderr } = await runPcf(["validate"], { cwd });

    expect(code).toBe(0);
    expect(stdout).toBe("2 particles valid (pcf.yml)\n");
    expect(stderr).toBe("");
  });

  it("prefers pcf.json to pcf.yml, as PCF does", async () => {
    const cwd = await project({
      "pcf.json": JSON.stringify({
        pcf_name: "only",
        flavor: "local_file",
        local_resource: { path: "only.txt" },
      }),
      "pcf.yml": localFile("a") + localFile("b"),
    });

    const { stdout } = await runPcf(["validate"], { cwd });

    expect(stdout).toBe("1 particle valid (pcf.json)\n");
  });

  it("names the file, particle and field of each problem", async () => {
    const cwd = await project({
      "app.yml":
        "- pcf_name: a\n  flavor: local_file\n  local_resource: { path: a.txt, mode: rwx }\n" +
        "- pcf_name: b\n  flavor: local_file\n  desired_state: sleeping\n  local_resource: { path: b.txt }\n",
    });

    const { code, stdout, stderr } = await runPcf(["validate", "-f", "app.yml"], { cwd });

    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("error: 2 problems in the definitions");
    expect(stderr).toContain(
      "app.yml › local_file:a › local_resource.mode: expected an octal mode",
    );
    expect(stderr).toContain("app.yml › local_file:b › desired_state:");
  });

  it("suggests the closest flavor for an unknown one", async () => {
    const cwd = await project({
      "pcf.yml": "- pcf_name: a\n  flavor: local_fil\n  local_resource: { path: a.txt }\n",
    });

    const { code, stderr } = await runPcf(["validate"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toContain('unknown flavor "local_fil" (did you mean local_file');
    expect(stderr).toContain("pcf flavors");
  });

  it("reports the line of a YAML syntax error", async () => {
    const cwd = await project({ "pcf.yml": "- pcf_name: a\n  flavor: local_file\n  bad: : x\n" });

    const { code, stderr } = await runPcf(["validate"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toContain("error: pcf.yml: invalid YAML");
  });

  it("says how to name a file when there is none here", async () => {
    const cwd = await project({});

    const { code, stderr } = await runPcf(["validate"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toContain("error: no pcf.json, pcf.yml, pcf.yaml in .");
    expect(stderr).toContain("hint: pass a file with -f");
  });

  it("refuses files that are not JSON or YAML", async () => {
    const cwd = await project({ "pcf.txt": "" });

    const { code, stderr } = await runPcf(["validate", "-f", "pcf.txt"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toContain("pcf.txt: definition files must end in .json, .yml or .yaml");
  });

  it("substitutes --var values and names undefined variables", async () => {
    const cwd = await project({ "pcf.yml": localFile("a", { path: "${env}/${region}.txt" }) });

    const missing = await runPcf(["validate", "--var", "env=dev", "--var", "regon=x"], { cwd });
    const complete = await runPcf(["validate", "--var", "env=dev", "--var", "region=x"], { cwd });

    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'pcf.yml › local_file:a › local_resource.path: undefined variable "region"',
    );
    expect(missing.stderr).toContain("did you mean regon");
    expect(complete.code).toBe(0);
  });

  it("rejects a --var without a value", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });

    const { code, stderr } = await runPcf(["validate", "--var", "env"], { cwd });

    expect(code).toBe(1);
    expect(stderr).toContain("expected key=value");
  });

  it("validates several files as one field, edges crossing files", async () => {
    const cwd = await project({
      "base.yml": localFile("base"),
      "app.yml": localFile("app", { parents: ["local_file:base"] }),
    });

    const together = await runPcf(["validate", "-f", "base.yml", "-f", "app.yml"], { cwd });
    const alone = await runPcf(["validate", "-f", "app.yml"], { cwd });

    expect(together.code).toBe(0);
    expect(together.stdout).toBe("2 particles valid (base.yml, app.yml)\n");
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain(
      "app.yml › local_file:app › parents[0]: no particle local_file:base",
    );
  });

  it("prints the result and the problems as JSON with --json", async () => {
    const good = await project({ "pcf.yml": localFile("a") });
    const bad = await project({ "pcf.yml": "- pcf_name: a\n  flavor: nope\n" });

    const ok = await runPcf(["validate", "--json"], { cwd: good });
    const failed = await runPcf(["validate", "--json"], { cwd: bad });

    expect(jsonLines(ok.stdout)).toEqual([
      { v: 1, type: "validate", ok: true, files: ["pcf.yml"], entries: 1, particles: 1 },
    ]);
    const [error] = jsonLines(failed.stdout);
    expect(error).toMatchObject({ v: 1, type: "error", code: "DEFINITION_INVALID" });
    expect(failed.code).toBe(1);
  });

  it("prints nothing on success with --quiet", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });

    const { code, stdout, stderr } = await runPcf(["validate", "-q"], { cwd });

    expect([code, stdout, stderr]).toEqual([0, "", ""]);
  });

  it("colours errors only when asked, and never under NO_COLOR", async () => {
    const cwd = await project({ "pcf.yml": "- pcf_name: a\n  flavor: nope\n" });

    const forced = await runPcf(["validate"], { cwd, env: { NO_COLOR: "", FORCE_COLOR: "1" } });
    const plain = await runPcf(["validate"], { cwd, env: { NO_COLOR: "1", FORCE_COLOR: "1" } });
    const flag = await runPcf(["validate", "--no-color"], {
      cwd,
      env: { NO_COLOR: "", FORCE_COLOR: "1" },
    });

    expect(forced.stderr).toContain("\u001b[31m");
    expect(plain.stderr).not.toContain("\u001b[");
    expect(flag.stderr).not.toContain("\u001b[");
  });

  it("prints the stack with --debug", async () => {
    const cwd = await project({ "pcf.yml": "- pcf_name: a\n  flavor: nope\n" });

    const { stderr } = await runPcf(["validate", "--debug"], { cwd });

    expect(stderr).toMatch(/DefinitionError|PcfError/);
    expect(stderr).toMatch(/\n\s+at /);
  });
});
