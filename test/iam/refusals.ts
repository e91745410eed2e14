import type { AwsClient } from "../../src/providers/aws/options.js";

/** A call moto refused on IAM's grounds: the action is not allowed, or the signature failed. */
export interface Refusal {
  /** The SDK command without its `Command` suffix: `CreateQueue`. */
  readonly operation: string;
  /** moto's error code: `AccessDenied`, `SignatureDoesNotMatch`, `InvalidClientTokenId`, … */
  readonly code: string;
  /**
   * For a denial, the IAM action moto checked, as its message names it (`sqs:CreateQueue`);
   * `undefined` for S3, whose denial (`Access Denied`, or a bodiless 403 to a HEAD) names none.
   */
  readonly action: string | undefined;
}

/** The codes of moto's refusals, in the XML `ErrorResponse` it answers every API with. */
const REFUSAL_CODE =
  /<Code>(AccessDenied|AccessDeniedException|SignatureDoesNotMatch|InvalidClientTokenId|InvalidAccessKeyId|AuthFailure)<\/Code>/;

/** moto's message names the action it checked: `… is not authorized to perform: sqs:CreateQueue`. */
const DENIED_ACTION = /is not authorized to perform: ([\w-]+:[\w*-]+)/;

/**
 * Records every call moto refuses to the clients it is attached to (a 403 naming a refusal, or
 * a bodiless 403 to a HEAD), leaving the answer as it was for the SDK to read.
 *
 * moto words every refusal as an XML `ErrorResponse`, which only the query-protocol APIs (EC2,
 * IAM, SNS, …) and S3 parse: the JSON APIs (SQS, DynamoDB, Lambda, …) fail to deserialize it,
 * and Route 53 and CloudFront read an `UnknownError`, so the error a run ends with may not name
 * the action. A denial a flavor recovers from (a fallback) ends no run at all. The log sees both.
 */
export class RefusalLog {
  private readonly refusals: Refusal[] = [];

  /** Add this to clients (through `configureClient`) to record their refusals. */
  readonly attach = (client: AwsClient): void => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const output = await next(args);
        const { response } = output;
        if (isHttpAnswer(response) && response.statusCode === 403) {
          const body = await bytesOf(response.body);
          // The SDK reads the body next: it gets the bytes read here.
          response.body = body;
          const text = new TextDecoder().decode(body);
          const code = text === "" ? "AccessDenied" : REFUSAL_CODE.exec(text)?.[1];
          if (code !== undefined)
            this.refusals.push({
              operation: (context.commandName ?? "unknown").replace(/Command$/, ""),
              code: code.replace(/Exception$/, ""),
              action: DENIED_ACTION.exec(text)?.[1],
            });
        }
        return output;
      },
      // Low in the deserialize step: next to the HTTP handler, before the SDK parses the answer.
      { step: "deserialize", priority: "low", name: "pcfIamRefusalLog" },
    );
  };

  /** The refusals recorded since the last call, oldest first; the log forgets them. */
  take(): Refusal[] {
    return this.refusals.splice(0);
  }
}

/**
 * How a refusal reads in an assertion: a denial by the action moto checked (`sqs:CreateQueue`,
 * or `HeadBucket: AccessDenied` where moto names none), anything else by its operation and code
 * (`ListTags: SignatureDoesNotMatch`).
 */
export function describeRefusal(refusal: Refusal): string {
  if (refusal.code === "AccessDenied" && refusal.action !== undefined) return refusal.action;
  return `${refusal.operation}: ${refusal.code}`;
}

/** The part of an HTTP answer the log reads and replaces. */
interface HttpAnswer {
  readonly statusCode: number;
  body: unknown;
}

function isHttpAnswer(value: unknown): value is HttpAnswer {
  return (
    typeof value === "object" &&
    value !== null &&
    "statusCode" in value &&
    typeof value.statusCode === "number"
  );
}

/** Every byte of an answer's body: a stream (read to its end) or bytes already read. */
async function bytesOf(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (typeof body === "object" && body !== null && Symbol.asyncIterator in body) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>)
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
  }
  return new Uint8Array();
}
