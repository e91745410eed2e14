import { IAMClient } from "@aws-sdk/client-iam";
import * as z from "zod";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { OperationErrors } from "../../kit/facts.js";
import { isNotFound } from "../errors.js";
import { AWSResource } from "../resource.js";

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
const IAM_ERRORS: OperationErrors = {
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

/**
 * The base of the IAM flavors (`iam_policy`, `iam_role`): what they share as facts. IAM is global
 * (the particle's region only picks the client's endpoint), has no stopped form, lists every
 * resource of the account in one paged call, and takes the tags, ownership tag included, in the
 * create call; a complete read (GetPolicy, GetRole) answers them. Tags are written as a map or a
 * `{ Key, Value }` list.
 */
export abstract class IamResource<D extends Record<string, unknown>, L> extends AWSResource<
  D,
  L,
  IAMClient
> {
  static override readonly service: string = "iam";
  static override readonly Client = IAMClient;
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly operationErrors = IAM_ERRORS;
  // DeletePolicy and DeleteRole answer nothing: an empty 200 that never reached IAM looks the same.
  static override readonly confirmsDeleteByRead: boolean = true;
}

/** Every item of every page of `pages` (an SDK paginator). */
export async function collect<P, T>(
  pages: AsyncIterable<P>,
  items: (page: P) => readonly T[] | undefined,
): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...(items(page) ?? []));
  return all;
}

/** Runs `call`; a not-found failure (the thing is already gone) counts as done. */
export async function unlessNotFound(call: Promise<unknown>): Promise<void> {
  await call.catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
}
