import * as z from "zod";
import type { OperationErrors } from "../../kit/facts.js";

/** An IAM path: `/`, or segments between slashes (`/team/app/`), up to 512 characters. */
export const iamPathSchema = z
  .string()
  .max(512)
  .regex(/^\/(?:[\u0021-\u007e]+\/)?$/, "expected a path that starts and ends with /, like /team/");

// The SDK names IAM's errors by their shapes: `NoSuchEntity` arrives as `NoSuchEntityException`.
const GONE = { notFound: ["NoSuchEntityException"] } as const;
const CREATED = {
  alreadyExists: ["EntityAlreadyExistsException"],
  invalid: ["MalformedPolicyDocumentException", "InvalidInputException", "LimitExceededException"],
} as const;

/** The codes of the IAM calls of `iam_policy` and `iam_role`, by class. */
export const IAM_ERRORS: OperationErrors = {
  CreatePolicy: CREATED,
  GetPolicy: GONE,
  GetPolicyVersion: GONE,
  ListEntitiesForPolicy: GONE,
  ListPolicyVersions: GONE,
  DeletePolicy: { ...GONE, inUse: ["DeleteConflictException"] },
  CreateRole: CREATED,
  GetRole: GONE,
  ListAttachedRolePolicies: GONE,
  ListInstanceProfilesForRole: GONE,
  DeleteRole: { ...GONE, inUse: ["DeleteConflictException"] },
};
