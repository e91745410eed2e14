import {
  BlobServiceClient,
  StorageSharedKeyCredential,
  newPipeline,
  type StoragePipelineOptions,
} from "@azure/storage-blob";
import { PcfError } from "../../core/errors.js";
import type { RunContext } from "../../core/run-context.js";
import { readAzureOptions, type AzureProviderOptions } from "./options.js";

/** The account Azurite's `UseDevelopmentStorage=true` stands for. */
const DEVELOPMENT_ACCOUNT = "devstoreaccount1";

/** Where a storage account can come from, in order of precedence. */
export interface AccountSources {
  /** The particle's `azure_resource.storage_account`. */
  readonly storageAccount?: unknown;
  /** Who asks, for the error message (`blob:logs`). */
  readonly particle: string;
}

/**
 * The storage account of a particle: its `azure_resource.storage_account`, else
 * `providerOptions.azure.account`, else `AZURE_STORAGE_ACCOUNT`, else the connection string's.
 * @throws PcfError `DEFINITION_INVALID` naming the particle when none is set.
 */
export function resolveAccount(context: RunContext, sources: AccountSources): string {
  if (typeof sources.storageAccount === "string" && sources.storageAccount !== "")
    return sources.storageAccount;
  const options = readAzureOptions(context);
  const connectionString = connectionStringOf(options);
  const account =
    options.account ??
    nonEmpty(process.env["AZURE_STORAGE_ACCOUNT"]) ??
    (connectionString === undefined ? undefined : accountOfConnectionString(connectionString));
  if (account !== undefined) return account;
  throw new PcfError(
    "DEFINITION_INVALID",
    "no Azure storage account: set azure_resource.storage_account, providerOptions.azure.account, " +
      "AZURE_STORAGE_ACCOUNT or AZURE_STORAGE_CONNECTION_STRING",
    { particle: sources.particle, field: "azure_resource.storage_account" },
  );
}

/** The account a connection string names (`AccountName=…`, or Azurite's development account). */
export function accountOfConnectionString(connectionString: string): string | undefined {
  if (/(^|;)\s*UseDevelopmentStorage\s*=\s*true\s*(;|$)/i.test(connectionString))
    return DEVELOPMENT_ACCOUNT;
  return /(?:^|;)\s*AccountName\s*=\s*([^;]+)/i.exec(connectionString)?.[1]?.trim();
}

/** Options of {@link blobServiceClient}. */
export interface AzureClientOptions {
  /** A client that sends each call once, without the SDK's retries (for creates). Default false. */
  readonly isSingleAttempt?: boolean;
}

/**
 * The run's Blob service client of `account`, created on first use and shared by every particle
 * of the run (one per account and retry policy). Its credentials are, in order,
 * `providerOptions.azure.connectionString`, `accountKey`, `AZURE_STORAGE_CONNECTION_STRING`, then
 * `DefaultAzureCredential` (loaded only then); `endpoint` replaces a connection string's URL.
 * Calls are tried `maxTries` times (default 3) with exponential backoff; `configurePipeline`
 * sees each pipeline before its client is built.
 * @throws PcfError `DEFINITION_INVALID` when the settings cannot reach `account`: a connection
 * string for another account, or a token credential over plain http.
 */
export function blobServiceClient(
  context: RunContext,
  account: string,
  clientOptions: AzureClientOptions = {},
): Promise<BlobServiceClient> {
  const isSingleAttempt = clientOptions.isSingleAttempt === true;
  const key = ["azure:blob", account, isSingleAttempt ? "once" : "retrying"].join("|");
  return context.memo(key, async () => {
    const options = readAzureOptions(context);
    const pipelineOptions: StoragePipelineOptions = {
      retryOptions: {
        maxTries: isSingleAttempt ? 1 : (options.maxTries ?? 3),
        retryDelayInMs: 500,
        maxRetryDelayInMs: 5_000,
      },
    };
    const { url, credential } = await accessOf(context, account, options);
    const pipeline = newPipeline(credential, pipelineOptions);
    options.configurePipeline?.(pipeline);
    return new BlobServiceClient(url, pipeline);
  });
}

/** A credential of the SDK's, as `newPipeline` takes it. */
type BlobCredential = Parameters<typeof newPipeline>[0];

/** The URL and credential that reach `account` under `options`. */
async function accessOf(
  context: RunContext,
  account: string,
  options: AzureProviderOptions,
): Promise<{ url: string; credential: BlobCredential }> {
  const connectionString =
    options.connectionString ??
    (options.accountKey === undefined ? envConnectionString() : undefined);
  if (connectionString !== undefined) {
    const named = accountOfConnectionString(connectionString);
    if (named !== undefined && named !== account)
      throw settingsError(
        `the connection string is for storage account "${named}", not "${account}": ` +
          "give that account's connection string, or a token credential (no connection string)",
      );
    const parsed = BlobServiceClient.fromConnectionString(connectionString);
    return { url: options.endpoint ?? parsed.url, credential: parsed.credential };
  }
  const url = options.endpoint ?? `https://${account}.blob.core.windows.net`;
  if (options.accountKey !== undefined)
    return { url, credential: new StorageSharedKeyCredential(account, options.accountKey) };
  if (!url.startsWith("https:"))
    throw settingsError(
      `no credential for the http endpoint ${url}: Azure AD tokens need https; ` +
        "give providerOptions.azure.connectionString or accountKey (Azurite: its well-known key)",
    );
  return { url, credential: await defaultCredential(context) };
}

/** The run's one `DefaultAzureCredential`, loading `@azure/identity` on first use. */
function defaultCredential(context: RunContext): Promise<BlobCredential> {
  return context.memo("azure:credential", async () => {
    const { DefaultAzureCredential } = await import("@azure/identity");
    return new DefaultAzureCredential();
  });
}

function settingsError(message: string): PcfError {
  return new PcfError("DEFINITION_INVALID", message, { field: "providerOptions.azure" });
}

function connectionStringOf(options: AzureProviderOptions): string | undefined {
  return options.connectionString ?? envConnectionString();
}

function envConnectionString(): string | undefined {
  return nonEmpty(process.env["AZURE_STORAGE_CONNECTION_STRING"]);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
