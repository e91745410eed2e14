/**
 * The seed's "extend a particle" example (PCF's developer quickstart): an `ec2_instance` with one
 * more operation, adding a security group to the live instance. Register the class to use the
 * flavor in files: `flavorRegistry.register(EC2Extended)`.
 */
import { EC2Client, ModifyInstanceAttributeCommand } from "@aws-sdk/client-ec2";
import { PcfError, type ProviderOptions } from "../../src/index.js";
import { withRunContext } from "../../src/core/run-context.js";
import { Ec2Instance } from "../../src/providers/aws/ec2/instance.js";
import { wrapAwsError } from "../../src/providers/aws/errors.js";

/** Options of {@link EC2Extended.addSecurityGroup}: what an `apply` would get. */
export interface AddSecurityGroupOptions {
  /** Settings per provider (`{ aws: { region, endpoint } }`), as for `apply`. */
  readonly providerOptions?: ProviderOptions;
  /** Aborts the calls in flight. */
  readonly signal?: AbortSignal;
}

/** An `ec2_instance` that can add a security group to its live instance. */
export class EC2Extended extends Ec2Instance {
  static override readonly flavor: string = "ec2_extended";

  /**
   * Adds `securityGroupId` to the live instance's security groups (ModifyInstanceAttribute
   * `Groups`), running or stopped. A group it already has changes nothing. When the definition
   * lists `SecurityGroupIds`, the group is added there too, so a later `apply` of this particle
   * keeps it instead of undoing it as drift.
   * @returns the instance's groups afterwards.
   * @throws PcfError `TRANSITION_FAILED` when there is no live instance, when the instance was not
   * created by particle-cloud (unless `custom_config.adopt`), or when the call fails.
   * @example
   * ```ts
   * const web = new EC2Extended({ pcf_name: "web", flavor: "ec2_extended", aws_resource: { … } });
   * await web.apply();
   * await web.addSecurityGroup("sg-0123456789abcdef0");
   * ```
   */
  addSecurityGroup(
    securityGroupId: string,
    options: AddSecurityGroupOptions = {},
  ): Promise<string[]> {
    return withRunContext(options, async (context) => {
      await this.syncState(context);
      const instanceId = this.instanceId;
      if (instanceId === undefined || (this.state !== "running" && this.state !== "stopped")) {
        throw new PcfError(
          "TRANSITION_FAILED",
          `cannot add a security group: ${this.resourceLabel()} is ${this.state ?? "unknown"}`,
          { particle: this.id },
        );
      }
      await this.beforeTransition("update", context);
      const current = this.currentStateDefinition["SecurityGroupIds"] as string[];
      if (current.includes(securityGroupId)) return current;
      const groups = [...current, securityGroupId];
      const client = await this.client(EC2Client, context);
      try {
        await client.send(
          new ModifyInstanceAttributeCommand({ InstanceId: instanceId, Groups: groups }),
          { abortSignal: context.signal },
        );
      } catch (error) {
        throw wrapAwsError(error, this.id, `add security group ${securityGroupId}`);
      }
      const template = this.templateDefinition;
      const listed = template["SecurityGroupIds"];
      if (Array.isArray(listed) && !listed.includes(securityGroupId))
        this.setDesiredStateDefinition({
          ...template,
          SecurityGroupIds: [...(listed as unknown[]), securityGroupId],
        });
      return groups;
    });
  }
}
