import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, makeProject, runPcf } from "./pcf.js";

let dir: string;

beforeAll(async () => {
  dir = await makeProject({});
});

afterAll(async () => {
  await cleanup(dir);
});

describe("pcf init", () => {
  it("writes a starter pcf.yml naming the schema, which validates and plans on the local provider", async () => {
    const init = await runPcf(["init"], { cwd: dir });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("wrote pcf.yml");
    const text = await readFile(join(dir, "pcf.yml"), "utf8");
    expect(text).toMatch(
      /^# yaml-language-server: \$schema=node_modules\/particle-cloud\/schema\/pcf\.schema\.json$/m,
    );

    const validate = await runPcf(["validate"], { cwd: dir });
    expect(validate).toMatchObject({ code: 0 });
    expect(validate.stdout).toContain("2 particles valid");
    const plan = await runPcf(["plan", "--json"], { cwd: dir });
    expect(plan.code).toBe(2);
  });

  it("refuses to overwrite a file, and overwrites it with --force", async () => {
    const other = join(dir, "infra", "pcf.yml");
    expect((await runPcf(["init", "-f", other], { cwd: dir })).code).toBe(0);
    const again = await runPcf(["init", "-f", other], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("exists");
    expect(again.stderr).toContain("--force");
    const forced = await runPcf(["init", "-f", other, "--force", "--json"], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout.trim().split("\n").at(-1) ?? "{}")).toMatchObject({
      type: "init",
    });
  });
});
