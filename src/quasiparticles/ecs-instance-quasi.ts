import { escapeText } from "../core/escape.js";
import { PcfError, listNames } from "../core/errors.js";
import type { Particle } from "../core/particle.js";
import { Quasiparticle } from "../core/quasiparticle.js";

/**
 * An EC2 instance joining an ECS cluster, as in PCF: an `ec2_instance`, an `ecs_cluster` and an
 * `ecs_instance` member; the `ecs_instance` gets the instance and the cluster as parents, so it
 * comes up after both (its start waits for the ECS agent the instance's user data starts to
 * register it) and is deregistered before either goes down. Members may keep the
 * quasiparticle's name (PCF's form: leave `pcf_name` out) or have names of their own; with
 * `multiplier`, each `ecs_instance` pairs with the `ec2_instance` of the same name.
 *
 * @example
 * ```yaml
 * pcf_name: workers
 * flavor: ecs_instance_quasi
 * particles:
 *   - { flavor: ecs_cluster, aws_resource: { clusterName: workers } }
 *   - flavor: ec2_instance
 *     aws_resource: { ImageId: ami-…, InstanceType: t3.micro, MaxCount: 1, MinCount: 1,
 *       UserData: "#!/bin/bash\necho ECS_CLUSTER=workers >> /etc/ecs/ecs.config\n",
 *       custom_config: { instance_name: workers } }
 *   - { flavor: ecs_instance, aws_resource: { attributes: [{ name: tier, value: web }] } }
 * ```
 */
export class EcsInstanceQuasi extends Quasiparticle {
  static override readonly flavor: string = "ecs_instance_quasi";

  /**
   * Makes the one `ecs_cluster` member and the matching `ec2_instance` member parents of every
   * `ecs_instance` member.
   * @throws PcfError `DEFINITION_INVALID` when there is not exactly one cluster, or an
   * `ecs_instance` has no `ec2_instance` of its name and more or fewer than one in all.
   */
  protected override linkParticles(): void {
    const clusters = this.field.getParticles({ flavor: "ecs_cluster" });
    const instances = this.field.getParticles({ flavor: "ec2_instance" });
    const members = this.field.getParticles({ flavor: "ecs_instance" });
    const [cluster] = clusters;
    if (cluster === undefined || clusters.length > 1 || members.length === 0)
      throw this.invalid(
        `expected one ecs_cluster member and at least one ecs_instance member, got ${escapeText(listNames(this.field.particles.map((particle) => particle.id)))}`,
      );
    for (const member of members) {
      const instance = this.instanceOf(member, instances);
      this.field.addParent(member, cluster);
      this.field.addParent(member, instance);
    }
  }

  /** The `ec2_instance` member of `member`'s name, else the only one. */
  private instanceOf(member: Particle, instances: readonly Particle[]): Particle {
    const named = instances.find((instance) => instance.name === member.name);
    if (named !== undefined) return named;
    const [only, ...others] = instances;
    if (only !== undefined && others.length === 0) return only;
    throw this.invalid(
      `${escapeText(member.id)} needs the ec2_instance member of its name, or a single ec2_instance member`,
    );
  }

  private invalid(message: string): PcfError {
    return new PcfError("DEFINITION_INVALID", message, {
      particle: `${this.flavor}:${this.definition.pcf_name}`,
      field: "particles",
    });
  }
}
