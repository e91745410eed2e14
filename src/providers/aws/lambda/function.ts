import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  LastUpdateStatus,
  ListTagsCommand,
  Runtime,
  State,
  TagResourceCommand,
  TracingMode,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  paginateListFunctions,
  type FunctionCode,
  type FunctionConfiguration,
} from "@aws-sdk/client-lambda";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as z from "zod";
import { PcfError, messageOf } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { isPlainObject, readPath } from "../../../core/values.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { normalizeTags, tagMapSchema, withOwnershipTag } from "../tags.js";
import { discoveredFunction } from "./discovered-function.js";

/**
 * Where the function's code comes from: a local zip file, an object in S3, or (as `pcf discover`
 * writes it) the deployed code known only by its hash.
 */
export const codeSchema = z.union([
  z.strictObject({
    /** The path of a local zip file (relative to the working directory), read and sent whole. */
    ZipFile: z.string().min(1),
  }),
  z.strictObject({
    /** The bucket of the zip object. */
    S3Bucket: z.string().min(3),
    /** The key of the zip object. */
    S3Key: z.string().min(1),
    /** The object's version. Default: the latest. */
    S3ObjectVersion: z.string().min(1).optional(),
  }),
  z.strictObject({
    /**
     * The SHA-256 (base64) of the deployed code, as Lambda reports it: the code is compared by
     * it and never sent. Lambda never tells where its code came from, so a discovered function
     * is written this way; creating the function or changing its code needs a zip or an S3 object.
     */
    CodeSha256: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "expected a base64 SHA-256"),
  }),
]);

/** The `aws_resource` block of a `lambda_function` particle: CreateFunction's parameters. */
export const lambdaFunctionSchema = z.strictObject({
  /** The function's name (up to 64 of `a-z A-Z 0-9 - _`). Required: it is the unique key. */
  FunctionName: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, "expected letters, digits, - and _"),
  /** The runtime (`python3.12`, `nodejs20.x`). Required. Changes in place. */
  Runtime: z.enum(Runtime),
  /** The ARN of the execution role. Required. Changes in place. */
  Role: z.string().regex(/^arn:/, "expected the role's ARN"),
  /** The entry point (`index.handler`). Default: not compared; AWS requires it for zip code. Changes in place. */
  Handler: z.string().min(1).max(128).optional(),
  /**
   * The code: `{ ZipFile: <local path> }` or `{ S3Bucket, S3Key, S3ObjectVersion? }`, or
   * `{ CodeSha256 }` for the deployed code (see {@link codeSchema}). Required. Compared by the
   * SHA-256 of the zip's bytes (read from the file, or downloaded from S3 when the definition is
   * resolved); a new zip is sent with UpdateFunctionCode.
   */
  Code: codeSchema,
  /** A description; `""` for none. Default: not compared; created without. Changes in place. */
  Description: z.string().max(256).optional(),
  /** Seconds a call may run (1 to 900). Default: not compared; created with 3. Changes in place. */
  Timeout: z.int().min(1).max(900).optional(),
  /** Memory in MB (128 to 10240). Default: not compared; created with 128. Changes in place. */
  MemorySize: z.int().min(128).max(10240).optional(),
  /** Whether the create (and each code update) publishes a version. Default false. Not compared. */
  Publish: z.boolean().optional(),
  /**
   * `{ SubnetIds, SecurityGroupIds }`; both empty to leave the VPC. Default: not compared; created
   * outside any VPC. Changes in place.
   */
  VpcConfig: z
    .strictObject({
      SubnetIds: z.array(z.string().min(1)),
      SecurityGroupIds: z.array(z.string().min(1)),
    })
    .optional(),
  /** `{ TargetArn }` of the SQS queue or SNS topic for failed events; `""` for none. Default: not compared. Changes in place. */
  DeadLetterConfig: z.strictObject({ TargetArn: z.string() }).optional(),
  /** `{ Variables }`: the environment. Default: not compared; created with none. Changes in place. */
  Environment: z.strictObject({ Variables: z.record(z.string(), z.string()) }).optional(),
  /** The ARN of the KMS key for the environment; `""` for AWS's own key. Default: not compared. Changes in place. */
  KMSKeyArn: z
    .union([z.string().regex(/^arn:/, "expected the KMS key's ARN"), z.literal("")])
    .optional(),
  /** `{ Mode }`: `Active` or `PassThrough`. Default: not compared; created `PassThrough`. Changes in place. */
  TracingConfig: z.strictObject({ Mode: z.enum(TracingMode) }).optional(),
  /**
   * The function's whole tag set, as a map. Tags not listed are removed on update; the
   * `pcf:managed-by` ownership tag is always kept. Default: not compared.
   */
  Tags: tagMapSchema.optional(),
  /** The function's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /**
   * `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. `code_sha256` is the code's
   * hash, set by the framework when the definition is resolved (a written value is replaced).
   */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of a `lambda_function` particle. */
export type LambdaFunctionDefinition = z.infer<typeof lambdaFunctionSchema>;

/** The configuration settings of a definition. */
type Settings = Partial<Pick<LambdaFunctionDefinition, (typeof CONFIGURATION_FIELDS)[number]>>;

/** The code of a definition. */
type Code = LambdaFunctionDefinition["Code"];

/** Code that can be sent: a zip or an S3 object, not a hash alone. */
type SentCode = Exclude<Code, { CodeSha256: string }>;

const NOT_FOUND = ["ResourceNotFoundException"];
/** AWS answers this while the function is still being created or updated. */
const CONFLICT = ["ResourceConflictException"];
const INVALID = ["InvalidParameterValueException", "CodeStorageExceededException"];

/** The codes of the function calls, by class. */
const FUNCTION_ERRORS: OperationErrors = {
  CreateFunction: {
    alreadyExists: CONFLICT,
    invalid: [...INVALID, "CodeVerificationFailedException", "InvalidCodeSignatureException"],
    throttled: ["TooManyRequestsException"],
  },
  DeleteFunction: { notFound: NOT_FOUND, inUse: CONFLICT },
  GetFunctionConfiguration: { notFound: NOT_FOUND },
  UpdateFunctionConfiguration: { notFound: NOT_FOUND, wrongState: CONFLICT, invalid: INVALID },
  UpdateFunctionCode: { notFound: NOT_FOUND, wrongState: CONFLICT, invalid: INVALID },
  ListTags: { notFound: NOT_FOUND },
  TagResource: { notFound: NOT_FOUND },
  UntagResource: { notFound: NOT_FOUND },
  GetObject: { notFound: ["NoSuchKey", "NoSuchBucket"] },
};

/** The fields UpdateFunctionConfiguration sets, in the order of the definition. */
const CONFIGURATION_FIELDS = [
  "Runtime",
  "Role",
  "Handler",
  "Description",
  "Timeout",
  "MemorySize",
  "VpcConfig",
  "DeadLetterConfig",
  "Environment",
  "KMSKeyArn",
  "TracingConfig",
] as const;

/**
 * A Lambda function, found by its name. It has no stopped form: stopping deletes it. Every
 * configuration field changes in place (UpdateFunctionConfiguration, the runtime included), and
 * so does the code (UpdateFunctionCode, when the zip's SHA-256 differs from the function's
 * `CodeSha256`); nothing is fixed at creation. The ownership tag goes in CreateFunction itself.
 *
 * The code's hash is computed when the definition is resolved: a local zip is read, an S3
 * object is downloaded (nothing is written to S3, unlike PCF). Before each update the function
 * is awaited out of `Pending` and `InProgress` (GetFunctionConfiguration), as AWS refuses updates
 * meanwhile.
 *
 * Reads are batched: one paged ListFunctions per region, plus ListTags per function only when its
 * definition lists tags (or before changing it, to check ownership).
 *
 * @example
 * ```ts
 * const hello = new LambdaFunction({
 *   pcf_name: "hello",
 *   flavor: "lambda_function",
 *   aws_resource: {
 *     FunctionName: "hello",
 *     Runtime: "python3.12",
 *     Role: "arn:aws:iam::123456789012:role/hello",
 *     Handler: "index.handler",
 *     Code: { ZipFile: "build/hello.zip" },
 *   },
 * });
 * await hello.apply();
 * ```
 */
export class LambdaFunction extends AWSResource<
  LambdaFunctionDefinition,
  FunctionConfiguration,
  LambdaClient
> {
  static override readonly flavor: string = "lambda_function";
  static override readonly service: string = "lambda";
  static override readonly Client = LambdaClient;
  // An object schema: a flavor extending this one (lambda_python_function) declares its own.
  static override readonly definitionSchema: z.ZodObject = lambdaFunctionSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.FunctionName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = [];
  static override readonly inPlaceFields: readonly string[] = [
    ...CONFIGURATION_FIELDS,
    "CodeSha256",
    "Tags",
  ];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateFunction";
  static override readonly operationErrors = FUNCTION_ERRORS;
  // DeleteFunction answers an empty 204: one that never reached the service looks the same.
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: ["lambda:ListFunctions", "lambda:ListTags", "s3:GetObject"],
    start: ["lambda:CreateFunction", "lambda:TagResource", "iam:PassRole"],
    update: [
      "lambda:GetFunctionConfiguration",
      "lambda:UpdateFunctionConfiguration",
      "lambda:UpdateFunctionCode",
      "lambda:TagResource",
      "lambda:UntagResource",
      "iam:PassRole",
    ],
    terminate: ["lambda:DeleteFunction"],
  };

  /** UpdateFunctionConfiguration with every setting written, once the function is ready. */
  private readonly configurationUpdater = async (
    client: LambdaClient,
    { FunctionName }: FunctionConfiguration,
    desired: LambdaFunctionDefinition,
    context: RunContext,
  ): Promise<unknown> => {
    await this.untilReady(client, FunctionName, context);
    return client.send(
      new UpdateFunctionConfigurationCommand({ ...definedSettings(desired), FunctionName }),
      { abortSignal: context.signal },
    );
  };

  protected override readonly updaters: FieldUpdaters<
    LambdaFunctionDefinition,
    FunctionConfiguration,
    LambdaClient
  > = {
    // One function for every configuration field: the kit runs it once, however many differ.
    ...Object.fromEntries(CONFIGURATION_FIELDS.map((field) => [field, this.configurationUpdater])),
    CodeSha256: async (client, { FunctionName }, { Code, Publish }, context) => {
      await this.untilReady(client, FunctionName, context);
      return client.send(
        new UpdateFunctionCodeCommand({
          FunctionName,
          ...(await this.codeOf(Code)),
          ...(Publish === undefined ? {} : { Publish }),
        }),
        { abortSignal: context.signal },
      );
    },
  };

  /** Adds the code's SHA-256 as `custom_config.code_sha256`, when the function comes up. */
  override async resolveDefinition(
    definition: Record<string, unknown>,
    context: RunContext,
  ): Promise<Record<string, unknown>> {
    const resolved = await super.resolveDefinition(definition, context);
    const code = codeSchema.safeParse(resolved["Code"]);
    if (this.desiredState !== "running" || !code.success) return resolved;
    const hash =
      "CodeSha256" in code.data
        ? code.data.CodeSha256
        : sha256Of(await this.codeBytes(code.data, context));
    const config = isPlainObject(resolved["custom_config"]) ? resolved["custom_config"] : {};
    return { ...resolved, custom_config: { ...config, code_sha256: hash } };
  }

  /** The functions of `names` that exist: ListFunctions, page by page, filtered. */
  protected override async list(
    client: LambdaClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, FunctionConfiguration>> {
    const wanted = new Set(names);
    const found = new Map<string, FunctionConfiguration>();
    for (const lambda of await listFunctions(client, signal))
      if (lambda.FunctionName !== undefined && wanted.has(lambda.FunctionName))
        found.set(lambda.FunctionName, lambda);
    return found;
  }

  /** Every function of the region, with its settings: ListFunctions, page by page. */
  protected override listAll(
    client: LambdaClient,
    { signal }: RunContext,
  ): Promise<readonly FunctionConfiguration[]> {
    return listFunctions(client, signal);
  }

  /** A listed function is running; unset settings read as AWS's defaults. */
  protected override observe(lambda: FunctionConfiguration, context: RunContext): Observation {
    return {
      state: "running",
      definition: {
        FunctionName: lambda.FunctionName,
        FunctionArn: lambda.FunctionArn,
        Runtime: lambda.Runtime,
        Role: lambda.Role,
        Handler: lambda.Handler,
        Description: lambda.Description ?? "",
        Timeout: lambda.Timeout ?? 3,
        MemorySize: lambda.MemorySize ?? 128,
        VpcConfig: {
          SubnetIds: lambda.VpcConfig?.SubnetIds ?? [],
          SecurityGroupIds: lambda.VpcConfig?.SecurityGroupIds ?? [],
          ...(lambda.VpcConfig?.VpcId === undefined ? {} : { VpcId: lambda.VpcConfig.VpcId }),
        },
        DeadLetterConfig: { TargetArn: lambda.DeadLetterConfig?.TargetArn ?? "" },
        Environment: { Variables: lambda.Environment?.Variables ?? {} },
        KMSKeyArn: lambda.KMSKeyArn ?? "",
        TracingConfig: { Mode: lambda.TracingConfig?.Mode ?? TracingMode.PassThrough },
        CodeSha256: lambda.CodeSha256,
        CodeSize: lambda.CodeSize,
        region_name: this.region(context),
      },
    };
  }

  /** CreateFunction with the settings, the code and the tags plus the ownership tag; its answer carries the function. */
  protected override async create(
    client: LambdaClient,
    desired: LambdaFunctionDefinition,
    { signal }: RunContext,
  ): Promise<FunctionConfiguration | undefined> {
    const { FunctionName, Role, Code, Tags } = desired;
    const answer = await client.send(
      new CreateFunctionCommand({
        ...definedSettings(desired),
        FunctionName,
        Role,
        Code: await this.codeOf(Code),
        ...(desired.Publish === undefined ? {} : { Publish: desired.Publish }),
        Tags: withOwnershipTag(normalizeTags(Tags ?? {}), this.provenanceTags),
      }),
      { abortSignal: signal },
    );
    return answer.FunctionArn === undefined ? undefined : answer;
  }

  /** DeleteFunction, with its versions. */
  protected override async remove(
    client: LambdaClient,
    { FunctionName }: FunctionConfiguration,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteFunctionCommand({ FunctionName }), { abortSignal: signal });
  }

  protected override async readTags(
    client: LambdaClient,
    { FunctionArn }: FunctionConfiguration,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const { Tags = {} } = await client.send(new ListTagsCommand({ Resource: FunctionArn }), {
      abortSignal: signal,
    });
    return Tags;
  }

  protected override async writeTags(
    client: LambdaClient,
    { FunctionArn: Resource }: FunctionConfiguration,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    if (remove.length > 0)
      await client.send(new UntagResourceCommand({ Resource, TagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new TagResourceCommand({ Resource, Tags: set }), { abortSignal: signal });
  }

  /** The generic block of {@link discoveredFunction}: the code as its hash, unset settings left out. */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const definition = discoveredFunction(observation.definition);
    return super.discoveredResource({ ...observation, definition }, ownTags);
  }

  /**
   * The settings written (subnets and security groups as sets), the code as its hash (desired:
   * `custom_config.code_sha256`) and the tags as a sorted set.
   */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const settings = Object.fromEntries(
      CONFIGURATION_FIELDS.map((field) => [field, definition[field]]),
    );
    const vpc = definition["VpcConfig"];
    return {
      FunctionName: definition["FunctionName"],
      ...settings,
      VpcConfig: isPlainObject(vpc)
        ? {
            ...vpc,
            SubnetIds: sorted(vpc["SubnetIds"]),
            SecurityGroupIds: sorted(vpc["SecurityGroupIds"]),
          }
        : vpc,
      CodeSha256: readPath(definition, "custom_config.code_sha256") ?? definition["CodeSha256"],
      Tags: this.comparableTagsOf(definition["Tags"]),
    };
  }

  /**
   * Waits until the function is neither `Pending` (being created) nor `InProgress` (being
   * updated): AWS refuses updates meanwhile with ResourceConflictException.
   */
  private async untilReady(
    client: LambdaClient,
    FunctionName: string | undefined,
    context: RunContext,
  ): Promise<void> {
    await context.waitFor(
      async () => {
        const { State: state, LastUpdateStatus: status } = await client.send(
          new GetFunctionConfigurationCommand({ FunctionName }),
          { abortSignal: context.signal },
        );
        return {
          done: state !== State.Pending && status !== LastUpdateStatus.InProgress,
          value: undefined,
        };
      },
      { particle: this.id, description: `${this.resourceLabel()} to be ready for an update` },
    );
  }

  /**
   * The `Code` of CreateFunction and UpdateFunctionCode: the zip's bytes, or the S3 object.
   * @throws PcfError `DEFINITION_INVALID` naming `Code` when it is a hash alone, which no call takes.
   */
  private async codeOf(code: Code): Promise<FunctionCode> {
    if ("CodeSha256" in code)
      throw new PcfError(
        "DEFINITION_INVALID",
        `Code.CodeSha256 names the deployed code of ${this.resourceLabel()} only: write Code.ZipFile, or Code.S3Bucket and Code.S3Key, to create the function or change its code`,
        { particle: this.id, field: "aws_resource.Code" },
      );
    if ("ZipFile" in code) return { ZipFile: await this.zipOf(code.ZipFile) };
    return code;
  }

  /** The code's bytes: the local zip, or the S3 object downloaded. */
  private async codeBytes(code: SentCode, context: RunContext): Promise<Uint8Array> {
    if ("ZipFile" in code) return this.zipOf(code.ZipFile);
    const { S3Bucket: Bucket, S3Key: Key, S3ObjectVersion: VersionId } = code;
    const s3 = await this.client(S3Client, context);
    return this.step(`read the code s3://${Bucket}/${Key}`, async () => {
      const { Body } = await s3.send(
        new GetObjectCommand({ Bucket, Key, ...(VersionId === undefined ? {} : { VersionId }) }),
        { abortSignal: context.signal },
      );
      if (Body === undefined) throw new Error(`s3://${Bucket}/${Key} has no body`);
      return Body.transformToByteArray();
    });
  }

  /**
   * The bytes of the local zip at `path` (`Code.ZipFile`); a flavor that builds its zip overrides it.
   * @throws PcfError `DEFINITION_INVALID` naming `Code.ZipFile` when the file cannot be read.
   */
  protected async zipOf(path: string): Promise<Uint8Array> {
    const file = resolve(path);
    try {
      return await readFile(file);
    } catch (error) {
      throw new PcfError(
        "DEFINITION_INVALID",
        `cannot read the code zip ${file}: ${messageOf(error)}`,
        { particle: this.id, field: "aws_resource.Code.ZipFile" },
        { cause: error },
      );
    }
  }
}

/** Every function of the region, with its settings: ListFunctions, page by page. */
async function listFunctions(
  client: LambdaClient,
  signal: AbortSignal,
): Promise<FunctionConfiguration[]> {
  const functions: FunctionConfiguration[] = [];
  for await (const page of paginateListFunctions({ client }, {}, { abortSignal: signal }))
    functions.push(...(page.Functions ?? []));
  return functions;
}

/** The configuration settings of `desired` that are written, as CreateFunction and UpdateFunctionConfiguration take them. */
function definedSettings(desired: LambdaFunctionDefinition): Settings {
  return Object.fromEntries(
    CONFIGURATION_FIELDS.flatMap((field) =>
      desired[field] === undefined ? [] : [[field, desired[field]]],
    ),
  );
}

/** The base64 SHA-256 of `bytes`: Lambda's `CodeSha256`. */
function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

/** A list of strings, sorted; anything else unchanged. */
function sorted(value: unknown): unknown {
  return Array.isArray(value) ? [...(value as string[])].sort() : value;
}
