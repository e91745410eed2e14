import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Field, applyField, type ParticleDefinition } from "../../../src/index.js";
import { ComputeInstance } from "../../../src/providers/gcp/compute/instance.js";
import { uniqueName } from "../../support/aws.js";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";
import {
  TEST_ZONE,
  gcpEndpoint,
  gcpOperationOf,
  gcpProject,
  gcpTestOptions,
  registerProject,
  verificationCompute,
} from "../../support/gcp.js";

const { instances, operations } = verificationCompute();
const project = gcpProject(import.meta.url);
const name = uniqueName(import.meta.url, "vm-stopped");

function vm(machineType: string, team: string): Field {
  const definition: ParticleDefinition = {
    pcf_name: "stopped",
    flavor: "compute",
    gcp_resource: { name, machineType, labels: { team } },
  };
  return new Field([new ComputeInstance(definition)]).link();
}

async function live(): Promise<{ status: unknown; machineType: unknown; team: unknown }> {
  const [instance] = await instances.get({ project, zone: TEST_ZONE, instance: name });
  return {
    status: instance.status,
    machineType: instance.machineType?.split("/").pop(),
    team: instance.labels?.["team"],
  };
}

describe("compute: a stopped VM", () => {
  let proxy: FaultProxy;
  const providerOptions = (): ReturnType<typeof gcpTestOptions> =>
    gcpTestOptions(import.meta.url, { computeEndpoint: proxy.endpoint });

  beforeAll(async () => {
    await registerProject(project);
    proxy = await startFaultProxy({ target: gcpEndpoint(), operationOf: gcpOperationOf });
  });
  afterAll(() => proxy.stop());

  it("reads TERMINATED as stopped: stopping converges, and stays put", async () => {
    await applyField(vm("e2-micro", "data"), { providerOptions: providerOptions() });
    const stopped = await applyField(vm("e2-micro", "data"), {
      providerOptions: providerOptions(),
      desiredState: "stopped",
    });
    expect(stopped.particles[0]).toMatchObject({ state: "stopped", transitions: ["stop"] });
    expect(await live()).toMatchObject({ status: "TERMINATED" });
    const again = await applyField(vm("e2-micro", "data"), {
      providerOptions: providerOptions(),
      desiredState: "stopped",
    });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", state: "stopped" });
  });

  it("starting it sets a changed machine type while still stopped, then starts once", async () => {
    const stops = proxy.requests("instances.stop");
    const starts = proxy.requests("instances.start");
    const started = await applyField(vm("e2-medium", "ml"), { providerOptions: providerOptions() });
    expect(started.particles[0]).toMatchObject({
      state: "running",
      transitions: ["start", "update"],
    });
    expect(await live()).toEqual({ status: "RUNNING", machineType: "e2-medium", team: "ml" });
    expect(proxy.requests("instances.stop") - stops).toBe(0);
    expect(proxy.requests("instances.start") - starts).toBe(1);
  });

  it("reads a VM suspended behind its back as stopped, and resumes it to run", async () => {
    const [operation] = await instances.suspend({ project, zone: TEST_ZONE, instance: name });
    await operations.wait({
      project,
      zone: TEST_ZONE,
      operation: String(operation.latestResponse.name),
    });
    await operations.wait({
      project,
      zone: TEST_ZONE,
      operation: String(operation.latestResponse.name),
    });
    expect(await live()).toMatchObject({ status: "SUSPENDED" });
    const starts = proxy.requests("instances.start");
    const resumed = await applyField(vm("e2-medium", "ml"), { providerOptions: providerOptions() });
    expect(resumed.particles[0]).toMatchObject({ state: "running", transitions: ["start"] });
    expect(await live()).toEqual({ status: "RUNNING", machineType: "e2-medium", team: "ml" });
    expect(proxy.requests("instances.resume")).toBe(1);
    expect(proxy.requests("instances.start") - starts).toBe(0);
  });

  it("a running VM's machine type: stopped, changed, started again", async () => {
    const stops = proxy.requests("instances.stop");
    const updated = await applyField(vm("e2-small", "ml"), { providerOptions: providerOptions() });
    expect(updated.particles[0]).toMatchObject({ state: "running", transitions: ["update"] });
    expect(await live()).toEqual({ status: "RUNNING", machineType: "e2-small", team: "ml" });
    expect(proxy.requests("instances.stop") - stops).toBe(1);
    const terminated = await applyField(vm("e2-small", "ml"), {
      providerOptions: providerOptions(),
      desiredState: "terminated",
    });
    expect(terminated.particles[0]).toMatchObject({
      state: "terminated",
      transitions: ["terminate"],
    });
  });
});
