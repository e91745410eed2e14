import {
  EC2Client,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import { isDeepStrictEqual } from "node:util";
import { diffDefinitions } from "../../../core/diff.js";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import type { State } from "../../../core/state.js";
import { isPlainObject, readPath } from "../../../core/values.js";
import type { BackoffOptions } from "../../../core/wait.js";
import { required } from "../../kit/create-once.js";
import { sendWithToken } from "../../kit/idempotency-token.js";
import { onlyNamed } from "../ec2-describe.js";
import { updateEc2Tags } from "../ec2-tags.js";
import { isNotFound, wrapAwsError } from "../errors.js";
import { LegacyAWSResource } from "../legacy-resource.js";
import { PCF_NAME_TAG, comparableTags, hasOwnershipTag, tagsFromList } from "../tags.js";
import { LIVE_INSTANCE_STATES, describeInstances, groupByPcfName } from "./describe.js";
import {
  ec2InstanceSchema,
  requestedTags,
  toRunInput,
  type Ec2InstanceDefinition,
} from "./instance-definition.js";
import { changeType, stopAndWait, type InstanceCallScope } from "./instance-resize.js";
import { USERDATA_FINISHED_TAG, renderUserData } from "./instance-user-data.js";

export {
  ec2InstanceConfigSchema,
  ec2InstanceSchema,
  type Ec2InstanceDefinition,
} from "./instance-definition.js";

/**
 * An EC2 instance, found by its `PCFName` tag (= `custom_config.instance_name`) among the live
 * instances of its region: never by a remembered id, so an instance terminated and launched
 * again is found afresh. Two live instances with one name fail the read.
 *
 * Created with RunInstances carrying all its tags (PCFName, ownership, `custom_config.tags`), so
 * it is never untagged. Stop and start are real. Updated in place: the tags, the security groups
 * (ModifyInstanceAttribute, no restart), the metadata options (ModifyInstanceMetadataOptions, no
 * restart) and the instance type, which AWS changes only on a stopped
 * instance: a running one is stopped, changed and started again (downtime), and only when the type
 * differs. Everything else (ImageId, SubnetId, KeyName, UserData, BlockDeviceMappings, …) applies
 * at launch only and is not compared: terminate and run again to change it.
 *
 * Reads are batched: one DescribeInstances per region for all instances of a run, filtered on
 * their names and on the live states (moto renders every instance of the account otherwise).
 *
 * Client token: derived from the particle's id and the launch's input (see `idempotencyToken`),
 * so a retried launch, a re-run after a timeout or a second process launching the same particle
 * gets the first instance back instead of a second one. When AWS answers the token with an
 * instance since terminated (a token outlives its instance), the launch is sent again with the
 * next token of the chain, derived from that instance's id. Between launch and the first
 * read that finds it by its tag (AWS lists new instances with a delay), the instance is read by
 * the id RunInstances returned, and a read that finds it neither way is `pending`.
 *
 * @example
 * ```ts
 * const web = new Ec2Instance({
 *   pcf_name: "web",
 *   flavor: "ec2_instance",
 *   aws_resource: {
 *     ImageId: "$lookup$ami$al2023-ami-2023.*-x86_64",
 *     InstanceType: "t3.micro",
 *     custom_config: { instance_name: "web-1", tags: { team: "data" }, userdata_bash: true },
 *     UserData: "dnf install -y nginx && systemctl start nginx",
 *   },
 * });
 * await web.apply();
 * ```
 */
export class Ec2Instance extends LegacyAWSResource<Ec2InstanceDefinition> {
  static override readonly flavor: string = "ec2_instance";
  static override readonly service: string = "ec2";
  static override readonly uniqueKeys: readonly string[] = [
    "aws_resource.custom_config.instance_name",
  ];
  static override readonly definitionSchema = ec2InstanceSchema;
  static override readonly waitOptions: BackoffOptions = { minDelayMs: 200, maxDelayMs: 10_000 };
  /**
   * Instance polls wait up to 50 ms for others to share their DescribeInstances: EC2 throttles
   * describes hard, an instance takes seconds to boot, and RunInstances answers come back spread
   * out (on moto, over 300 ms for ten), so a wider window than the AWS default saves calls.
   */
  static override readonly readBatchWindowMs: number = 50;

  /** The live instance's id, from the last read; transitions act on it. */
  protected instanceId: string | undefined = undefined;
  /** The live tags, from the last read. */
  private currentTags: Record<string, string> = {};
  /** The launch not yet seen by a read: the instance's id RunInstances returned. */
  private launch: { readonly instanceId: string | undefined } | undefined;

  /** Reads every instance of `particles`: one DescribeInstances per region, by name and live state. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const instances = particles.filter(
      (particle): particle is Ec2Instance => particle instanceof Ec2Instance,
    );
    await Ec2Instance.readByRegion(instances, context, EC2Client, async (group, client, region) => {
      const names = group.map((instance) => instance.instanceName);
      const byName = groupByPcfName(
        await Ec2Instance.listFor(group, `describe by tag:${PCF_NAME_TAG}`, () =>
          describeInstances(client, `tag:${PCF_NAME_TAG}`, names, context.signal, [
            LIVE_INSTANCE_STATES,
          ]),
        ),
      );
      const unseen = group.flatMap((instance) =>
        instance.launch?.instanceId !== undefined && !byName.has(instance.instanceName)
          ? [instance.launch.instanceId]
          : [],
      );
      const launched = await Ec2Instance.listFor(group, "describe by instance-id", () =>
        describeInstances(client, "instance-id", unseen, context.signal),
      );
      await readEach(group, (instance) =>
        instance.applyRead(
          byName.get(instance.instanceName) ?? [],
          launched.find((found) => found.InstanceId === instance.launch?.instanceId),
          region,
        ),
      );
    });
  }

  /** Reads this instance: its state and live description (`PrivateIpAddress`, `InstanceId`, …). */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof Ec2Instance).syncAll([this], context);
  }

  /**
   * Starts a stopped instance (changing its type first when the definition asks for another), or
   * launches one with its user data and all its tags.
   */
  protected override async _start(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    const client = await this.client(EC2Client, context);
    const instanceId = this.instanceId;
    if (this.state === "stopped" && instanceId !== undefined) {
      try {
        if (desired.InstanceType !== undefined && desired.InstanceType !== this.liveInstanceType)
          await changeType(client, instanceId, desired.InstanceType, context.signal);
        await client.send(new StartInstancesCommand({ InstanceIds: [instanceId] }), {
          abortSignal: context.signal,
        });
      } catch (error) {
        throw wrapAwsError(error, this.id, `start instance ${instanceId}`);
      }
      return;
    }
    const input = toRunInput(desired, await renderUserData(desired, this.id));
    const abortSignal = context.signal;
    // The token makes AWS answer a resent launch with the first instance; where it is ignored
    // (moto), the lookup after a lost answer finds the instance the launch tagged as ours.
    const { value: launchedId } = await this.createResource(
      `launch instance ${this.instanceName}`,
      EC2Client,
      context,
      {
        send: async (once) => {
          const { Instances = [] } = await sendWithToken(this.id, input, {
            send: (ClientToken) =>
              once.send(new RunInstancesCommand({ ...input, ClientToken }), { abortSignal }),
            spentIdOf: ({ Instances: launched = [] }) =>
              launched[0]?.State?.Name === "terminated" ||
              launched[0]?.State?.Name === "shutting-down"
                ? launched[0].InstanceId
                : undefined,
          });
          return required(Instances[0]?.InstanceId, "instance id");
        },
        findCreated: async () => {
          const named = await describeInstances(
            client,
            `tag:${PCF_NAME_TAG}`,
            [this.instanceName],
            abortSignal,
            [LIVE_INSTANCE_STATES],
          );
          return named.find((found) => hasOwnershipTag(tagsFromList(found.Tags)))?.InstanceId;
        },
      },
    );
    this.launch = { instanceId: launchedId };
  }

  /** Stops the instance; its disks and id stay. */
  protected override async _stop(context: RunContext): Promise<void> {
    if (this.instanceId === undefined) return;
    const client = await this.client(EC2Client, context);
    try {
      await client.send(new StopInstancesCommand({ InstanceIds: [this.instanceId] }), {
        abortSignal: context.signal,
      });
    } catch (error) {
      if (!isNotFound(error))
        throw wrapAwsError(error, this.id, `stop instance ${this.instanceId}`);
    }
  }

  /** Terminates the instance; one already gone is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    this.launch = undefined;
    if (this.instanceId === undefined) return;
    const instanceId = this.instanceId;
    const client = await this.client(EC2Client, context);
    await this.deleteUnlessGone(`terminate instance ${instanceId}`, () =>
      client.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }), {
        abortSignal: context.signal,
      }),
    );
  }

  /**
   * Brings the tags (when listed) and the security groups to the definition's sets, the metadata
   * options to the definition's values, then the instance type: a running instance is stopped,
   * changed and started again.
   */
  protected override async _update(context: RunContext): Promise<void> {
    const instanceId = this.instanceId;
    if (instanceId === undefined) return;
    const desired = this.desiredDefinition();
    const client = await this.client(EC2Client, context);
    const wanted = this.comparableDefinition(this.desiredStateDefinition);
    const live = this.comparableDefinition(this.currentStateDefinition);
    const abortSignal = context.signal;
    try {
      const tags = requestedTags(this.desiredStateDefinition);
      if (tags !== undefined)
        await updateEc2Tags(
          client,
          instanceId,
          { current: this.currentTags, desired: tags },
          abortSignal,
        );
      if (
        desired.SecurityGroupIds !== undefined &&
        !isDeepStrictEqual(wanted["SecurityGroupIds"], live["SecurityGroupIds"])
      )
        await client.send(
          new ModifyInstanceAttributeCommand({
            InstanceId: instanceId,
            Groups: [...new Set(desired.SecurityGroupIds)],
          }),
          { abortSignal },
        );
      if (
        desired.MetadataOptions !== undefined &&
        diffDefinitions(wanted["MetadataOptions"], live["MetadataOptions"]).length > 0
      )
        await client.send(
          new ModifyInstanceMetadataOptionsCommand({
            ...desired.MetadataOptions,
            InstanceId: instanceId,
          }),
          { abortSignal },
        );
      if (desired.InstanceType !== undefined && desired.InstanceType !== this.liveInstanceType) {
        const isRunning = this.state === "running";
        if (isRunning) await stopAndWait(client, instanceId, this.callScope(context));
        await changeType(client, instanceId, desired.InstanceType, abortSignal);
        if (isRunning)
          await client.send(new StartInstancesCommand({ InstanceIds: [instanceId] }), {
            abortSignal,
          });
      }
    } catch (error) {
      throw wrapAwsError(error, this.id, `update instance ${instanceId}`);
    }
  }

  /** Type, security groups (as a sorted set), metadata options and, when listed, the tags. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { InstanceType, SecurityGroupIds, MetadataOptions, Tags } = definition;
    // A live description lists `Tags`; a definition writes them as maps (see requestedTags).
    const tags = Array.isArray(Tags) ? liveTags(Tags) : requestedTags(definition);
    return {
      ...(typeof InstanceType === "string" ? { InstanceType } : {}),
      ...(isPlainObject(MetadataOptions) ? { MetadataOptions } : {}),
      ...(Array.isArray(SecurityGroupIds)
        ? { SecurityGroupIds: [...new Set(SecurityGroupIds.map(String))].sort() }
        : {}),
      ...(tags === undefined ? {} : { Tags: comparableTags(tags) }),
    };
  }

  /** `custom_config.instance_name`: the `PCFName` tag value. */
  get instanceName(): string {
    return String(readPath(this.desiredStateDefinition, "custom_config.instance_name"));
  }

  protected override resourceLabel(): string {
    return `${this.flavor} "${this.instanceName}"${this.instanceId === undefined ? "" : ` (${this.instanceId})`}`;
  }

  private callScope(context: RunContext): InstanceCallScope {
    return {
      abortSignal: context.signal,
      particle: this.id,
      waitOptions: (this.constructor as typeof Ec2Instance).waitOptions,
    };
  }

  private get liveInstanceType(): unknown {
    return this.currentStateDefinition["InstanceType"];
  }

  /** Sets state and description from a read: the instances tagged with this name, and a pending launch. */
  private applyRead(
    found: readonly Instance[],
    launched: Instance | undefined,
    region: string,
  ): void {
    let instance = onlyNamed(found, (item) => item.InstanceId, {
      kind: "live instances",
      name: this.instanceName,
      particle: this.id,
      field: "aws_resource.custom_config.instance_name",
      region,
    });
    if (instance !== undefined) this.launch = undefined;
    else if (this.launch?.instanceId !== undefined) {
      if (launched === undefined) {
        this.state = "pending";
        return;
      }
      if (launched.State?.Name === "terminated") this.launch = undefined;
      else instance = launched;
    }
    if (instance === undefined) {
      this.instanceId = undefined;
      this.isOwned = undefined;
      this.currentTags = {};
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    const tags = tagsFromList(instance.Tags);
    this.instanceId = instance.InstanceId;
    this.isOwned = hasOwnershipTag(tags);
    this.currentTags = liveTags(instance.Tags ?? []);
    const waitsForUserData =
      this.desiredState === "running" &&
      readPath(this.desiredStateDefinition, "custom_config.userdata_wait") === true;
    this.state = stateOf(instance, waitsForUserData && tags[USERDATA_FINISHED_TAG] === undefined);
    this.currentStateDefinition = {
      ...(JSON.parse(JSON.stringify(instance)) as Record<string, unknown>),
      SecurityGroupIds: (instance.SecurityGroups ?? []).flatMap((group) => group.GroupId ?? []),
      region_name: region,
    };
  }
}

function stateOf(instance: Instance, isAwaitingUserData: boolean): State {
  switch (instance.State?.Name) {
    case "running":
      return isAwaitingUserData ? "pending" : "running";
    case "stopped":
      return "stopped";
    case "terminated":
      return "terminated";
    default:
      return "pending";
  }
}

/** Live tags without the one the instance sets itself (`UserdataFinished`): never compared, never removed. */
function liveTags(list: readonly unknown[]): Record<string, string> {
  const { [USERDATA_FINISHED_TAG]: _finished, ...tags } = tagsFromList(list.filter(isPlainObject));
  return tags;
}
