import { GoogleApiError } from "./http.js";

/**
 * Compute Engine's zone operations: every change to an instance answers an `Operation` at once
 * (`PENDING`), which turns `RUNNING` and then `DONE` after {@link OPERATION_MS}, when its effect
 * lands. `operations.get` reads one; `operations.wait` answers once it is done (at most 2 s,
 * then as it is, as Compute does after 2 minutes).
 */

/** How long an operation takes, start to `DONE`. */
export const OPERATION_MS = 120;
/** The part of it spent `PENDING`. */
const PENDING_MS = 30;
const WAIT_LIMIT_MS = 2000;

interface Operation {
  readonly resource: Record<string, unknown>;
  readonly insertedAt: number;
  readonly done: Promise<void>;
  finished: boolean;
}

/** The operations of every project and zone, by `project/zone/name`. */
export class ZoneOperations {
  private readonly operations = new Map<string, Operation>();
  private count = 0;

  /**
   * Starts an operation of `type` on `targetLink` that runs `effect` when it is done.
   * @returns the operation as its call answers it.
   */
  start(
    project: string,
    zone: string,
    type: string,
    target: { readonly link: string; readonly id: string },
    effect: () => void,
  ): Record<string, unknown> {
    this.count += 1;
    const name = `operation-${Date.now()}-${this.count}`;
    const zoneLink = `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`;
    const resource = {
      kind: "compute#operation",
      id: String(7000000000000 + this.count),
      name,
      zone: zoneLink,
      operationType: type,
      targetLink: target.link,
      targetId: target.id,
      user: "pcf-test@example.com",
      progress: 0,
      insertTime: new Date().toISOString(),
      selfLink: `${zoneLink}/operations/${name}`,
    };
    const operation: Operation = {
      resource,
      insertedAt: Date.now(),
      finished: false,
      done: new Promise<void>((resolve) => {
        setTimeout(() => {
          effect();
          operation.finished = true;
          resolve();
        }, OPERATION_MS).unref();
      }),
    };
    this.operations.set(`${project}/${zone}/${name}`, operation);
    return this.view(operation);
  }

  /** `operations.get`. */
  get(project: string, zone: string, name: string): Record<string, unknown> {
    return this.view(this.find(project, zone, name));
  }

  /** `operations.wait`: the operation once done, or as it is after the wait limit. */
  async wait(project: string, zone: string, name: string): Promise<Record<string, unknown>> {
    const operation = this.find(project, zone, name);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      operation.done,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, WAIT_LIMIT_MS))),
    ]);
    clearTimeout(timer);
    return this.view(operation);
  }

  private find(project: string, zone: string, name: string): Operation {
    const operation = this.operations.get(`${project}/${zone}/${name}`);
    if (operation === undefined)
      throw new GoogleApiError(
        404,
        "notFound",
        `The resource 'projects/${project}/zones/${zone}/operations/${name}' was not found`,
      );
    return operation;
  }

  private view(operation: Operation): Record<string, unknown> {
    if (operation.finished)
      return {
        ...operation.resource,
        status: "DONE",
        progress: 100,
        endTime: new Date().toISOString(),
      };
    const age = Date.now() - operation.insertedAt;
    return age < PENDING_MS
      ? { ...operation.resource, status: "PENDING" }
      : {
          ...operation.resource,
          status: "RUNNING",
          progress: 50,
          startTime: operation.resource["insertTime"],
        };
  }
}
