import type { IamGap, LeastPrivilegeStep } from "./least-privilege.js";

/**
 * moto signs a query as it arrives, unescaped (`Resource=arn:aws:cloudfront::…:distribution/ID`),
 * where the SDK signs it escaped: no request with an ARN in its query passes moto's signature
 * check, the admin's no more than a deployer's. CloudFront's tag calls (`GET
 * /2020-05-31/tagging?Resource=ARN`) are such requests, and every step after the create reads
 * the distribution's tags first.
 */
const CLOUDFRONT_TAGS: Omit<IamGap, "step"> = {
  reason: "moto fails the signature of a query holding an ARN: ListTagsForResource",
  refusals: ["ListTagsForResource: SignatureDoesNotMatch"],
  failure: /read the tags of cloudfront "[^"]+" failed: UnknownError/,
};

const AFTER_CREATE: readonly LeastPrivilegeStep[] = ["update", "stop-start", "terminate"];

/**
 * The steps moto cannot check as AWS would, by flavor: each still runs, and must end as its entry
 * says. The moto gaps the conformance suite already records (a call moto lacks) come from each
 * spec's `knownGaps`; these are moto's IAM's own.
 */
export const IAM_GAPS: Readonly<Record<string, readonly IamGap[]>> = {
  cloudfront: AFTER_CREATE.map((step) => ({ step, ...CLOUDFRONT_TAGS })),
};
