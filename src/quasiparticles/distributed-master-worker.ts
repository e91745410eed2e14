import { escapeText } from "../core/escape.js";
import { PcfError, listNames } from "../core/errors.js";
import { Quasiparticle } from "../core/quasiparticle.js";

/**
 * A cluster of master and worker particles, as in PCF's quickstart: every member whose
 * `pcf_name` contains `custom_config.master` is a master; every other member gets all masters as
 * parents, so all masters are running before any worker starts, and workers stop before masters.
 * Works with any flavor (`ec2_instance`, `local_process`, …).
 *
 * @example
 * ```yaml
 * pcf_name: kafka
 * flavor: distributed_master_worker
 * custom_config: { master: master-ec2 }
 * particles:
 *   - { flavor: ec2_instance, pcf_name: master-ec2, multiplier: 3, aws_resource: { … } }
 *   - { flavor: ec2_instance, pcf_name: worker-ec2, multiplier: 3, aws_resource: { … } }
 * ```
 */
export class DistributedMasterWorker extends Quasiparticle {
  static override readonly flavor: string = "distributed_master_worker";

  /** The substring that marks a master's `pcf_name`. */
  get master(): string {
    const master = this.customConfig.master;
    if (typeof master !== "string" || master === "") {
      throw new PcfError(
        "DEFINITION_INVALID",
        "expected the name (or part of it) of the master particles",
        {
          particle: `${this.flavor}:${this.definition.pcf_name}`,
          field: "custom_config.master",
        },
      );
    }
    return master;
  }

  /**
   * Makes every master a parent of every worker.
   * @throws PcfError `DEFINITION_INVALID` on `custom_config.master` when no member is a master.
   */
  protected override linkParticles(): void {
    const masters = this.field.particles.filter((particle) => particle.name.includes(this.master));
    const workers = this.field.particles.filter((particle) => !particle.name.includes(this.master));
    if (masters.length === 0) {
      throw new PcfError(
        "DEFINITION_INVALID",
        `no member's pcf_name contains "${escapeText(this.master)}" (members: ${escapeText(listNames(this.field.particles.map((particle) => particle.id)))})`,
        {
          particle: `${this.flavor}:${this.definition.pcf_name}`,
          field: "custom_config.master",
        },
      );
    }
    for (const worker of workers)
      for (const master of masters) this.field.addParent(worker, master);
  }
}
