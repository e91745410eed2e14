import {
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acquireLease,
  defaultFieldName,
  fileLeaseBackend,
  type Lease,
  type LeaseHolderIdentity,
} from "../../src/index.js";
import { motoEndpoint, uniqueName, verificationClient } from "../support/aws.js";
import { motoAccountEnv } from "../support/moto-cli-env.js";
import {
  cleanup,
  collect,
  exists,
  isBuilt,
  jsonLines,
  localFile,
  makeProject,
  runPcf,
  spawnPcf,
  waitForOutput,
  type RunResult,
} from "./pcf.js";

const dirs: string[] = [];
const leases: Lease[] = [];
const ec2 = verificationClient(EC2Client, import.meta.url);
/** The environment of a pcf run that acts in this file's moto account. */
let awsEnv: Record<string, string> = {};

beforeAll(async () => {
  expect(isBuilt, "run `npm run build` first (npm test does)").toBe(true);
  awsEnv = await motoAccountEnv(import.meta.url, "pcf-lock-test");
  // moto loads its EC2 backend for an account on the first call (about a second): not in a race.
  await ec2.send(new DescribeVpcsCommand({}));
});

afterAll(async () => {
  await Promise.all(leases.map((lease) => lease.release().catch(() => undefined)));
  await Promise.all(dirs.splice(0).map(cleanup));
  ec2.destroy();
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await makeProject(files);
  dirs.push(dir);
  return dir;
}

/** The default lease of the field `pcf.yml` in `cwd` is: `.pcf/locks/<the folder's name>`. */
function defaultLeaseFolder(cwd: string): string {
  return join(cwd, ".pcf", "locks", defaultFieldName(join(cwd, "pcf.yml")));
}

/** Holds the lease of the project in `cwd` from this test process, as another run would. */
async function holdLease(cwd: string, holder?: LeaseHolderIdentity): Promise<Lease> {
  const lease = await acquireLease(fileLeaseBackend(defaultLeaseFolder(cwd)), { holder });
  leases.push(lease);
  return lease;
}

/** A VPC, a subnet in it and three instances in the subnet, named after `label`. */
function network(label: string): string {
  const name = (part: string): string => `pcf-lock-${label}-${part}`;
  const instances = [0, 1, 2].map(
    (index) => `- flavor: ec2_instance
  pcf_name: web-${index}
  aws_resource:
    ImageId: ami-12c6146b
    InstanceType: t3.micro
    MaxCount: 1
    MinCount: 1
    SubnetId: $inherit$subnet:app$SubnetId
    custom_config: { instance_name: ${name(`web-${index}`)} }
`,
  );
  return `- flavor: vpc_instance
  pcf_name: net
  aws_resource:
    CidrBlock: 10.40.0.0/16
    custom_config: { vpc_name: ${name("net")} }
- flavor: subnet
  pcf_name: app
  aws_resource:
    CidrBlock: 10.40.1.0/24
    VpcId: $inherit$vpc_instance:net$VpcId
    custom_config: { subnet_name: ${name("app")} }
${instances.join("")}`;
}

/** How many live VPCs, subnets and instances of the network `label` moto holds. */
async function countNetwork(
  label: string,
): Promise<{ vpcs: number; subnets: number; instances: number }> {
  const named = (part: string): { Name: string; Values: string[] }[] => [
    { Name: "tag:PCFName", Values: [`pcf-lock-${label}-${part}`] },
  ];
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: named("net") }));
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: named("app") }));
  const reservations = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: "tag:PCFName", Values: [0, 1, 2].map((index) => `pcf-lock-${label}-web-${index}`) },
        { Name: "instance-state-name", Values: ["pending", "running"] },
      ],
    }),
  );
  return {
    vpcs: vpcs.Vpcs?.length ?? 0,
    subnets: subnets.Subnets?.length ?? 0,
    instances: (reservations.Reservations ?? []).flatMap(
      (reservation) => reservation.Instances ?? [],
    ).length,
  };
}

/** Starts `count` runs of `args` at once, in `cwd`, against moto. */
function race(count: number, args: readonly string[], cwd: string): Promise<RunResult[]> {
  const children = Array.from({ length: count }, () =>
    spawnPcf([...args, "--endpoint", motoEndpoint(), "--json"], { cwd, env: awsEnv }),
  );
  return Promise.all(children.map((child) => collect(child)));
}

/** The transitions a `--json` run started. */
function startsOf(result: RunResult): number {
  return jsonLines(result.stdout).filter((event) => event["type"] === "transition.start").length;
}

const LOCKED_LINE =
  /^error: locked by \S+@\S+ pid (\d+) for \d+ s \(token \d+\); wait with --lock-timeout or run pcf unlock if that process is gone$/m;

describe("racing runs on moto", () => {
  it("creates every resource once when two runs race with --lock-timeout, the second finding nothing to do", async () => {
    const cwd = await project({ "pcf.yml": network("two") });

    const results = await race(2, ["run", "--lock-timeout", "20"], cwd);

    expect(results.map((result) => result.code)).toEqual([0, 0]);
    expect(results.map(startsOf).sort()).toEqual([0, 5]);
    expect(await countNetwork("two")).toEqual({ vpcs: 1, subnets: 1, instances: 3 });
  });

  it("creates every resource once when three runs race without waiting, the losers naming the holder", async () => {
    const cwd = await project({ "pcf.yml": network("three") });

    const results = await race(3, ["run"], cwd);

    // A loser that started only after the winner had finished takes the lease and does nothing.
    for (const result of results)
      if (result.code !== 0) {
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(LOCKED_LINE);
      }
    expect(results.map(startsOf).sort()).toEqual([0, 0, 5]);
    expect(await countNetwork("three")).toEqual({ vpcs: 1, subnets: 1, instances: 3 });
  });

  it("creates every resource once when three runs race on an S3 lease", async () => {
    const bucket = uniqueName(import.meta.url, "cli-locks");
    const s3 = verificationClient(S3Client, import.meta.url);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
    const cwd = await project({ "pcf.yml": network("s3") });

    const results = await race(
      3,
      ["run", "--lock", `s3://${bucket}/app.lock`, "--lock-timeout", "20"],
      cwd,
    );

    expect(results.map((result) => result.code)).toEqual([0, 0, 0]);
    expect(results.map(startsOf).sort()).toEqual([0, 0, 5]);
    expect(await countNetwork("s3")).toEqual({ vpcs: 1, subnets: 1, instances: 3 });
    expect(await exists(defaultLeaseFolder(cwd))).toBe(false);
  });
});

describe("pcf run while another run holds the lease", () => {
  it("stops at once with exit 1, naming the holder, and changes nothing", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });
    const lease = await holdLease(cwd);

    const { code, stderr } = await runPcf(["run"], { cwd });

    expect(code).toBe(1);
    const line = stderr.trim();
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toMatch(LOCKED_LINE);
    expect(line).toContain(`locked by ${lease.holder.owner} for `);
    expect(line).toContain(" s (token 1); wait with --lock-timeout");
    expect(await exists(join(cwd, "a.txt"))).toBe(false);
  });

  it("waits with --lock-timeout until the holder releases, then runs", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });
    const lease = await holdLease(cwd);

    const child = spawnPcf(["run", "--lock-timeout", "20"], { cwd });
    const result = collect(child);
    await waitForOutput(child.stderr, /waiting for the lease: held by .+ \(token 1\)/);
    await lease.release();

    expect((await result).code).toBe(0);
    expect(await exists(join(cwd, "a.txt"))).toBe(true);
  });

  it("runs with --no-lock", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });
    await holdLease(cwd);

    const { code } = await runPcf(["run", "--no-lock"], { cwd });

    expect(code).toBe(0);
    expect(await exists(join(cwd, "a.txt"))).toBe(true);
  });

  it.each(["plan", "status", "validate", "apply --dry-run"])(
    "lets `pcf %s` read without a lease",
    async (command) => {
      const cwd = await project({ "pcf.yml": localFile("a") });
      await holdLease(cwd);

      const { code, stderr } = await runPcf(command.split(" "), { cwd });

      expect(stderr).not.toContain("locked by");
      expect([0, 2]).toContain(code);
    },
  );
});

describe("pcf unlock", () => {
  it("frees the lease of a run whose process is gone, so the next run goes ahead", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });
    const gonePid = await exitedPid();
    await holdLease(cwd, {
      owner: `alice@${hostname()} pid ${gonePid}`,
      host: hostname(),
      pid: gonePid,
    });

    const unlock = await runPcf(["unlock"], { cwd });
    const run = await runPcf(["run"], { cwd });

    expect(unlock.code).toBe(0);
    expect(unlock.stderr).toContain(
      `released the lease of alice@${hostname()} pid ${gonePid} (token 1)`,
    );
    expect(run.code).toBe(0);
    expect(await exists(join(cwd, "a.txt"))).toBe(true);
  });

  it("refuses a holder that is still running unless --force, which makes that holder lose it", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });
    const lease = await holdLease(cwd);

    const refused = await runPcf(["unlock"], { cwd });
    const forced = await runPcf(["unlock", "--force"], { cwd });

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`locked by ${lease.holder.owner}`);
    expect(refused.stderr).toContain("--force");
    expect(forced.code).toBe(0);
    await expect(lease.renew()).rejects.toMatchObject({ code: "LEASE_LOST" });
  });

  it("says so when nobody holds the lease", async () => {
    const cwd = await project({ "pcf.yml": localFile("a") });

    const { code, stderr } = await runPcf(["unlock"], { cwd });

    expect(code).toBe(0);
    expect(stderr).toContain("is free");
    expect(await readdir(cwd)).toEqual(["pcf.yml"]);
  });
});

/** The pid of a process that has exited. */
function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "0"]);
  return new Promise((resolve, reject) =>
    child.once("exit", () =>
      child.pid === undefined ? reject(new Error("no pid")) : resolve(child.pid),
    ),
  );
}
