import type { Pipeline } from "@azure/storage-blob";
import * as z from "zod";
import { readProviderOptions, type RunContext } from "../../core/run-context.js";

/**
 * The `azure` key of `providerOptions`: how the Azure provider reaches Blob Storage for a run.
 * Every field is optional. The credentials are, in order: `connectionString`, else
 * `AZURE_STORAGE_CONNECTION_STRING`, else `accountKey` (with the account), else `@azure/identity`'s
 * `DefaultAzureCredential` (environment, workload or managed identity, Azure CLI, …) with the
 * account's URL. Azurite works by configuration alone: its connection string, or `endpoint` plus
 * `accountKey`.
 *
 * @example
 * ```ts
 * await container.apply({ providerOptions: { azure: { account: "acmelogs" } } });
 * ```
 */
export interface AzureProviderOptions {
  /**
   * A storage account connection string (`DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…`,
   * or Azurite's `UseDevelopmentStorage=true`). Default: `AZURE_STORAGE_CONNECTION_STRING`.
   * It names one account: a block whose `storage_account` differs is refused. `endpoint`, when
   * given, replaces its blob endpoint (for a shared-key connection string).
   */
  readonly connectionString?: string | undefined;
  /**
   * The storage account of blocks that set no `azure_resource.storage_account`. Default:
   * `AZURE_STORAGE_ACCOUNT`, else the connection string's.
   */
  readonly account?: string | undefined;
  /** The account's shared key, for `account` at `endpoint`; instead of a token credential. */
  readonly accountKey?: string | undefined;
  /**
   * The blob service URL of the account (Azurite: `http://127.0.0.1:10000/devstoreaccount1`).
   * Default: the connection string's, else `https://<account>.blob.core.windows.net`. Token
   * credentials need `https`.
   */
  readonly endpoint?: string | undefined;
  /** Tries per call, the first included, with exponential backoff. Default 3. */
  readonly maxTries?: number | undefined;
  /**
   * Most ms a create may keep waiting while Azure still deletes a container of the same name
   * (`ContainerBeingDeleted`, for up to about 30 s after a delete). Default 120 000.
   */
  readonly recreateWaitMs?: number | undefined;
  /**
   * Called once on the pipeline of every client the provider creates, before the client is
   * built: push a `RequestPolicyFactory` onto `pipeline.factories` to see or change requests.
   */
  readonly configurePipeline?: ((pipeline: Pipeline) => void) | undefined;
}

const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" });

const azureProviderOptionsSchema = z
  .strictObject({
    connectionString: z.string().min(1).optional(),
    account: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, "expected 3 to 24 lower-case letters and digits")
      .optional(),
    accountKey: z.base64("expected the account key, in base64").optional(),
    endpoint: httpUrl.optional(),
    maxTries: z.int().min(1).max(20).optional(),
    recreateWaitMs: z.int().min(0).optional(),
    configurePipeline: z
      .custom<(pipeline: Pipeline) => void>(
        (value) => typeof value === "function",
        "expected a function",
      )
      .optional(),
  })
  .optional();

/**
 * The validated `providerOptions.azure` of a run; `{}` when absent.
 * @throws PcfError `DEFINITION_INVALID` naming the offending option.
 * @internal
 */
export function readAzureOptions(context: RunContext): AzureProviderOptions {
  return readProviderOptions<AzureProviderOptions>(context, "azure", azureProviderOptionsSchema);
}
