import type { FunctionConfiguration, LambdaClient } from "@aws-sdk/client-lambda";
import * as z from "zod";
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { isPlainObject } from "../../../core/values.js";
import { awsCustomConfigSchema } from "../resource.js";
import { LambdaFunction, codeSchema, lambdaFunctionSchema } from "./function.js";
import { PythonZipError, buildPythonZip, type PythonZipSources } from "./python-zip.js";

/** The `custom_config` of a `lambda_python_function`: the lambda_function's plus the zip's sources. */
const pythonCustomConfigSchema = awsCustomConfigSchema.extend({
  /**
   * The directory the zip is built from (relative to the working directory). Default: none, and
   * `Code` is then required, as for a `lambda_function`.
   */
  zip_directory: z.string().min(1).optional(),
  /** The Python files of the zip, relative to `zip_directory`, stored at those paths. Required with it. */
  python_files: z.array(z.string().min(1)).min(1).optional(),
  /**
   * The requirements file, relative to `zip_directory`: the installed files of every package it
   * names are added to the zip; a package that is not installed is an error naming it. Default
   * `requirements.txt`, which may then be absent.
   */
  lambda_requirements: z.string().min(1).optional(),
  /** The Python interpreter whose environment the packages are taken from. Default `python3`. */
  python: z.string().min(1).optional(),
});

/**
 * The `aws_resource` block of a `lambda_python_function` particle: a `lambda_function`'s, with
 * the zip built from `custom_config.zip_directory` instead of `Code`.
 */
export const lambdaPythonFunctionSchema = lambdaFunctionSchema
  .extend({
    /**
     * The code, as for a `lambda_function`. Default: none; required unless
     * `custom_config.zip_directory` is set, whose built zip then replaces it (as in PCF).
     */
    Code: codeSchema.optional(),
    /**
     * `adopt`, `replace_on_change` (see {@link awsCustomConfigSchema}), `zip_directory`,
     * `python_files`, `lambda_requirements` and `python`: the zip's sources.
     */
    custom_config: pythonCustomConfigSchema.optional(),
  })
  .superRefine((block, context) => {
    const config = block.custom_config;
    const builds = config?.zip_directory !== undefined;
    if (builds && config?.python_files === undefined)
      context.addIssue({
        code: "custom",
        path: ["custom_config", "python_files"],
        message: "expected the Python files of the zip (relative to zip_directory)",
      });
    if (!builds && block.Code === undefined)
      context.addIssue({
        code: "custom",
        path: ["custom_config", "zip_directory"],
        message: "expected Code, or custom_config.zip_directory to build the zip from",
      });
  });

/**
 * A Python Lambda function whose zip is built from local files (PCF's extended particle): a
 * {@link LambdaFunction} in all else. When the definition is resolved for a running function, the
 * zip is built in memory (nothing is written to disk) from `custom_config.python_files` and the
 * installed packages of `custom_config.lambda_requirements`; it is deterministic (sorted entries,
 * fixed timestamps), so an unchanged handler gives the same `CodeSha256` and plans no update.
 *
 * Requirements are read as PEP 508 lines (`pkg>=1.2` names `pkg`), and each package's installed
 * files are found by the local Python (`importlib.metadata`, else the module `import` would load);
 * one that is not installed fails the particle, naming it.
 *
 * @example
 * ```yaml
 * pcf_name: hello
 * flavor: lambda_python_function
 * aws_resource:
 *   FunctionName: hello
 *   Runtime: python3.12
 *   Role: arn:aws:iam::123456789012:role/hello
 *   Handler: index.handler
 *   custom_config: { zip_directory: src/hello, python_files: [index.py] }
 * ```
 */
export class LambdaPythonFunction extends LambdaFunction {
  static override readonly flavor: string = "lambda_python_function";
  static override readonly definitionSchema: z.ZodObject = lambdaPythonFunctionSchema;

  /** The zip built by the last resolution of a running function. */
  private builtZip: Uint8Array | undefined = undefined;

  /**
   * Builds the zip (when the function comes up and the definition names a zip directory) and
   * gives it as the code, `Code.ZipFile` naming it `<pcf_name>.zip`, as PCF did.
   */
  override async resolveDefinition(
    definition: Record<string, unknown>,
    context: RunContext,
  ): Promise<Record<string, unknown>> {
    const sources = zipSourcesOf(definition["custom_config"]);
    if (sources === undefined) return super.resolveDefinition(definition, context);
    if (this.desiredState === "running") this.builtZip = await this.build(sources);
    return super.resolveDefinition(
      { ...definition, Code: { ZipFile: `${this.name}.zip` } },
      context,
    );
  }

  /**
   * Every function of the region that runs on Python (`python3.12`, …): those of other runtimes
   * are `lambda_function`s. A discovered one is written with its code as a hash, like a
   * `lambda_function` (its sources are not in the cloud).
   */
  protected override async listAll(
    client: LambdaClient,
    context: RunContext,
  ): Promise<readonly FunctionConfiguration[]> {
    const functions = await super.listAll(client, context);
    return functions.filter(({ Runtime }) => Runtime?.startsWith("python") === true);
  }

  /** The zip built in memory, when there is one; else the local zip file. */
  protected override zipOf(path: string): Promise<Uint8Array> {
    return this.builtZip === undefined ? super.zipOf(path) : Promise.resolve(this.builtZip);
  }

  /**
   * The zip of `sources`.
   * @throws PcfError `DEFINITION_INVALID` naming the `custom_config` member at fault.
   */
  private async build(sources: PythonZipSources): Promise<Uint8Array> {
    try {
      return await buildPythonZip(sources);
    } catch (error) {
      if (!(error instanceof PythonZipError)) throw error;
      throw new PcfError(
        "DEFINITION_INVALID",
        `cannot build the zip of ${this.resourceLabel()}: ${error.message}`,
        { particle: this.id, field: `aws_resource.custom_config.${error.field}` },
        { cause: error },
      );
    }
  }
}

/** The zip's sources in `config`; `undefined` when it names no zip directory (or is not valid yet). */
function zipSourcesOf(config: unknown): PythonZipSources | undefined {
  if (!isPlainObject(config)) return undefined;
  const parsed = pythonCustomConfigSchema.safeParse(config);
  if (!parsed.success) return undefined;
  const { zip_directory: directory, python_files: files = [] } = parsed.data;
  if (directory === undefined) return undefined;
  return {
    directory,
    files,
    requirements: parsed.data.lambda_requirements,
    python: parsed.data.python,
  };
}
