import type { InitializeMiddleware, MetadataBearer, NodeHttpHandlerOptions } from "@smithy/types";
import { stampOperation } from "./call-failure.js";
import { PcfError } from "../../core/errors.js";
import type { RunContext } from "../../core/run-context.js";
import { createRetryBudget, type RetryBudget } from "../kit/retry-budget.js";
import { ANSWER_CHECK_OPTIONS, checkAnswers } from "./answer-check.js";
import { retryReason } from "./errors.js";
import { readAwsOptions, type AwsClient, type AwsProviderOptions } from "./options.js";
import {
  DEFAULT_AWS_CONNECTION_TIMEOUT_MS,
  DEFAULT_AWS_REQUEST_TIMEOUT_MS,
} from "./request-timeouts.js";

/** The configuration the provider gives every SDK client it creates. */
export interface AwsClientConfig {
  readonly region: string;
  readonly retryMode: "adaptive";
  /** The SDK builds its HTTP handler from these: the request and connection timeouts. */
  readonly requestHandler: NodeHttpHandlerOptions;
  readonly endpoint?: string;
  readonly maxAttempts?: number;
  readonly profile?: string;
  /** Read by S3 clients only: path-style addressing, needed by emulators and custom endpoints. */
  readonly forcePathStyle?: boolean;
}

/** An SDK v3 client class (`S3Client`, `SQSClient`, …) as the provider constructs it. */
export type AwsClientClass<C extends AwsClient> = (new (config: AwsClientConfig) => C) & {
  readonly name: string;
};

/** Where a region can come from, in order of precedence. */
export interface RegionSources {
  /** The particle's `aws_resource.region_name`. */
  readonly regionName?: unknown;
  /** Who asks, for the error message (`s3_bucket:logs`). */
  readonly particle: string;
}

/**
 * The region for a particle: its `aws_resource.region_name`, else `providerOptions.aws.region`,
 * else `AWS_REGION`, else `AWS_DEFAULT_REGION`.
 * @throws PcfError `DEFINITION_INVALID` naming the particle when none is set.
 */
export function resolveRegion(context: RunContext, sources: RegionSources): string {
  if (typeof sources.regionName === "string" && sources.regionName !== "")
    return sources.regionName;
  const region =
    readAwsOptions(context).region ??
    nonEmpty(process.env["AWS_REGION"]) ??
    nonEmpty(process.env["AWS_DEFAULT_REGION"]);
  if (region !== undefined) return region;
  throw new PcfError(
    "DEFINITION_INVALID",
    "no AWS region: set aws_resource.region_name, providerOptions.aws.region, AWS_REGION or AWS_DEFAULT_REGION",
    { particle: sources.particle, field: "aws_resource.region_name" },
  );
}

/** Options of {@link awsClient}. */
export interface AwsClientOptions {
  /**
   * A client that sends each call once, without the SDK's retries: for creates that must not be
   * sent again blindly (see `createOnce`). Default false.
   */
  readonly isSingleAttempt?: boolean;
}

/**
 * The run's client of `ServiceClient` for `region`, created on first use and shared by every
 * particle of the run (one per service, region, profile, endpoint and retry policy), and
 * destroyed when the run ends. Clients use adaptive retries (unless single-attempt) and the
 * request timeouts of `providerOptions.aws` (`requestTimeoutMs`, `connectionTimeoutMs`);
 * `providerOptions.aws.configureClient` sees each one once.
 *
 * Every client checks its answers (see `checkAnswers`: an empty, HTML or unparsable 2xx is
 * retried as a 5xx). A retrying client whose `maxAttempts` is not 1 also retries a call that
 * failed after the SDK's attempts (throttling, a 5xx, no answer, an incomplete answer) from the
 * run's retry budget for this API and region (see `createRetryBudget`), emitting `call.retry`
 * with the scope (`aws:sqs:us-east-1`) as `particle`.
 */
export function awsClient<C extends AwsClient>(
  ServiceClient: AwsClientClass<C>,
  context: RunContext,
  region: string,
  clientOptions: AwsClientOptions = {},
): Promise<C> {
  const options = readAwsOptions(context);
  const isSingleAttempt = clientOptions.isSingleAttempt === true;
  const key = [
    "aws:client",
    ServiceClient.name,
    region,
    options.profile ?? "",
    options.endpoint ?? "",
    isSingleAttempt ? "once" : "retrying",
  ].join("|");
  return context.memo(key, async () => {
    const config = clientConfig(region, options);
    const client = new ServiceClient(isSingleAttempt ? { ...config, maxAttempts: 1 } : config);
    client.middlewareStack.add(checkAnswers, ANSWER_CHECK_OPTIONS);
    client.middlewareStack.add(stampOperation, { step: "initialize", name: "pcfStampOperation" });
    if (!isSingleAttempt && options.maxAttempts !== 1) {
      const scope = `aws:${ServiceClient.name.replace(/Client$/, "").toLowerCase()}:${region}`;
      client.middlewareStack.add(budgetedRetries(await runRetryBudget(context), scope, context), {
        step: "initialize",
        priority: "high",
        name: "pcfRetryBudget",
      });
    }
    options.configureClient?.(client);
    context.defer(() => client.destroy());
    return client;
  });
}

/** The run's one retry budget, shared by all its clients. */
function runRetryBudget(context: RunContext): Promise<RetryBudget> {
  return context.memo("aws:retry-budget", () => Promise.resolve(createRetryBudget()));
}

function budgetedRetries(
  budget: RetryBudget,
  scope: string,
  context: RunContext,
): InitializeMiddleware<object, MetadataBearer> {
  return (next, handlerContext) => (args) =>
    budget.run(() => next(args), {
      scope,
      classify: retryReason,
      signal: context.signal,
      onRetry: (grant) =>
        context.emit({
          type: "call.retry",
          particle: scope,
          call: (handlerContext.commandName ?? "call").replace(/Command$/, ""),
          attempt: grant.attempt,
          nextDelayMs: grant.nextDelayMs,
          reason: grant.reason,
        }),
    });
}

function clientConfig(region: string, options: AwsProviderOptions): AwsClientConfig {
  // The SDK reads AWS_ENDPOINT_URL(_S3) itself; path style must still be asked for, or bucket
  // names become host names that a local endpoint does not resolve.
  const hasCustomEndpoint =
    options.endpoint !== undefined ||
    nonEmpty(process.env["AWS_ENDPOINT_URL_S3"] ?? process.env["AWS_ENDPOINT_URL"]) !== undefined;
  return {
    region,
    retryMode: "adaptive",
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_AWS_REQUEST_TIMEOUT_MS,
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_AWS_CONNECTION_TIMEOUT_MS,
      // Without it, a request past its timeout is only logged, and keeps waiting.
      throwOnRequestTimeout: true,
    },
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(hasCustomEndpoint ? { forcePathStyle: true } : {}),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
