import { fileURLToPath } from "node:url";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import type { TestProject } from "vitest/node";
import { TEST_CREDENTIALS, TEST_REGION, type AccessKeyPair } from "../support/aws.js";
import { startMoto } from "../support/moto.js";

/** moto's default account: a request without an account header acts in it. */
export const MOTO_DEFAULT_ACCOUNT = "123456789012";

/** The user every verification client signs as, allowed every action. */
export const ADMIN_USER = "pcf-iam-admin";

/**
 * The requests moto serves before it enforces IAM (`INITIAL_NO_AUTH_ACTION_COUNT`): exactly the
 * three that make the admin ({@link bootstrapAdmin}). From the fourth on, every request needs
 * the signature of a user's key and that user's permission for its action.
 */
export const NO_AUTH_REQUESTS = 3;

/**
 * The IAM suite's moto_server (`vitest.iam.config.ts`): one of its own, enforcing IAM after the
 * admin is made. Every test file works in moto's default account, where the users and their keys
 * live (moto looks a key up in the account a request names, so a file's own account would know
 * none); the spec files' names stay unique to each file.
 * @returns the teardown, which stops the server by its pid.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startMoto({
    projectRoot: fileURLToPath(new URL("../../", import.meta.url)),
    env: { INITIAL_NO_AUTH_ACTION_COUNT: String(NO_AUTH_REQUESTS) },
  });
  try {
    const admin = await bootstrapAdmin(server.endpoint);
    project.provide("motoEndpoint", server.endpoint);
    project.provide("motoIam", { accountId: MOTO_DEFAULT_ACCOUNT, admin });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return () => server.stop();
}

/** Makes the admin with moto's unauthenticated requests: a user, its allow-all policy, its key. */
async function bootstrapAdmin(endpoint: string): Promise<AccessKeyPair> {
  const iam = new IAMClient({
    region: TEST_REGION,
    endpoint,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    await iam.send(new CreateUserCommand({ UserName: ADMIN_USER }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: ADMIN_USER,
        PolicyName: "everything",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
        }),
      }),
    );
    const { AccessKey: key } = await iam.send(new CreateAccessKeyCommand({ UserName: ADMIN_USER }));
    if (key?.AccessKeyId === undefined || key.SecretAccessKey === undefined)
      throw new Error("moto made the admin's access key without an id or secret");
    return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  } finally {
    iam.destroy();
  }
}
