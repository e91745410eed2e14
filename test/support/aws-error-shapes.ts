/**
 * AWS error answers as each service sends them, for the fault proxy: the shapes the SDK's
 * protocols parse, so a made-up throttling error is recognised as the real one would be.
 */

/** An HTTP answer the proxy makes up. */
export interface MadeAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * `service`'s throttling error (`throttle`) or internal error, in the shape the service sends:
 * EC2's query XML `<Response><Errors><Error>` (`RequestLimitExceeded`, 503), IAM's and STS's
 * `<ErrorResponse>` (`Throttling`, 400), S3's `<Error>` (`SlowDown`, 503), SQS's JSON 1.0 with
 * its query-compatible `x-amzn-query-error` header (`RequestThrottled`, 400), and the JSON 1.1
 * `__type` of Logs, KMS and DynamoDB (`ThrottlingException`, 400).
 */
export function serviceError(service: string, kind: "throttle" | "server-error"): MadeAnswer {
  const isThrottle = kind === "throttle";
  const requestId = "00000000-0000-4000-8000-00000000fa17";
  const message = isThrottle
    ? "Rate exceeded"
    : "We encountered an internal error. Please try again.";
  const xml = { "content-type": "text/xml" };
  switch (service) {
    case "ec2": {
      const code = isThrottle ? "RequestLimitExceeded" : "InternalError";
      return {
        status: isThrottle ? 503 : 500,
        headers: xml,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    }
    case "s3": {
      const code = isThrottle ? "SlowDown" : "InternalError";
      return {
        status: isThrottle ? 503 : 500,
        headers: { ...xml, "x-amz-request-id": requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
    }
    case "sqs": {
      const code = isThrottle ? "RequestThrottled" : "InternalError";
      return {
        status: isThrottle ? 400 : 500,
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "x-amzn-query-error": `${code};${isThrottle ? "Sender" : "Receiver"}`,
          "x-amzn-requestid": requestId,
        },
        body: JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }),
      };
    }
    case "iam":
    case "sts": {
      const code = isThrottle ? "Throttling" : "ServiceFailure";
      return {
        status: isThrottle ? 400 : 500,
        headers: xml,
        body: `<ErrorResponse><Error><Type>${isThrottle ? "Sender" : "Receiver"}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
    default: {
      const code = isThrottle ? "ThrottlingException" : "ServiceUnavailableException";
      return {
        status: isThrottle ? 400 : 500,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
        body: JSON.stringify({ __type: code, message }),
      };
    }
  }
}
