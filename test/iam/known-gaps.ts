import type { IamGap, LeastPrivilegeStep } from "./least-privilege.js";

/**
 * moto signs a query as it arrives, unescaped (`Resource=arn:aws:cloudfront::…:distribution/ID`),
 * where the SDK signs it escaped: no request with an ARN in its query passes moto's signature
 * check, the admin's no more than a deployer's. CloudFront's tag calls (`GET
 * /2020-05-31/tagging?Resource=ARN`) are such requests, and every step after the create reads
 * the distribution's tags first.
 */
const CLOUDFRONT_TAGS = {
  reason: "moto fails the signature of a query holding an ARN: ListTagsForResource",
  refusals: ["ListTagsForResource: SignatureDoesNotMatch"],
} as const;

const CLOUDFRONT_STEPS: readonly LeastPrivilegeStep[] = ["update", "stop-start", "terminate"];

/**
 * moto signs a path decoded, where the SDK signs it escaped twice: a path holding an ARN with a
 * `/` (`/v1/tags/arn:aws:batch:…:job-queue/NAME`) fails moto's signature check. A `:` can be sent
 * unescaped (`sendPathColonsUnescaped`), a `/` cannot: it would split the path. Batch's
 * TagResource, which adopting calls to write the ownership tag, is such a request.
 */
const BATCH_TAGS: IamGap = {
  step: "adopt",
  reason: "moto fails the signature of a path holding an ARN with a slash: TagResource",
  refusals: ["TagResource: SignatureDoesNotMatch"],
  failure: /update tags of batch_\w+ "[^"]+" failed: IncompleteAnswerError: TagResource/,
};

/**
 * The steps moto cannot check as AWS would, by flavor: each still runs, and must end as its entry
 * says. The moto gaps the conformance suite already records (a call moto lacks) come from each
 * spec's `knownGaps`; these are moto's IAM's own.
 */
export const IAM_GAPS: Readonly<Record<string, readonly IamGap[]>> = {
  cloudfront: [
    ...CLOUDFRONT_STEPS.map((step) => ({
      step,
      ...CLOUDFRONT_TAGS,
      failure: /read the tags of cloudfront "[^"]+" failed: UnknownError/,
    })),
    // The plan cannot read the tags either, so it gives no note naming `pcf apply --adopt`.
    { step: "adopt", ...CLOUDFRONT_TAGS, failure: /\(undefined and string\) is invalid/ },
  ],
  batch_compute_environment: [BATCH_TAGS],
  batch_job_queue: [BATCH_TAGS],
};
