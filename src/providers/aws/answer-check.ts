import { SMITHY_CONTEXT_KEY, type DeserializeMiddleware, type MetadataBearer } from "@smithy/types";
import { IncompleteAnswerError } from "../kit/create-once.js";

/**
 * Checks every answer an SDK client gets, before a flavor sees it.
 *
 * The AWS SDK takes an empty 200 body as success for every protocol the flavors use (query XML,
 * REST XML, JSON 1.0 and 1.1): the output just lacks its fields, so a read sees "nothing there"
 * and a create sees no id. An HTML 200 body (a gateway's page) is also success for the XML
 * protocols. A truncated body fails to parse, with a raw `SyntaxError` or "XML parse error"
 * that the SDK does not retry. Here each of these becomes an {@link IncompleteAnswerError}
 * marked retryable, so the SDK retries it as it would a 5xx, and `createOnce` treats it as an
 * answer that may have been lost.
 */

/** Where {@link checkAnswers} sits: around the SDK's deserializer, inside its retries. @internal */
export const ANSWER_CHECK_OPTIONS = {
  step: "deserialize",
  priority: "high",
  name: "pcfAnswerCheck",
} as const;

/**
 * Fails an answer that is a 2xx but not the operation's answer: empty where the operation
 * returns body fields (or any query-protocol answer), an HTML page, a REST answer that carried
 * none of its fields, headers included, or one that was cut short so that it does not parse.
 * @internal
 */
export const checkAnswers: DeserializeMiddleware<object, MetadataBearer> =
  (next, context) => async (args) => {
    const operation = operationName(context);
    try {
      const result = await next(args);
      const problem = answerProblem(result.response, result.output, {
        request: args.request,
        context,
      });
      if (problem !== undefined) throw incomplete(`${operation}: ${problem}`);
      return result;
    } catch (error) {
      if (isUnparsedAnswer(error))
        throw incomplete(`${operation}: the answer did not parse (${firstLine(error)})`, error);
      throw error;
    }
  };

function answerProblem(
  response: unknown,
  output: object | undefined,
  call: { readonly request: unknown; readonly context: object },
): string | undefined {
  if (!isSuccess(response)) return undefined;
  const headers = headersOf(response);
  const isEmpty = headers["content-length"] === "0";
  const requestType = headersOf(call.request)["content-type"] ?? "";
  const isJson = requestType.startsWith("application/x-amz-json");
  const isQuery = requestType.startsWith("application/x-www-form-urlencoded");
  const fields = outputFieldNames(call.context);
  const values = (output ?? {}) as Record<string, unknown>;
  // An XML parser reads an HTML page as a document with none of the answer's fields. (moto
  // labels its empty answers, 204s included, text/html: only a body counts; it labels its
  // REST-JSON answers, Lambda's, text/html too: one that carried its body fields parsed as JSON.)
  const hasBody = Number(headers["content-length"] ?? "0") > 0;
  const hasBodyFields = fields.body.some((field) => values[field] !== undefined);
  if (
    !isJson &&
    hasBody &&
    !hasBodyFields &&
    (headers["content-type"] ?? "").startsWith("text/html")
  )
    return "the answer is an HTML page";
  // A query-protocol answer (EC2, IAM, STS) is always a document, `<DeleteSubnetResponse>` too.
  if (isEmpty && isQuery) return "the answer is empty";
  // A REST operation declares its success status. Services answer some 200s with a 204 (S3's
  // PutBucketTagging), but one that declares 204 (S3's DeleteBucket) answers nothing else.
  if (successStatus(call.context) === 204 && statusOf(response) !== 204)
    return `the answer's status is ${statusOf(response)}, not 204`;
  // A REST answer (S3) carries its output in headers too: a `CreateBucket` answer without its
  // `Location` header was not made by S3.
  if (
    !isJson &&
    !isQuery &&
    fields.all.length > 0 &&
    fields.all.every((f) => values[f] === undefined)
  )
    return "the answer carried none of its fields";
  if (isEmpty && fields.body.length > 0) return "the answer is empty";
  return undefined;
}

/**
 * A parse failure of an answer, a success or an error alike (a cut-off error body is no more
 * the service's refusal than a cut-off success is its answer): the SDK's parser failed on it.
 */
function isUnparsedAnswer(error: unknown): error is Error {
  if (!(error instanceof Error) || error instanceof IncompleteAnswerError) return false;
  const response: unknown = (error as { $response?: unknown }).$response;
  return (
    statusOf(response) !== undefined &&
    (error instanceof SyntaxError || /XML parse error|Deserialization error/i.test(error.message))
  );
}

function incomplete(message: string, cause?: unknown): IncompleteAnswerError {
  const error = new IncompleteAnswerError(message, cause === undefined ? {} : { cause });
  // The SDK's retry strategy retries an error carrying `$retryable`, as a transient fault.
  Object.assign(error, { $retryable: {} });
  return error;
}

/**
 * The operation's output fields, all of them and those carried in the body (not in headers, and
 * not a streamed payload, which may be empty): read from the command's schema, which the SDK
 * keeps in the handler context.
 */
function outputFieldNames(context: object): { all: string[]; body: string[] } {
  const output = deref(operationSchema(context)?.[5]);
  if (!Array.isArray(output) || output[0] !== 3) return { all: [], body: [] };
  const names: unknown = output[4];
  const members: unknown = output[5];
  if (!Array.isArray(names) || !Array.isArray(members)) return { all: [], body: [] };
  const all = names.filter((name: unknown): name is string => typeof name === "string");
  return { all, body: all.filter((_name, index) => isBodyMember(members[index])) };
}

function isBodyMember(member: unknown): boolean {
  if (!Array.isArray(member)) return true;
  const traits: unknown = member[1];
  if (typeof traits === "number") return traits === 0;
  return (
    typeof traits !== "object" ||
    traits === null ||
    !["httpHeader", "httpPrefixHeaders", "httpResponseCode", "httpPayload"].some(
      (trait) => trait in traits,
    )
  );
}

/** The success status a REST operation declares in its `http` trait (`["DELETE", "/", 204]`). */
function successStatus(context: object): number | undefined {
  const traits: unknown = operationSchema(context)?.[3];
  const http: unknown =
    typeof traits === "object" && traits !== null
      ? (traits as Record<string, unknown>)["http"]
      : undefined;
  const status: unknown = Array.isArray(http) ? http[2] : undefined;
  return typeof status === "number" ? status : undefined;
}

function operationSchema(context: object): unknown[] | undefined {
  const smithy: unknown = (context as Record<string, unknown>)[SMITHY_CONTEXT_KEY];
  const schema: unknown =
    typeof smithy === "object" && smithy !== null
      ? (smithy as Record<string, unknown>)["operationSchema"]
      : undefined;
  return Array.isArray(schema) ? schema : undefined;
}

function operationName(context: object): string {
  const name: unknown = (context as Record<string, unknown>)["commandName"];
  return typeof name === "string" ? name.replace(/Command$/, "") : "the call";
}

function deref(ref: unknown): unknown {
  return typeof ref === "function" ? (ref as () => unknown)() : ref;
}

function isSuccess(response: unknown): boolean {
  const status = statusOf(response);
  return status !== undefined && status >= 200 && status < 300;
}

function statusOf(response: unknown): number | undefined {
  const status: unknown =
    typeof response === "object" && response !== null
      ? (response as Record<string, unknown>)["statusCode"]
      : undefined;
  return typeof status === "number" ? status : undefined;
}

function headersOf(response: unknown): Record<string, string | undefined> {
  const headers: unknown = (response as Record<string, unknown>)["headers"];
  if (typeof headers !== "object" || headers === null) return {};
  return Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [
      key.toLowerCase(),
      typeof value === "string" ? value : undefined,
    ]),
  );
}

function firstLine(error: Error): string {
  return error.message.split("\n")[0] ?? error.message;
}
