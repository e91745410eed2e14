import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import type { ParticleDefinition } from "../../../src/index.js";
import { LambdaFunction } from "../../../src/providers/aws/lambda/function.js";
import { motoAccountId, uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import { zipOf } from "../../support/zip.js";
import type { ConformanceSpec } from "../spec.js";

const lambda = verificationClient(LambdaClient, import.meta.url);
const iam = verificationClient(IAMClient, import.meta.url);

const ROLE_NAME = uniqueName(import.meta.url, "role");
/** The functions' role, made by the second client before the steps (moto checks that it exists). */
const roleArn = `arn:aws:iam::${motoAccountId(import.meta.url)}:role/${ROLE_NAME}`;

/** The code before and after the update, as zips. */
const CODE = {
  first: zipOf("index.py", "def handler(event, context):\n    return 1\n"),
  second: zipOf("index.py", "def handler(event, context):\n    return 2\n"),
};

/** Where the test writes each zip. */
function zipPath(version: keyof typeof CODE): string {
  return join(tmpdir(), `${uniqueName(import.meta.url, "code")}-${version}.zip`);
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("base64");
}

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

const SETTINGS = {
  Runtime: "python3.12",
  Handler: "index.handler",
  Timeout: 10,
  MemorySize: 128,
} as const;

function lambdaFunction(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    FunctionName: name(label),
    Role: roleArn,
    ...SETTINGS,
    Code: { ZipFile: zipPath("first") },
    Tags: { team: "web" },
  };
  return definitionOf("lambda_function", label, base, block);
}

/**
 * lambda_function: the configuration (the runtime included) and the code update in place;
 * nothing is fixed; no stopped form.
 */
export const lambdaFunctionSpec: ConformanceSpec = {
  flavor: LambdaFunction,
  testFileUrl: import.meta.url,
  beforeAll: async () => {
    await writeFile(zipPath("first"), CODE.first);
    await writeFile(zipPath("second"), CODE.second);
    const trust = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    };
    // Another test file (the facts test) may have made it already, in the same moto account.
    await iam
      .send(
        new CreateRoleCommand({
          RoleName: ROLE_NAME,
          AssumeRolePolicyDocument: JSON.stringify(trust),
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof Error && error.name === "EntityAlreadyExistsException")) throw error;
      });
  },
  definition: (label) => lambdaFunction(label),
  verify: async (label) => {
    const found = await lambda.send(new GetFunctionCommand({ FunctionName: name(label) })).then(
      (answer) => answer.Configuration,
      (error: unknown) => {
        if (error instanceof Error && error.name === "ResourceNotFoundException") return undefined;
        throw error;
      },
    );
    return found === undefined
      ? undefined
      : { Timeout: found.Timeout, Runtime: found.Runtime, CodeSha256: found.CodeSha256 };
  },
  drift: {
    apply: async (label) => {
      await lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: name(label), Timeout: 30 }),
      );
    },
    field: "Timeout",
  },
  update: {
    definition: (label) =>
      lambdaFunction(label, { Runtime: "python3.13", Code: { ZipFile: zipPath("second") } }),
    expected: { Runtime: "python3.13", CodeSha256: sha256(CODE.second) },
  },
  replace: "none",
  stop: "none",
  createForeign: async (label) => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name(label),
        Role: roleArn,
        ...SETTINGS,
        Code: { ZipFile: CODE.first },
      }),
    );
  },
  createOperation: "CreateFunction",
  knownGaps: [
    {
      step: "adopt",
      reason:
        "moto answers TagResource with a 200 and a `{}` body labelled text/html, where AWS answers a bodiless 204",
      failure: /TagResource: the answer is an HTML page/,
    },
  ],
};
