import { createHash } from "node:crypto";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import type { AwsClient, AwsProviderOptions } from "../../src/providers/aws/options.js";

/** The region every AWS test uses. */
export const TEST_REGION = "us-east-1";

/** The credentials moto accepts; any would do, as moto does not check them. */
export const TEST_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" } as const;

/** An access key pair, as SDK clients take it. */
export interface AccessKeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * A moto_server that enforces IAM (the IAM suite's, `test/iam/global-setup.ts`): it knows no
 * test credentials, and finds an access key only in the account its user lives in.
 */
export interface MotoIam {
  /** The one account every test file of the run works in: its IAM users hold the keys. */
  readonly accountId: string;
  /** An access key of a user of that account allowed every action: verification clients sign with it. */
  readonly admin: AccessKeyPair;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** Set only by a run whose moto enforces IAM; see {@link MotoIam}. */
    motoIam?: MotoIam;
  }
}

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The run's moto endpoint, started by `global-setup.ts`. */
export function motoEndpoint(): string {
  return inject("motoEndpoint");
}

/**
 * The moto account of a test file: 12 digits derived from its path, so files running at once on
 * the one server never see each other's resources (S3 bucket names excepted: they are global).
 * On a moto enforcing IAM, the run's one account ({@link MotoIam}), whose users hold the keys.
 */
export function motoAccountId(testFileUrl: string): string {
  const iam = inject("motoIam");
  if (iam !== undefined) return iam.accountId;
  const digest = createHash("sha256").update(relativeName(testFileUrl)).digest("hex");
  return (BigInt(`0x${digest.slice(0, 15)}`) % 10n ** 12n).toString().padStart(12, "1");
}

/** A name unique to a test file and label, valid as an S3 bucket or SQS queue name: `pcf-1a2b3c4d-label`. */
export function uniqueName(testFileUrl: string, label: string): string {
  const digest = createHash("sha256").update(relativeName(testFileUrl)).digest("hex").slice(0, 8);
  return `pcf-${digest}-${label}`;
}

/** Makes every request of `client` act in moto account `account`. */
export function useMotoAccount(client: AwsClient, account: string): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      if (request?.headers !== undefined) request.headers["x-moto-account-id"] = account;
      return next(args);
    },
    { step: "build", name: "motoAccountHeader" },
  );
}

/** Counts the commands a set of clients sends, by command name (`ListBucketsCommand`). */
export class RequestCounter {
  private readonly counts = new Map<string, number>();

  /** Add this to clients (through `configureClient`) to count their commands. */
  readonly attach = (client: AwsClient): void => {
    client.middlewareStack.add(
      (next, context) => (args) => {
        const name = context.commandName ?? "unknown";
        this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: "initialize", name: "requestCounter" },
    );
  };

  /** How many times `commandName` was sent. */
  count(commandName: string): number {
    return this.counts.get(commandName) ?? 0;
  }

  /** Every command sent, with its count. */
  all(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Forgets the counts so far. */
  reset(): void {
    this.counts.clear();
  }
}

/** Options of {@link awsTestOptions}. */
export interface AwsTestOptions {
  /** Called on every client the provider creates, after the account header is added. */
  readonly configureClient?: (client: AwsClient) => void;
}

/**
 * `providerOptions` for a test file: the run's moto endpoint, us-east-1, one attempt per call (a
 * moto 500 surfaces at once), and the file's own moto account on every client.
 */
export function awsTestOptions(
  testFileUrl: string,
  options: AwsTestOptions = {},
): { aws: AwsProviderOptions } {
  const account = motoAccountId(testFileUrl);
  return {
    aws: {
      endpoint: motoEndpoint(),
      region: TEST_REGION,
      maxAttempts: 1,
      configureClient: (client) => {
        useMotoAccount(client, account);
        options.configureClient?.(client);
      },
    },
  };
}

/** The key verification clients sign with: the run's admin on a moto enforcing IAM ({@link MotoIam}). */
export function motoCredentials(): AccessKeyPair {
  return inject("motoIam")?.admin ?? TEST_CREDENTIALS;
}

/** The configuration of a verification client. */
export interface VerificationClientConfig {
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: AccessKeyPair;
  readonly maxAttempts: number;
  readonly forcePathStyle: boolean;
}

/**
 * An SDK client independent of the framework's, in the same moto account as the test file's
 * particles: tests check results and change things behind the framework's back with it. On a
 * moto enforcing IAM, it signs as the run's admin ({@link MotoIam}).
 */
export function verificationClient<C extends AwsClient>(
  ServiceClient: new (config: VerificationClientConfig) => C,
  testFileUrl: string,
  options: { readonly region?: string } = {},
): C {
  const client = new ServiceClient({
    region: options.region ?? TEST_REGION,
    endpoint: motoEndpoint(),
    credentials: motoCredentials(),
    maxAttempts: 1,
    forcePathStyle: true,
  });
  useMotoAccount(client, motoAccountId(testFileUrl));
  return client;
}

function relativeName(testFileUrl: string): string {
  return relative(PROJECT_ROOT, fileURLToPath(testFileUrl));
}

/**
 * Makes moto keep ECS tasks RUNNING, as a long-running task stays: by default it advances a task
 * one status per DescribeTasks (RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED), as if
 * every task ended at once. The setting is the server's, for every account.
 */
export async function keepMotoTasksRunning(): Promise<void> {
  const answer = await fetch(`${motoEndpoint()}/moto-api/state-manager/set-transition`, {
    method: "POST",
    body: JSON.stringify({
      model_name: "ecs::task",
      transition: { progression: "manual", times: 1_000_000 },
    }),
  });
  if (!answer.ok) throw new Error(`moto's state manager answered ${answer.status}`);
}
