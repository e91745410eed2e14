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
import type { ConformanceSpec } from "../spec.js";

const lambda = verificationClient(LambdaClient, import.meta.url);
const iam = verificationClient(IAMClient, import.meta.url);

const ROLE_NAME = uniqueName(import.meta.url, "role");
/** The functions' role, made by the second client before the steps (moto checks that it exists). */
const roleArn = `arn:aws:iam::${motoAccountId(import.meta.url)}:role/${ROLE_NAME}`;

/** The table of CRC-32 (the zip format's checksum), by byte. */
const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A zip holding one stored (uncompressed) file `name` with `text`. */
function zipOf(name: string, text: string): Buffer {
  const fileName = Buffer.from(name);
  const data = Buffer.from(text);
  const crc = crc32(data);
  // Version 2.0, no flags, stored, 1980-01-01 00:00.
  const common = (header: Buffer, at: number): number => {
    at = header.writeUInt16LE(20, at);
    at = header.writeUInt16LE(0, at);
    at = header.writeUInt16LE(0, at);
    at = header.writeUInt16LE(0, at);
    at = header.writeUInt16LE(0x21, at);
    at = header.writeUInt32LE(crc, at);
    at = header.writeUInt32LE(data.length, at);
    at = header.writeUInt32LE(data.length, at);
    at = header.writeUInt16LE(fileName.length, at);
    return header.writeUInt16LE(0, at);
  };
  const local = Buffer.alloc(30);
  common(local, local.writeUInt32LE(0x04034b50, 0));
  const central = Buffer.alloc(46);
  let at = central.writeUInt32LE(0x02014b50, 0);
  at = central.writeUInt16LE(20, at);
  // Comment length, disk, internal and external attributes stay 0; the local header is at 0.
  common(central, at);
  const end = Buffer.alloc(22);
  at = end.writeUInt32LE(0x06054b50, 0);
  at = end.writeUInt16LE(0, at);
  at = end.writeUInt16LE(0, at);
  at = end.writeUInt16LE(1, at);
  at = end.writeUInt16LE(1, at);
  at = end.writeUInt32LE(central.length + fileName.length, at);
  end.writeUInt32LE(local.length + fileName.length + data.length, at);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

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
