import * as z from "zod";
import type { State } from "../../../core/state.js";
import type { OperationErrors } from "../../kit/facts.js";
import { labelMapSchema } from "../labels.js";
import { gcpCustomConfigSchema } from "../resource.js";

/** The definition of a `compute` particle, the reasons of its calls, and its states. */

/** The `gcp_resource` block of a `compute` particle: the instance resource of `instances.insert`. */
export const computeInstanceSchema = z.looseObject({
  /** The instance's name (`[a-z]([-a-z0-9]{0,61}[a-z0-9])?`), unique in its zone. Required: the unique key. */
  name: z
    .string()
    .regex(
      /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
      "expected a lowercase name of up to 63 of a-z 0-9 -",
    ),
  /**
   * The machine type: its name (`e2-micro`) or a partial URL (`zones/us-central1-a/machineTypes/e2-micro`).
   * Required. Changes in place: the instance is stopped, changed, and started again if it is to run.
   */
  machineType: z.string().min(1),
  /**
   * The instance's whole label set. Labels not listed are removed on update; the
   * `pcf-managed-by` ownership label is always kept. Default: not compared. Changes in place.
   */
  labels: labelMapSchema.optional(),
  /** A description. Fixed at creation: a change replaces the instance (with `replace_on_change`) or is refused. */
  description: z.string().optional(),
  /**
   * `project` and `zone` (PCF's fields; defaults `providerOptions.gcp.projectId` / `zone`, then
   * the environment), `adopt`, `replace_on_change`: see {@link gcpCustomConfigSchema}.
   */
  custom_config: gcpCustomConfigSchema.extend({ zone: z.string().min(1).optional() }).optional(),
});

/**
 * What a user writes in the `gcp_resource` block of a `compute` particle. Fields beyond those
 * listed (`disks`, `networkInterfaces`, `serviceAccounts`, …) go to `instances.insert` as written
 * and are not compared afterwards.
 */
export type ComputeInstanceDefinition = z.infer<typeof computeInstanceSchema>;

/** The reasons of the instance calls, by class. */
export const INSTANCE_ERRORS: OperationErrors = {
  "instances.insert": { alreadyExists: ["alreadyExists"], invalid: ["invalid", "required"] },
  "instances.get": { notFound: ["notFound"] },
  "instances.delete": { notFound: ["notFound"] },
  "instances.stop": { notFound: ["notFound"] },
  "instances.start": { notFound: ["notFound"] },
  "instances.resume": { notFound: ["notFound"] },
  "instances.setLabels": { notFound: ["notFound"], wrongState: ["conditionNotMet"] },
  "instances.setMachineType": { notFound: ["notFound"], wrongState: ["invalid"] },
};

/** Compute Engine statuses and the state each maps to; a stopped instance reads `TERMINATED`. */
export const STATES: Readonly<Record<string, State>> = {
  RUNNING: "running",
  TERMINATED: "stopped",
  STOPPED: "stopped",
  SUSPENDED: "stopped",
  PROVISIONING: "pending",
  STAGING: "pending",
  STOPPING: "pending",
  SUSPENDING: "pending",
  REPAIRING: "pending",
};

/** `e2-micro` from a machine type's name, partial or full URL. */
export function shortMachineType(machineType: string | null | undefined): string | undefined {
  return machineType?.slice(machineType.lastIndexOf("/") + 1);
}

/** The partial URL `instances.insert` and `setMachineType` take: `zones/<zone>/machineTypes/<name>`. */
export function machineTypePath(zone: string, machineType: string): string {
  return machineType.includes("/") ? machineType : `zones/${zone}/machineTypes/${machineType}`;
}
