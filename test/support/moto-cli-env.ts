import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { TEST_CREDENTIALS, TEST_REGION, motoAccountId, motoEndpoint } from "./aws.js";

/**
 * The environment of a `pcf` process that acts in the moto account of `testFileUrl`. The binary
 * cannot add moto's account header; the credentials of a role assumed in that account put its
 * calls there instead.
 */
export async function motoAccountEnv(
  testFileUrl: string,
  roleName: string,
): Promise<Record<string, string>> {
  const sts = new STSClient({
    region: TEST_REGION,
    endpoint: motoEndpoint(),
    credentials: TEST_CREDENTIALS,
  });
  try {
    const { Credentials: credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${motoAccountId(testFileUrl)}:role/${roleName}`,
        RoleSessionName: roleName,
      }),
    );
    return {
      AWS_ACCESS_KEY_ID: credentials?.AccessKeyId ?? "",
      AWS_SECRET_ACCESS_KEY: credentials?.SecretAccessKey ?? "",
      AWS_SESSION_TOKEN: credentials?.SessionToken ?? "",
      AWS_REGION: TEST_REGION,
    };
  } finally {
    sts.destroy();
  }
}
