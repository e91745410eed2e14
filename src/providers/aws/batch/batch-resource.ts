import { BatchClient, TagResourceCommand, UntagResourceCommand } from "@aws-sdk/client-batch";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import type { State } from "../../../core/state.js";
import type { BackoffOptions } from "../../../core/wait.js";
import type { TagChanges } from "../../kit/tags.js";
import { AWSResource } from "../resource.js";

/**
 * What the two Batch flavors share (`batch_compute_environment`, `batch_job_queue`): both are
 * found by name with one describe per region naming up to 100 of them, whose answer carries the
 * tags; both are ENABLED or DISABLED (their stopped form), go through CREATING, UPDATING and
 * DELETING, and must be disabled before AWS deletes them.
 */

/** Describe calls name at most 100 environments or queues. */
export const BATCH_DESCRIBE_LIMIT = 100;

/**
 * `state`: ENABLED or DISABLED, as PCF's files write it. Not compared: the particle's desired
 * state decides it (running: ENABLED, stopped: DISABLED), and stop and start change it.
 */
export const batchStateSchema = z.enum(["ENABLED", "DISABLED"]).optional();

/** Batch answers every client error with this one code, whatever the cause. */
export const BATCH_CLIENT_ERROR = ["ClientException"];

/** What the family reads of a live environment or queue. */
export interface BatchLive {
  readonly state?: string | undefined;
  readonly status?: string | undefined;
}

/** CREATING, UPDATING and DELETING are pending; otherwise DISABLED is stopped, ENABLED running. */
export function batchStateOf({ state, status }: BatchLive): State {
  if (status === "CREATING" || status === "UPDATING" || status === "DELETING") return "pending";
  return state === "DISABLED" ? "stopped" : "running";
}

/** A resource Batch still lists after its deletion: it counts as gone. */
export function isDeleted({ status }: BatchLive): boolean {
  return status === "DELETED";
}

/** `name` from an ARN `arn:aws:batch:…:<kind>/<name>`; a name stays as it is. */
export function batchNameOf(identifier: unknown, kind: string): unknown {
  if (typeof identifier !== "string") return identifier;
  const marker = `:${kind}/`;
  const at = identifier.indexOf(marker);
  return identifier.startsWith("arn:") && at >= 0
    ? identifier.slice(at + marker.length)
    : identifier;
}

/**
 * The base of the Batch flavors: the client, the tags (a map, in the create call and in the
 * describe answer, changed by TagResource / UntagResource), the stopped form (`halt` and `resume`
 * set the state) and the delete (disable, wait until the state change is done, delete, wait
 * until gone).
 *
 * @typeParam D - The parsed `aws_resource` block.
 * @typeParam L - The describe answer of one environment or queue.
 */
export abstract class BatchResource<
  D extends Record<string, unknown>,
  L extends BatchLive,
> extends AWSResource<D, L, BatchClient> {
  static override readonly service: string = "batch";
  static override readonly Client = BatchClient;
  static override readonly readShape = "describe-by-key";
  /** Environments and queues take seconds to minutes to change state and to go. */
  static override readonly waitOptions: BackoffOptions = { minDelayMs: 500, maxDelayMs: 10_000 };
  static override readonly tagging = {
    field: "tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  // The deletes answer an empty `{}`: one that never reached Batch would look the same.
  static override readonly confirmsDeleteByRead: boolean = true;

  /** The live resource's ARN, which the tagging calls take. */
  protected abstract arnOf(live: L): string | undefined;

  /** Sets the live resource's state (UpdateComputeEnvironment, UpdateJobQueue). */
  protected abstract setState(
    client: BatchClient,
    live: L,
    state: "ENABLED" | "DISABLED",
    context: RunContext,
  ): Promise<void>;

  /** Sends the delete of a disabled resource. */
  protected abstract sendDelete(client: BatchClient, live: L, context: RunContext): Promise<void>;

  /** Disables it. */
  protected override async halt(client: BatchClient, live: L, context: RunContext): Promise<void> {
    await this.setState(client, live, "DISABLED", context);
  }

  /** Enables it. */
  protected override async resume(
    client: BatchClient,
    live: L,
    context: RunContext,
  ): Promise<void> {
    await this.setState(client, live, "ENABLED", context);
  }

  /**
   * Disables it unless it is, waits until that is done (Batch deletes only a disabled resource
   * whose status is settled), deletes it unless it is already being deleted, and waits until it
   * is gone, so that its name is free when terminate ends.
   */
  protected override async remove(
    client: BatchClient,
    live: L,
    context: RunContext,
  ): Promise<void> {
    if (live.status !== "DELETING") {
      if (live.state !== "DISABLED") await this.setState(client, live, "DISABLED", context);
      if (live.state !== "DISABLED" || batchStateOf(live) === "pending")
        await this.waitUntil(
          context,
          "be disabled",
          (now) =>
            now === undefined || (now.state === "DISABLED" && batchStateOf(now) !== "pending"),
        );
      await this.sendDelete(client, live, context);
    }
    await this.waitUntil(context, "be deleted", (now) => now === undefined);
  }

  protected override async writeTags(
    client: BatchClient,
    live: L,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const resourceArn = this.arnOf(live);
    if (remove.length > 0)
      await client.send(new UntagResourceCommand({ resourceArn, tagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new TagResourceCommand({ resourceArn, tags: set }), {
        abortSignal: signal,
      });
  }
}
