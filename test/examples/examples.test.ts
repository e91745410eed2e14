import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyField, loadFiles, planField } from "../../src/index.js";
import { awsTestOptions } from "../support/aws.js";

describe("examples/quickstart/pcf.yml", () => {
  const baseDirs: string[] = [];
  afterAll(async () =>
    Promise.all(baseDirs.map((dir) => rm(dir, { recursive: true, force: true }))),
  );

  it("creates the file, starts the process that follows it, and removes both", async () => {
    const baseDir = await mkdtemp(join(tmpdir(), "pcf-quickstart-"));
    baseDirs.push(baseDir);
    const providerOptions = { local: { baseDir } };
    const { field } = await loadFiles(["examples/quickstart/pcf.yml"]);
    await applyField(field, { providerOptions });
    expect(await readFile(join(baseDir, ".pcf-local/quickstart/greeting.txt"), "utf8")).toBe(
      "hello from particle-cloud\n",
    );
    const follower = field.get("local_process:follower");
    expect(follower?.currentStateDefinition.args).toEqual([
      "-f",
      ".pcf-local/quickstart/greeting.txt",
    ]);
    expect((await planField(field, { providerOptions })).hasChanges).toBe(false);
    const result = await applyField(field, { desiredState: "terminated", providerOptions });
    expect(result.particles.map((report) => report.particle)).toEqual([
      "local_file:greeting",
      "local_process:follower",
    ]);
    expect(field.particles.map((particle) => particle.state)).toEqual(["terminated", "terminated"]);
  });
});

describe("examples/aws/pcf.yml", () => {
  it("applies the whole environment on moto, then has nothing to change, then terminates it", async () => {
    const providerOptions = awsTestOptions(import.meta.url);
    const { field } = await loadFiles(["examples/aws/pcf.yml"]);
    const order: string[] = [];
    await applyField(field, {
      providerOptions,
      onEvent: (event) =>
        event.type === "transition.start" ? order.push(event.particle) : undefined,
    });
    expect(order.indexOf("vpc_instance:net")).toBeLessThan(order.indexOf("subnet:app"));
    expect(order.indexOf("subnet:app")).toBeLessThan(order.indexOf("ec2_instance:web-0"));
    expect(field.get("ec2_instance:web-1")?.desiredStateDefinition.SubnetId).toBe(
      field.get("subnet:app")?.currentStateDefinition.SubnetId,
    );
    expect((await planField(field, { providerOptions })).hasChanges).toBe(false);
    await applyField(field, { desiredState: "terminated", providerOptions });
    expect(new Set(field.particles.map((particle) => particle.state))).toEqual(
      new Set(["terminated"]),
    );
  });
});
