import { createHash, randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
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
import { LambdaPythonFunction } from "../../../src/providers/aws/lambda/python-function.js";
import { buildPythonZip } from "../../../src/providers/aws/lambda/python-zip.js";
import { motoAccountId, uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import { zipOf } from "../../support/zip.js";
import type { ConformanceSpec } from "../spec.js";

const lambda = verificationClient(LambdaClient, import.meta.url);
const iam = verificationClient(IAMClient, import.meta.url);

const ROLE_NAME = uniqueName(import.meta.url, "role");
/** The functions' role, made by the second client before the steps (moto checks that it exists). */
const roleArn = `arn:aws:iam::${motoAccountId(import.meta.url)}:role/${ROLE_NAME}`;

/** The handler before and after the update. */
const HANDLER = {
  first: "def handler(event, context):\n    return 1\n",
  second: "def handler(event, context):\n    return 2\n",
};

/** The zip directory of each handler version. */
function directory(version: keyof typeof HANDLER): string {
  return join(tmpdir(), `${uniqueName(import.meta.url, "src")}-${version}`);
}

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

const SETTINGS = { Runtime: "python3.12", Handler: "index.handler", Timeout: 10 } as const;

function pythonFunction(
  label: string,
  version: keyof typeof HANDLER = "first",
  block: Record<string, unknown> = {},
): ParticleDefinition {
  const base = {
    FunctionName: name(label),
    Role: roleArn,
    ...SETTINGS,
    Tags: { team: "web" },
    custom_config: { zip_directory: directory(version), python_files: ["index.py"] },
  };
  return definitionOf("lambda_python_function", label, base, block);
}

/** The CodeSha256 Lambda gives the zip of `version`. */
async function codeSha256(version: keyof typeof HANDLER): Promise<string> {
  const zip = await buildPythonZip({ directory: directory(version), files: ["index.py"] });
  return createHash("sha256").update(zip).digest("base64");
}

/** The CodeSha256 of the updated handler's zip, once its directory is written. */
let updatedCodeSha256 = "";

/**
 * lambda_python_function: lambda_function's lifecycle, with the zip built from a directory; an
 * unchanged handler gives the same zip (no-op), a changed one a code update.
 */
export const lambdaPythonFunctionSpec: ConformanceSpec = {
  flavor: LambdaPythonFunction,
  testFileUrl: import.meta.url,
  beforeAll: async () => {
    for (const version of ["first", "second"] as const) {
      await mkdir(directory(version), { recursive: true });
      // The facts test runs this too, beside the steps: a rename never shows a half-written file.
      const path = join(directory(version), "index.py");
      const draft = `${path}.${randomUUID()}`;
      await writeFile(draft, HANDLER[version]);
      await rename(draft, path);
    }
    updatedCodeSha256 = await codeSha256("second");
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
  definition: (label) => pythonFunction(label),
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
    definition: (label) => pythonFunction(label, "second", { Runtime: "python3.13" }),
    expected: {
      Runtime: "python3.13",
      get CodeSha256() {
        return updatedCodeSha256;
      },
    },
  },
  replace: "none",
  stop: "none",
  createForeign: async (label) => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name(label),
        Role: roleArn,
        ...SETTINGS,
        Code: { ZipFile: zipOf("index.py", HANDLER.first) },
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
