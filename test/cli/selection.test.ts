import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, localFile, makeProject, runPcf } from "./pcf.js";

const dirs: string[] = [];

async function project(files: Record<string, string>): Promise<string> {
  const dir = await makeProject(files);
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.splice(0).map(cleanup));
});

async function textFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith(".txt")).sort();
}

function tagged(name: string, tags: string, parents?: string[]): string {
  return (
    `- pcf_name: ${name}\n  flavor: local_file\n` +
    (parents === undefined ? "" : `  parents: [${parents.join(", ")}]\n`) +
    `  local_resource:\n    path: ${name}.txt\n    custom_config: { tags: ${tags} }\n`
  );
}

const FLEET =
  localFile("web-1") +
  localFile("web-2") +
  localFile("worker-1", { parents: ["local_file:web-1"] }) +
  localFile("db");

describe("selecting particles", () => {
  it("keeps only particles matching a --target glob on pcf_name", async () => {
    const cwd = await project({ "pcf.yml": FLEET });

    const { code } = await runPcf(["run", "--target", "web-*"], { cwd });

    expect(code).toBe(0);
    expect(await textFiles(cwd)).toEqual(["web-1.txt", "web-2.txt"]);
  });

  it("matches flavor:glob against the id, and repeated targets add up", async () => {
    const cwd = await project({ "pcf.yml": FLEET });

    const { code } = await runPcf(["run", "--target", "local_file:w?rker-*", "--target", "db"], {
      cwd,
    });

    expect(code).toBe(0);
    expect(await textFiles(cwd)).toEqual(["db.txt", "worker-1.txt"]);
  });

  it("matches key=value against the tags of the resource block", async () => {
    const cwd = await project({
      "pcf.yml":
        tagged("a", "{ team: data, env: prod }") +
        tagged("b", "{ team: web }") +
        "- pcf_name: c\n  flavor: local_file\n  local_resource:\n    path: c.txt\n" +
        "    custom_config: { tags: [{ Key: team, Value: data }] }\n",
    });

    const { code } = await runPcf(["run", "--target", "team=data"], { cwd });

    expect(code).toBe(0);
    expect(await textFiles(cwd)).toEqual(["a.txt", "c.txt"]);
  });

  it("leaves out --exclude matches", async () => {
    const cwd = await project({ "pcf.yml": FLEET });

    const { code } = await runPcf(["run", "--exclude", "web-2", "--exclude", "d*"], { cwd });

    expect(code).toBe(0);
    expect(await textFiles(cwd)).toEqual(["web-1.txt", "worker-1.txt"]);
  });

  it("adds the dependents of the targets with --with-dependents", async () => {
    const cwd = await project({ "pcf.yml": FLEET });

    const { code } = await runPcf(["run", "--target", "web-1", "--with-dependents"], { cwd });

    expect(code).toBe(0);
    expect(await textFiles(cwd)).toEqual(["web-1.txt", "worker-1.txt"]);
  });

  it("names a pattern that matches nothing, with similar names", async () => {
    const cwd = await project({ "pcf.yml": FLEET });

    const target = await runPcf(["run", "--target", "wbe-1"], { cwd });
    const exclude = await runPcf(["run", "--exclude", "dbb"], { cwd });

    expect(target.code).toBe(1);
    expect(target.stderr).toContain('--target "wbe-1" matches no particle (did you mean web-1');
    expect(exclude.code).toBe(1);
    expect(exclude.stderr).toContain('--exclude "dbb" matches no particle (did you mean db');
    expect(await textFiles(cwd)).toEqual([]);
  });

  it("loads several -f files as one field", async () => {
    const cwd = await project({
      "base.yml": localFile("base"),
      "app.yml": localFile("app", { parents: ["local_file:base"] }),
    });

    const { code } = await runPcf(["run", "app", "-c", "-f", "base.yml", "-f", "app.yml"], { cwd });

    expect(code).toBe(0);
    expect(await textFiles(cwd)).toEqual(["app.txt", "base.txt"]);
  });

  it("substitutes --var values into string values", async () => {
    const cwd = await project({
      "pcf.json": JSON.stringify({
        pcf_name: "greeting",
        flavor: "local_file",
        local_resource: { path: "${env}.txt", content: "hello ${who}, $${literal}" },
      }),
    });

    const { code } = await runPcf(["run", "--var", "env=dev", "--var", "who=world"], { cwd });

    expect(code).toBe(0);
    expect(await readFile(join(cwd, "dev.txt"), "utf8")).toBe("hello world, ${literal}");
  });
});
