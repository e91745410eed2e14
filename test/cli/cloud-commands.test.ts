import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoEndpoint, uniqueName, verificationClient } from "../support/aws.js";
import { motoAccountEnv } from "../support/moto-cli-env.js";
import { cleanup, exists, isBuilt, jsonLines, makeProject, runPcf, type RunResult } from "./pcf.js";

/**
 * `pcf inventory`, `discover`, `drift` and `nuke` through the built binary on moto: two fields
 * of log groups (one with a dependency), and a log group made by someone else.
 */

const logs = verificationClient(CloudWatchLogsClient, import.meta.url);
const group = (label: string): string => uniqueName(import.meta.url, label);
let awsEnv: Record<string, string> = {};
let cwd = "";

/** A log group particle, with its parents. */
function logGroup(name: string, retention: number, parents: readonly string[] = []): string {
  const parentLines = parents.length === 0 ? "" : `  parents: [${parents.join(", ")}]\n`;
  return `- flavor: cloudwatch_logs
  pcf_name: ${name}
${parentLines}  aws_resource:
    logGroupName: ${group(name)}
    retentionInDays: ${retention}
`;
}

function pcf(args: readonly string[]): Promise<RunResult> {
  return runPcf([...args, "--endpoint", motoEndpoint()], { cwd, env: awsEnv });
}

interface InventoryLine {
  readonly field: string | null;
  readonly particle: string | null;
  readonly depth: number | null;
  readonly key: string;
}

/** The log groups of this file that `pcf inventory --json` lists. */
async function inventoried(...args: string[]): Promise<InventoryLine[]> {
  const result = await pcf(["inventory", "--flavor", "cloudwatch_logs", "--json", ...args]);
  expect(result.code, result.stderr).toBe(0);
  const [line] = jsonLines(result.stdout);
  return ((line?.["resources"] ?? []) as InventoryLine[]).filter((entry) =>
    entry.key.startsWith(group("")),
  );
}

async function liveGroups(): Promise<Record<string, number | undefined>> {
  const { logGroups = [] } = await logs.send(
    new DescribeLogGroupsCommand({ logGroupNamePrefix: group("") }),
  );
  return Object.fromEntries(
    logGroups.map((found) => [found.logGroupName ?? "", found.retentionInDays]),
  );
}

beforeAll(async () => {
  expect(isBuilt, "run `npm run build` first (npm test does)").toBe(true);
  awsEnv = await motoAccountEnv(import.meta.url, "pcf-cloud-commands-test");
  cwd = await makeProject({
    "shop.yml": logGroup("base", 30) + logGroup("audit", 14, ["cloudwatch_logs:base"]),
    "other.yml": logGroup("other", 7),
  });
  await logs.send(new CreateLogGroupCommand({ logGroupName: group("foreign") }));
  for (const file of ["shop.yml", "other.yml"]) {
    const result = await pcf(["apply", "-f", file]);
    expect(result.code, result.stderr).toBe(0);
  }
});

afterAll(async () => {
  await cleanup(cwd);
  logs.destroy();
});

describe("pcf inventory", () => {
  it("lists what each field owns, with its particle and depth, and nothing it does not own", async () => {
    expect(await inventoried()).toEqual([
      {
        field: "other",
        particle: "cloudwatch_logs:other",
        depth: 0,
        key: group("other"),
        location: "us-east-1",
        flavor: "cloudwatch_logs",
        state: "running",
      },
      {
        field: "shop",
        particle: "cloudwatch_logs:audit",
        depth: 1,
        key: group("audit"),
        location: "us-east-1",
        flavor: "cloudwatch_logs",
        state: "running",
      },
      {
        field: "shop",
        particle: "cloudwatch_logs:base",
        depth: 0,
        key: group("base"),
        location: "us-east-1",
        flavor: "cloudwatch_logs",
        state: "running",
      },
    ]);
    expect((await inventoried("--field", "shop")).map((entry) => entry.particle)).toEqual([
      "cloudwatch_logs:audit",
      "cloudwatch_logs:base",
    ]);
  });

  it("prints a line per resource under its field", async () => {
    const result = await pcf(["inventory", "--flavor", "cloudwatch_logs", "--field", "other"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `other\n  cloudwatch_logs  ${group("other")}  running  us-east-1`,
    );
    expect(result.stdout).toMatch(/1 resource\(s\) owned by particle-cloud in 1 field\(s\)/);
  });
});

describe("pcf discover", () => {
  it("writes definitions that plan with no changes", async () => {
    const result = await pcf([
      "discover",
      "--flavor",
      "cloudwatch_logs",
      "--tag",
      "pcf:field=shop",
      "-o",
      "found.yml",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const text = await readFile(join(cwd, "found.yml"), "utf8");
    expect(text).toContain(`logGroupName: ${group("base")}`);
    expect(text).toContain("retentionInDays: 14");
    expect(text).not.toContain(group("other"));
    const plan = await pcf(["plan", "-f", "found.yml"]);
    expect(plan.code, `${plan.stdout}${plan.stderr}`).toBe(0);
    expect(plan.stdout).toContain("No changes: 2 particles as desired.");
  });

  it("says which resources it did not create, and how to adopt them", async () => {
    const result = await pcf(["discover", "--flavor", "cloudwatch_logs"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`logGroupName: ${group("foreign")}`);
    expect(result.stderr).toMatch(/was not created by particle-cloud: pcf apply --adopt \S+/);
  });

  it("refuses to overwrite a file without --force, and a flavor that cannot list", async () => {
    const again = await pcf(["discover", "--flavor", "cloudwatch_logs", "-o", "found.yml"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("found.yml exists: pass --force");
    const local = await pcf(["discover", "--flavor", "quasiparticle"]);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain("flavor quasiparticle cannot list its resources");
  });
});

describe("pcf drift on moto", () => {
  it("exits 0 without drift and 2 naming the field changed behind its back", async () => {
    const clean = await pcf(["drift", "-f", "other.yml", "--detailed-exitcode"]);
    expect(clean.code, clean.stderr).toBe(0);
    await logs.send(
      new PutRetentionPolicyCommand({ logGroupName: group("other"), retentionInDays: 1 }),
    );
    const drifted = await pcf(["drift", "-f", "other.yml", "--detailed-exitcode"]);
    expect(drifted.code, drifted.stderr).toBe(2);
    expect(drifted.stdout).toMatch(/cloudwatch_logs:other[\s\S]*retentionInDays/);
    expect((await liveGroups())[group("other")]).toBe(1);
  });
});

describe("pcf nuke", () => {
  it("refuses without --yes when there is no terminal, and changes nothing", async () => {
    const result = await pcf(["nuke", "--field", "shop"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--yes/);
    expect(Object.keys(await liveGroups())).toContain(group("base"));
  });

  it("terminates the field's resources without its file, deepest first, and nothing else", async () => {
    await rm(join(cwd, "shop.yml"));
    const result = await pcf(["nuke", "--field", "shop", "--yes", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const terminated = jsonLines(result.stdout)
      .filter((event) => event["type"] === "transition.start")
      .map((event) => event["particle"]);
    expect(terminated).toEqual(["cloudwatch_logs:audit", "cloudwatch_logs:base"]);
    const live = Object.keys(await liveGroups());
    expect(live).not.toContain(group("base"));
    expect(live).not.toContain(group("audit"));
    expect(live).toEqual(expect.arrayContaining([group("other"), group("foreign")]));
    expect(await exists(join(cwd, ".pcf", "reports"))).toBe(true);
    // The leak census: the field owns nothing any more.
    expect(await inventoried("--field", "shop")).toEqual([]);
  });

  it("has nothing to do for a field that owns nothing", async () => {
    const result = await pcf(["nuke", "--field", "shop", "--yes"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("field shop owns nothing");
  });
});
