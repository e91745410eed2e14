import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunContext } from "../../../src/index.js";
import { awsClient } from "../../../src/providers/aws/clients.js";
import { isRequestTimeout, wrapAwsError } from "../../../src/providers/aws/errors.js";
import { readAwsOptions, type AwsProviderOptions } from "../../../src/providers/aws/options.js";
import { TEST_REGION } from "../../support/aws.js";

// A loopback server that accepts connections and never answers: what a hung endpoint looks like.
const sockets: Socket[] = [];
const server = createServer((socket) => void sockets.push(socket));
let endpoint: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function listQueuesWith(aws: AwsProviderOptions): Promise<unknown> {
  const context = createRunContext({ providerOptions: { aws: { endpoint, ...aws } } });
  try {
    const client = await awsClient(SQSClient, context, TEST_REGION);
    return await client.send(new ListQueuesCommand({})).catch((error: unknown) => error);
  } finally {
    context.close();
  }
}

describe("providerOptions.aws.requestTimeoutMs", () => {
  it("ends each attempt of an unanswered request at the timeout", async () => {
    const before = sockets.length;

    const error = await listQueuesWith({ requestTimeoutMs: 100, maxAttempts: 2 });

    expect(isRequestTimeout(error)).toBe(true);
    expect(sockets.length - before).toBe(2);
    const wrapped = wrapAwsError(error, "sqs_queue:mute", "list queues");
    expect(wrapped.code).toBe("TRANSITION_FAILED");
    expect(wrapped.message).toMatch(
      /^list queues failed: no answer within the request timeout, 2 attempts \(--request-timeout, providerOptions\.aws\.requestTimeoutMs\): .*100 ms/,
    );
  });

  it("rejects a negative timeout naming the option", () => {
    const context = createRunContext({ providerOptions: { aws: { requestTimeoutMs: -1 } } });

    expect(() => readAwsOptions(context)).toThrow(
      expect.objectContaining({
        code: "DEFINITION_INVALID",
        where: { field: "providerOptions.aws.requestTimeoutMs" },
      }),
    );
  });
});
