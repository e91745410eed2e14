import type { ParticleDefinition } from "../../../src/index.js";
import { ComputeInstance } from "../../../src/providers/gcp/compute/instance.js";
import { uniqueName } from "../../support/aws.js";
import { TEST_ZONE, gcpProject, registerProject, verificationCompute } from "../../support/gcp.js";
import type { ConformanceSpec } from "../spec.js";
import { gcpBackend } from "./backend.js";

const { instances, operations } = verificationCompute();
const project = gcpProject(import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, `vm-${label}`);
}

function vm(
  label: string,
  fields: { team: string; machineType?: string; description?: string },
): ParticleDefinition {
  return {
    pcf_name: label,
    flavor: "compute",
    gcp_resource: {
      name: name(label),
      machineType: fields.machineType ?? "e2-micro",
      labels: { team: fields.team },
      description: fields.description ?? "web",
      custom_config: { project, zone: TEST_ZONE },
    },
  };
}

/** Reads `label`'s instance with the second client; `undefined` when it is gone. */
async function read(label: string): Promise<Record<string, unknown> | undefined> {
  try {
    const [instance] = await instances.get({ project, zone: TEST_ZONE, instance: name(label) });
    return instance as Record<string, unknown>;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/**
 * compute: labels and the machine type update in place (the machine type by a stop, the change
 * and a start); the description is fixed; a stopped VM reads TERMINATED, its stopped form.
 */
export const computeInstanceSpec: ConformanceSpec = {
  flavor: ComputeInstance,
  backend: gcpBackend,
  testFileUrl: import.meta.url,
  beforeAll: () => registerProject(project),
  definition: (label) => vm(label, { team: "data" }),
  verify: async (label) => {
    const instance = await read(label);
    if (instance === undefined) return undefined;
    const labels = (instance["labels"] ?? {}) as Record<string, string>;
    return {
      status: instance["status"],
      machineType: String(instance["machineType"]).split("/").pop(),
      description: instance["description"],
      team: labels["team"],
      owner: labels["pcf-managed-by"],
    };
  },
  drift: {
    apply: async (label) => {
      const [instance] = await instances.get({ project, zone: TEST_ZONE, instance: name(label) });
      const [operation] = await instances.setLabels({
        project,
        zone: TEST_ZONE,
        instance: name(label),
        instancesSetLabelsRequestResource: {
          labels: { ...instance.labels, team: "hacked" },
          labelFingerprint: instance.labelFingerprint ?? "",
        },
      });
      await waitDone(String(operation.latestResponse.name));
    },
    field: "team",
  },
  update: {
    definition: (label) => vm(label, { team: "ml", machineType: "e2-small" }),
    expected: { team: "ml", machineType: "e2-small", status: "RUNNING", owner: "particle-cloud" },
  },
  replace: {
    definition: (label) => vm(label, { team: "ml", machineType: "e2-small", description: "api" }),
    field: "description",
    expected: { description: "api", machineType: "e2-small", team: "ml", status: "RUNNING" },
  },
  stop: { stopped: { status: "TERMINATED" }, running: { status: "RUNNING" } },
  createForeign: async (label) => {
    const [operation] = await instances.insert({
      project,
      zone: TEST_ZONE,
      instanceResource: {
        name: name(label),
        machineType: `zones/${TEST_ZONE}/machineTypes/e2-micro`,
        description: "web",
        labels: { team: "data" },
      },
    });
    await waitDone(String(operation.latestResponse.name));
  },
  createOperation: "instances.insert",
};

/** Waits until the zone operation `operation` is done. */
async function waitDone(operation: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const [current] = await operations.wait({ project, zone: TEST_ZONE, operation });
    if (current.status === "DONE") return;
  }
  throw new Error(`operation ${operation} never finished`);
}
