import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { LambdaFunction } from "../../../src/providers/aws/lambda/function.js";
import {
  awsTestOptions,
  motoAccountId,
  uniqueName,
  verificationClient,
} from "../../support/aws.js";
import { definitionOf, failureOf } from "../../support/aws-fixtures.js";
import { zipOf } from "../../support/zip.js";

const lambda = verificationClient(LambdaClient, import.meta.url);
const s3 = verificationClient(S3Client, import.meta.url);
const iam = verificationClient(IAMClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

const ROLE_NAME = uniqueName(import.meta.url, "role");
const BUCKET = uniqueName(import.meta.url, "code");

function lambdaFunction(label: string, block: Record<string, unknown>): LambdaFunction {
  const base = {
    FunctionName: uniqueName(import.meta.url, label),
    Runtime: "python3.12",
    Role: `arn:aws:iam::${motoAccountId(import.meta.url)}:role/${ROLE_NAME}`,
    Handler: "index.handler",
  };
  return new LambdaFunction(definitionOf("lambda_function", label, base, block));
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("base64");
}

beforeAll(async () => {
  await iam.send(
    new CreateRoleCommand({
      RoleName: ROLE_NAME,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

describe("lambda_function", () => {
  it("takes its code from S3, compared by the object's hash: a new object is a code update", async () => {
    const first = zipOf("index.py", "def handler(event, context):\n    return 1\n");
    const second = zipOf("index.py", "def handler(event, context):\n    return 2\n");
    const Code = { S3Bucket: BUCKET, S3Key: "app.zip" };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "app.zip", Body: first }));
    const created = await lambdaFunction("s3", { Code }).apply({ providerOptions });
    expect(created.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const again = await lambdaFunction("s3", { Code }).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "app.zip", Body: second }));
    const updated = await lambdaFunction("s3", { Code }).apply({ providerOptions });
    expect(updated.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    const { Configuration } = await lambda.send(
      new GetFunctionCommand({ FunctionName: uniqueName(import.meta.url, "s3") }),
    );
    expect(Configuration?.CodeSha256).toBe(sha256(second));
  });

  it("compares code written as its hash alone (as discovered) with the deployed code", async () => {
    const zip = zipOf("index.py", "def handler(event, context):\n    return 3\n");
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "hashed.zip", Body: zip }));
    const Code = { S3Bucket: BUCKET, S3Key: "hashed.zip" };
    await lambdaFunction("hashed", { Code }).apply({ providerOptions });
    const hashed = { Code: { CodeSha256: sha256(zip) } };
    const again = await lambdaFunction("hashed", hashed).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("refuses to create a function from its code's hash alone, naming Code", async () => {
    const hashed = { Code: { CodeSha256: sha256(Buffer.from("no such code")) } };
    const error = await failureOf(lambdaFunction("hash-only", hashed).apply({ providerOptions }));
    expect(error.result.particles[0]?.error).toMatchObject({
      code: "DEFINITION_INVALID",
      where: { field: "aws_resource.Code" },
    });
    await expect(
      lambda.send(
        new GetFunctionCommand({ FunctionName: uniqueName(import.meta.url, "hash-only") }),
      ),
    ).rejects.toThrow();
  });

  it("fails naming Code.ZipFile when the local zip cannot be read, before any create", async () => {
    const missing = join(tmpdir(), `${uniqueName(import.meta.url, "missing")}.zip`);
    const error = await failureOf(
      lambdaFunction("missing", { Code: { ZipFile: missing } }).apply({ providerOptions }),
    );
    expect(error.message).toContain(missing);
    expect(error.result.particles[0]?.error).toMatchObject({
      code: "DEFINITION_INVALID",
      where: { field: "aws_resource.Code.ZipFile" },
    });
  });
});
