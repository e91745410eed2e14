import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Bucket } from "../../src/providers/aws/s3/bucket.js";
import { SqsQueue } from "../../src/providers/aws/sqs/queue.js";
import { cleanup, localFile, makeProject, runPcf } from "./pcf.js";

let dir: string;

const FILE = [
  "- pcf_name: logs",
  "  flavor: s3_bucket",
  "  aws_resource: { Bucket: acme-logs }",
  "- pcf_name: jobs",
  "  flavor: sqs_queue",
  "  aws_resource: { QueueName: acme-jobs }",
  "",
].join("\n");

beforeAll(async () => {
  dir = await makeProject({ "pcf.yml": FILE + localFile("notes") });
});

afterAll(async () => {
  await cleanup(dir);
});

/** Every action a flavor declares, over its transitions. */
function declared(type: {
  readonly actions: Readonly<Record<string, readonly string[] | undefined>>;
}): string[] {
  return Object.values(type.actions).flatMap((list) => list ?? []);
}

describe("pcf iam-policy", () => {
  it("prints one Allow statement with every action the file's AWS flavors declare, sorted and once each", async () => {
    const { code, stdout, stderr } = await runPcf(["iam-policy"], { cwd: dir });
    expect(code).toBe(0);
    const policy = JSON.parse(stdout) as { Version: string; Statement: { Action: string[] }[] };
    const expected = [...new Set([...declared(S3Bucket), ...declared(SqsQueue)])].sort();
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "ParticleCloudDeployer", Effect: "Allow", Action: expected, Resource: "*" },
      ],
    });
    expect(expected).toContain("s3:CreateBucket");
    expect(expected).toContain("sqs:DeleteQueue");
    expect(stderr).toContain("no AWS permission needed by: local_file:notes");
  });

  it("covers only the particle NAME selects", async () => {
    const { stdout } = await runPcf(["iam-policy", "jobs"], { cwd: dir });
    const policy = JSON.parse(stdout) as { Statement: { Action: string[] }[] };
    expect(policy.Statement[0]?.Action).toEqual([...new Set(declared(SqsQueue))].sort());
  });
});
