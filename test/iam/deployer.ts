import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { expect, vi } from "vitest";
import type { ParticleDefinition } from "../../src/index.js";
import type { AwsProviderOptions } from "../../src/providers/aws/options.js";
import { runPcf } from "../cli/pcf.js";
import { awsTestOptions, verificationClient, type AccessKeyPair } from "../support/aws.js";
import { sendPathColonsUnescaped } from "./moto-signing.js";
import { RefusalLog } from "./refusals.js";

/** An IAM policy document, as `pcf iam-policy` prints one. */
export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly PolicyStatement[];
}

/** One statement of a {@link PolicyDocument}. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, unknown>>;
}

/** The inline policy every deployer holds, under this name. */
export const DEPLOYER_POLICY_NAME = "pcf-iam-policy";

/**
 * The policy `pcf iam-policy -f FILE` prints for `definitions`, run through the built binary
 * (`bin/pcf.js`) in a fresh folder, as a user runs it.
 * @throws Error with the binary's stderr when it does not exit 0.
 */
export async function iamPolicyOf(
  definitions: readonly ParticleDefinition[],
): Promise<PolicyDocument> {
  const dir = await mkdtemp(join(tmpdir(), "pcf-iam-policy-"));
  try {
    await writeFile(join(dir, "pcf.json"), JSON.stringify(definitions, null, 2));
    const { code, stdout, stderr } = await runPcf(["iam-policy", "-f", "pcf.json"], { cwd: dir });
    if (code !== 0) throw new Error(`pcf iam-policy exited ${String(code)}:\n${stderr}`);
    return JSON.parse(stdout) as PolicyDocument;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The actions a policy's statements name, in order. */
export function actionsOf(policy: PolicyDocument): string[] {
  return policy.Statement.flatMap((statement) =>
    typeof statement.Action === "string" ? [statement.Action] : [...statement.Action],
  );
}

/** `policy` without `action`, which it must allow. */
export function withoutAction(policy: PolicyDocument, action: string): PolicyDocument {
  expect(actionsOf(policy)).toContain(action);
  return {
    ...policy,
    Statement: policy.Statement.map((statement) => ({
      ...statement,
      Action: (typeof statement.Action === "string" ? [statement.Action] : statement.Action).filter(
        (name) => name !== action,
      ),
    })),
  };
}

/** An IAM user of moto whose one permission is its inline policy, and its access key. */
export interface Deployer {
  /** The user's name, which is also its profile's. */
  readonly name: string;
  /** Its inline policy ({@link DEPLOYER_POLICY_NAME}), exactly as given; `undefined`: none. */
  readonly policy: PolicyDocument | undefined;
  readonly key: AccessKeyPair;
  /** What moto refused this deployer's runs. */
  readonly refusals: RefusalLog;
}

/**
 * Makes IAM user `name` in moto holding `policy` as its only policy (none when `undefined`), and
 * an access key of it. The calls sign as the run's admin.
 */
export async function createDeployer(
  name: string,
  policy: PolicyDocument | undefined,
): Promise<Deployer> {
  const iam = adminIam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  if (policy !== undefined)
    await iam.send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: DEPLOYER_POLICY_NAME,
        PolicyDocument: JSON.stringify(policy),
      }),
    );
  const { AccessKey: key } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  if (key?.AccessKeyId === undefined || key.SecretAccessKey === undefined)
    throw new Error(`moto made ${name}'s access key without an id or secret`);
  return {
    name,
    policy,
    key: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
    refusals: new RefusalLog(),
  };
}

const ADMIN_IAM = verificationClient(IAMClient, import.meta.url);

/** The IAM client of the run's admin, in the run's one account. */
export function adminIam(): IAMClient {
  return ADMIN_IAM;
}

/**
 * Writes a shared credentials file with one profile per deployer (named after it) and points the
 * SDK's default credential chain at it, for the rest of the test file.
 *
 * Call it once, after every deployer of the file is made and before the first run: the SDK
 * reads a credentials file once per process and keeps what it read.
 * @returns the cleanup, which removes the file and restores the environment.
 */
export async function useProfiles(deployers: readonly Deployer[]): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), "pcf-iam-profiles-"));
  const profiles = deployers.map(({ name, key }) =>
    [
      `[${name}]`,
      `aws_access_key_id = ${key.accessKeyId}`,
      `aws_secret_access_key = ${key.secretAccessKey}`,
    ].join("\n"),
  );
  await writeFile(join(dir, "credentials"), `${profiles.join("\n\n")}\n`);
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(dir, "credentials"));
  // No config file: nothing but these profiles reaches the clients.
  vi.stubEnv("AWS_CONFIG_FILE", join(dir, "config"));
  vi.stubEnv("AWS_PROFILE", undefined);
  vi.stubEnv("AWS_ACCESS_KEY_ID", undefined);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", undefined);
  vi.stubEnv("AWS_SESSION_TOKEN", undefined);
  return async () => {
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  };
}

/**
 * The provider options of a run as `deployer`: the run's moto, its one account, the deployer's
 * profile (its key and nothing else), one attempt per call, and on every client its refusal log
 * and the path spelling moto's signature check needs (`sendPathColonsUnescaped`).
 */
export function deployerOptions(
  deployer: Deployer,
  testFileUrl: string,
): { aws: AwsProviderOptions } {
  const { aws } = awsTestOptions(testFileUrl, {
    configureClient: (client) => {
      sendPathColonsUnescaped(client);
      deployer.refusals.attach(client);
    },
  });
  return { aws: { ...aws, profile: deployer.name } };
}
