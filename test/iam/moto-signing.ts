import type { AwsClient } from "../../src/providers/aws/options.js";

/**
 * Makes moto's signature check agree with the SDK's signature of a path holding an ARN.
 *
 * moto recomputes a signature from the path it routes on, decoded
 * (`/2017-03-31/tags/arn:aws:lambda:…`), and escapes it once; the SDK signs the path it sends
 * (`arn%3Aaws%3Alambda…`), escaped again, as AWS does for every service but S3. Every call with
 * an ARN in its path (Lambda's tag calls) then fails with `SignatureDoesNotMatch`. A `:` may stand
 * unescaped in a path (RFC 3986 `pchar`), and AWS reads both spellings alike: sent as it is, the
 * two signatures agree and the request asks for the same thing.
 *
 * A query cannot be helped so: moto signs it as sent (`Resource=arn:aws:cloudfront::…`), the SDK
 * escaped, whatever the client sends (CloudFront's tag calls; see `known-gaps.ts`).
 */
export function sendPathColonsUnescaped(client: AwsClient): void {
  client.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { path?: unknown } | undefined;
      if (request !== undefined && typeof request.path === "string")
        request.path = request.path.replace(/%3A/gi, ":");
      return next(args);
    },
    // After the request is built, before it is signed (finalizeRequest).
    { step: "build", name: "pcfIamPathColons" },
  );
}
