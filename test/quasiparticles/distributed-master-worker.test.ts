import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadQuasiparticle, type EngineEvent } from "../../src/index.js";
import type { DistributedMasterWorker } from "../../src/quasiparticles/distributed-master-worker.js";

/** The seed's DistributedMasterWorker, on local files: three masters, three workers. */
const cluster = {
  pcf_name: "example",
  flavor: "distributed_master_worker",
  custom_config: { master: "master" },
  particles: [
    {
      flavor: "local_file",
      pcf_name: "master",
      multiplier: 3,
      local_resource: { path: "master", content: "m" },
    },
    {
      flavor: "local_file",
      pcf_name: "worker",
      multiplier: 3,
      local_resource: { path: "worker", content: "w" },
    },
  ],
};

describe("distributed_master_worker on the local provider", () => {
  let baseDir = "";
  beforeEach(async () => {
    baseDir = await mkdtemp(join(tmpdir(), "pcf-dmw-"));
  });
  afterEach(async () => rm(baseDir, { recursive: true, force: true }));

  it("starts every master before any worker and removes every worker before any master", async () => {
    const quasi = await loadQuasiparticle<DistributedMasterWorker>(cluster);
    const log: string[] = [];
    const onEvent = (event: EngineEvent): void => {
      if (event.type === "transition.start") log.push(`start ${event.particle}`);
      if (event.type === "particle.done") log.push(`done ${event.particle}`);
    };
    const lastIndex = (prefix: string): number =>
      log.findLastIndex((entry) => entry.startsWith(prefix));
    const firstIndex = (prefix: string): number =>
      log.findIndex((entry) => entry.startsWith(prefix));

    quasi.setDesiredState("running");
    await quasi.apply({ providerOptions: { local: { baseDir } }, onEvent });
    expect(lastIndex("done local_file:master")).toBeLessThan(firstIndex("start local_file:worker"));
    expect(quasi.state).toBe("running");

    log.length = 0;
    quasi.setDesiredState("terminated");
    await quasi.apply({ providerOptions: { local: { baseDir } }, onEvent });
    expect(lastIndex("done local_file:worker")).toBeLessThan(firstIndex("start local_file:master"));
    expect(quasi.state).toBe("terminated");
  });
});
