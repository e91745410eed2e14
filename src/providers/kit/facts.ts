import type { TransitionName } from "../../core/particle.js";
import type { State } from "../../core/state.js";

/**
 * The facts a flavor declares as data (static fields of its class), beside the ones every
 * particle has (`flavor`, `uniqueKeys`, `definitionSchema`, `equivalentStates`, `fixedFields`).
 * The kit ({@link DeclaredResource}) reads them to batch reads, guard ownership, route updates
 * and refuse or replace fixed fields; the conformance suite and docs read them too.
 */

/** How a flavor's API finds its resources; the kit makes one such read per location. */
export type ReadShape =
  /** One paged list over the longest prefix common to the names (log groups, queues, IAM). */
  | "list-by-prefix"
  /** One paged list of everything, filtered by name (buckets, KMS aliases). */
  | "list-all"
  /** One describe filtered by the particles' name tags (EC2: instances, volumes, VPCs). */
  | "describe-by-tag"
  /** One describe naming every key at once (security groups by name). */
  | "describe-by-key"
  /** One get per particle: the API has no batch read (DynamoDB DescribeTable). */
  | "get-each";

/** Where a flavor's tags live and how ownership is recorded. */
export interface TagFacts {
  /** The resource block's field that holds the tags (`tags`, `Tags`), or its dot path (`custom_config.Tags`). */
  readonly field: string;
  /**
   * Where the ownership tag is written: `in-create`, by the create call itself (the resource is
   * never untagged); `after-create`, by a call after it, where the API takes none at create
   * (S3 on moto), so that a kill between the two leaves an untagged resource.
   */
  readonly ownershipWritten: "in-create" | "after-create";
  /** Where a read finds the tags: in the list answer, or in a call of their own per resource. */
  readonly readFrom: "list-answer" | "own-call";
}

/** The cloud API actions each transition calls (`logs:CreateLogGroup`), for least-privilege policies. */
export type ActionFacts = Readonly<
  Partial<Record<"read" | Exclude<TransitionName, "update"> | "update", readonly string[]>>
>;

/**
 * The kinds of failure a cloud call reports, classified per operation from the codes that
 * operation returns (see {@link OperationErrors}).
 */
export type ErrorClass =
  "notFound" | "alreadyExists" | "inUse" | "wrongState" | "throttled" | "invalid";

/**
 * The error codes of each operation, by class: `{ DeleteLogGroup: { notFound:
 * ["ResourceNotFoundException"] } }`. A code listed here is classified so for that operation
 * only; the provider's own table covers the codes every operation shares.
 */
export type OperationErrors = Readonly<
  Record<string, Readonly<Partial<Record<ErrorClass, readonly string[]>>>>
>;

/** What a read observed of one live resource: the kit assigns it to the particle. */
export interface Observation {
  /**
   * The resource's state: `running`, `stopped` or `pending` (a resource gone is not observed).
   * `terminated` for one still listed: either on its way out but able to come back (a key pending
   * deletion; the flavor then counts it live, `hasLiveResource`, and `start` runs `resume`), or
   * counting as gone (a broken volume), which the next `start` creates anew.
   */
  readonly state: State;
  /** The live resource in the shape of the resource block, as plan and update compare it. */
  readonly definition: Record<string, unknown>;
  /** Its tags, when the list answer carries them ({@link TagFacts.readFrom} `list-answer`). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The keys of a provider's provenance tags (`pcf:field`, `pcf:particle`, `pcf:depth` on AWS). */
export interface ProvenanceKeys {
  /** The tag naming the field (`Field.name`). */
  readonly field: string;
  /** The tag naming the particle, `flavor:pcf_name`. */
  readonly particle: string;
  /** The tag holding the particle's dependency depth. */
  readonly depth: string;
}

/** The keys of `keys` as a list; none for `undefined`. */
export function provenanceKeyList(keys: ProvenanceKeys | undefined): string[] {
  return keys === undefined ? [] : [keys.field, keys.particle, keys.depth];
}
