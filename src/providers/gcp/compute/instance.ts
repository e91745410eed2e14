import type { RunContext } from "../../../core/run-context.js";
import { readPath } from "../../../core/values.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation } from "../../kit/facts.js";
import type { TagChanges } from "../../kit/tags.js";
import { gcpCall } from "../call.js";
import { withOwnershipLabel } from "../labels.js";
import { resolveZone } from "../location.js";
import { GCPResource } from "../resource.js";
import { computeClients, computeEndpoint, type ComputeClients, type IInstance } from "./client.js";
import {
  INSTANCE_ERRORS,
  STATES,
  computeInstanceSchema,
  machineTypePath,
  shortMachineType,
  type ComputeInstanceDefinition,
} from "./instance-schema.js";
import { changeAndWait, type OperationScope } from "./operations.js";

/**
 * A Compute Engine VM instance (PCF's `compute` flavor), found by its name in its project and
 * zone. `running` inserts it (or starts it when stopped), `stopped` stops it (Compute reports it
 * `TERMINATED`), `terminated` deletes it; every change waits for its zone operation. Labels
 * (`setLabels`, with the label fingerprint) and the machine type (`setMachineType`) change in
 * place; the machine type needs the instance stopped, so a running one is stopped, changed and
 * started again. The description is fixed. The ownership label goes in `instances.insert`.
 *
 * Reads are batched: one `instances.list` per project and zone, filtered on the names.
 */
export class ComputeInstance extends GCPResource<
  ComputeInstanceDefinition,
  IInstance,
  ComputeClients
> {
  static override readonly flavor: string = "compute";
  static override readonly service: string = "compute";
  static override readonly definitionSchema = computeInstanceSchema;
  static override readonly uniqueKeys: readonly string[] = ["gcp_resource.name"];
  static override readonly fixedFields: readonly string[] = ["description"];
  static override readonly inPlaceFields: readonly string[] = ["machineType", "labels"];
  static override readonly readShape = "describe-by-key";
  static override readonly tagging = {
    field: "labels",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "instances.insert";
  static override readonly operationErrors = INSTANCE_ERRORS;
  static override readonly actions = {
    read: ["compute.instances.list"],
    start: [
      "compute.instances.create",
      "compute.instances.start",
      "compute.instances.resume",
      "compute.zoneOperations.get",
    ],
    stop: ["compute.instances.stop", "compute.zoneOperations.get"],
    update: [
      "compute.instances.get",
      "compute.instances.setLabels",
      "compute.instances.setMachineType",
      "compute.instances.stop",
      "compute.instances.start",
      "compute.zoneOperations.get",
    ],
    terminate: ["compute.instances.delete", "compute.zoneOperations.get"],
  };

  protected override readonly updaters: FieldUpdaters<
    ComputeInstanceDefinition,
    IInstance,
    ComputeClients
  > = {
    machineType: (clients, live, { machineType }, context) =>
      this.changeMachineType(clients, live, machineType, context),
  };

  /** The instances of `names` in the particle's zone: one `instances.list` filtered on them. */
  protected override async list(
    clients: ComputeClients,
    names: readonly string[],
    context: RunContext,
  ): Promise<ReadonlyMap<string, IInstance>> {
    const filter = names.map((name) => `(name = "${name}")`).join(" OR ");
    const instances = await this.instancesWhere(clients, filter, context);
    const wanted = new Set(names);
    return new Map(
      instances
        .filter((instance) => wanted.has(instance.name ?? ""))
        .map((instance) => [instance.name ?? "", instance]),
    );
  }

  /**
   * Every instance in the particle's project and zone: `instances.list` unfiltered, every page.
   * What discovery makes of one holds the fields compared (not its disks or network interfaces,
   * which `instances.insert` takes as written): it plans no change, but would not recreate it.
   */
  protected override listAll(
    clients: ComputeClients,
    context: RunContext,
  ): Promise<readonly IInstance[]> {
    return this.instancesWhere(clients, "", context);
  }

  /** Its status as a state (a stopped instance reads `TERMINATED`: stopped), the machine type by name. */
  protected override observe(instance: IInstance, context: RunContext): Observation {
    const labels = { ...instance.labels };
    return {
      state: STATES[String(instance.status ?? "")] ?? "pending",
      definition: {
        name: instance.name,
        machineType: shortMachineType(instance.machineType),
        labels,
        description: instance.description ?? "",
        status: instance.status,
        selfLink: instance.selfLink,
        custom_config: this.placeOf(context),
      },
      tags: labels,
    };
  }

  /** `instances.insert` of the block (without `custom_config`), the ownership label added; waits until it runs. */
  protected override async create(
    clients: ComputeClients,
    { custom_config: _config, machineType, labels, ...rest }: ComputeInstanceDefinition,
    context: RunContext,
  ): Promise<IInstance> {
    const where = this.where(context);
    const instanceResource = {
      ...rest,
      machineType: machineTypePath(where.zone, machineType),
      labels: withOwnershipLabel(labels),
    };
    await changeAndWait(clients, this.scope(context), context, "instances.insert", () =>
      clients.instances.insert({ ...where, instanceResource }, clients.callOptions),
    );
    return this.fetch(clients, context);
  }

  /** `instances.delete`, waited for. */
  protected override async remove(
    clients: ComputeClients,
    _live: IInstance,
    context: RunContext,
  ): Promise<void> {
    await this.change(clients, context, "delete");
  }

  /** `instances.stop`, waited for: the instance is then `TERMINATED`. */
  protected override async halt(
    clients: ComputeClients,
    _live: IInstance,
    context: RunContext,
  ): Promise<void> {
    await this.change(clients, context, "stop");
  }

  /**
   * `instances.start`, waited for; a machine type the definition changed is set first, while
   * the instance is still stopped, so that it starts once, on the new type. A suspended
   * instance is resumed instead (`instances.resume`), its fields changed by the update after.
   */
  protected override async resume(
    clients: ComputeClients,
    live: IInstance,
    context: RunContext,
  ): Promise<void> {
    // A suspended VM comes back with `resume` (Compute refuses to start it), as it was.
    if (live.status === "SUSPENDED") return this.change(clients, context, "resume");
    const { machineType } = this.desiredDefinition();
    if (shortMachineType(live.machineType) !== shortMachineType(machineType))
      await this.setMachineType(clients, machineType, context);
    await this.change(clients, context, "start");
  }

  /** `instances.setLabels` of the whole set, with the fingerprint of a fresh read. */
  protected override async writeTags(
    clients: ComputeClients,
    _live: IInstance,
    { set, remove }: TagChanges,
    context: RunContext,
  ): Promise<void> {
    const current = await this.fetch(clients, context);
    const labels: Record<string, string> = { ...current.labels, ...set };
    for (const key of remove) delete labels[key];
    const labelFingerprint = current.labelFingerprint ?? "";
    await changeAndWait(clients, this.scope(context), context, "instances.setLabels", () =>
      clients.instances.setLabels(
        {
          ...this.target(context),
          instancesSetLabelsRequestResource: { labels, labelFingerprint },
        },
        clients.callOptions,
      ),
    );
  }

  protected override location(context: RunContext): string {
    const { project, zone } = this.where(context);
    return `${project}/${zone}`;
  }

  /** The project and the zone. */
  protected override placeOf(context: RunContext): Record<string, string> {
    return this.where(context);
  }

  protected override connect(_location: string, context: RunContext): Promise<ComputeClients> {
    return computeClients(context);
  }

  protected override endpoint(context: RunContext): string {
    return computeEndpoint(context);
  }

  /** The name, the machine type by name, the labels with ours, and the description when written. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { name, machineType, labels, description } = definition;
    return {
      name,
      machineType: typeof machineType === "string" ? shortMachineType(machineType) : machineType,
      labels: this.comparableTagsOf(labels),
      description,
    };
  }

  /**
   * `setMachineType`, which needs the instance stopped: a running one is stopped first and
   * started again afterwards when it is to run.
   */
  private async changeMachineType(
    clients: ComputeClients,
    live: IInstance,
    machineType: string,
    context: RunContext,
  ): Promise<void> {
    const wasRunning = live.status !== "TERMINATED" && live.status !== "STOPPED";
    if (wasRunning) await this.change(clients, context, "stop");
    await this.setMachineType(clients, machineType, context);
    if (wasRunning && this.desiredState === "running") await this.change(clients, context, "start");
  }

  /** `instances.setMachineType` of the stopped instance, waited for. */
  private async setMachineType(
    clients: ComputeClients,
    machineType: string,
    context: RunContext,
  ): Promise<void> {
    const resource = { machineType: machineTypePath(this.where(context).zone, machineType) };
    await changeAndWait(clients, this.scope(context), context, "instances.setMachineType", () =>
      clients.instances.setMachineType(
        { ...this.target(context), instancesSetMachineTypeRequestResource: resource },
        clients.callOptions,
      ),
    );
  }

  /** `instances.<verb>` of this particle's instance, waited for. */
  private async change(
    clients: ComputeClients,
    context: RunContext,
    verb: "delete" | "stop" | "start" | "resume",
  ): Promise<void> {
    await changeAndWait(clients, this.scope(context), context, `instances.${verb}`, () =>
      clients.instances[verb](this.target(context), clients.callOptions),
    );
  }

  /** `instances.list` in the particle's zone, every page, filtered by `filter` (`""`: all). */
  private async instancesWhere(
    clients: ComputeClients,
    filter: string,
    context: RunContext,
  ): Promise<IInstance[]> {
    const [instances] = await gcpCall("instances.list", context.signal, () =>
      clients.instances.list(
        { ...this.where(context), ...(filter === "" ? {} : { filter }) },
        { ...clients.callOptions, autoPaginate: true },
      ),
    );
    return instances;
  }

  /** `instances.get` of this particle's instance. */
  private async fetch(clients: ComputeClients, context: RunContext): Promise<IInstance> {
    const [instance] = await gcpCall("instances.get", context.signal, () =>
      clients.instances.get(this.target(context), clients.callOptions),
    );
    return instance;
  }

  private where(context: RunContext): { project: string; zone: string } {
    const zone = resolveZone(
      context,
      readPath(this.desiredStateDefinition, "custom_config.zone"),
      this.id,
    );
    return { project: this.project(context), zone };
  }

  private target(context: RunContext): { project: string; zone: string; instance: string } {
    return {
      ...this.where(context),
      instance: String(readPath(this.desiredStateDefinition, "name")),
    };
  }

  private scope(context: RunContext): OperationScope {
    return {
      ...this.where(context),
      particle: this.id,
      backoff: (this.constructor as typeof ComputeInstance).waitOptions,
    };
  }
}
