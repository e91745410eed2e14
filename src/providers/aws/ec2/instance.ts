import {
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
  type EC2Client,
  type Instance,
} from "@aws-sdk/client-ec2";
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { DISTINCT_STATES } from "../../../core/state.js";
import { isPlainObject, readPath } from "../../../core/values.js";
import type { BackoffOptions } from "../../../core/wait.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { sendWithToken } from "../../kit/idempotency-token.js";
import { byName, describeFiltered, pcfNameOf, type Named } from "../ec2-describe.js";
import { PCF_NAME_TAG, tagsFromList } from "../tags.js";
import {
  ec2InstanceSchema,
  launchFieldsOf,
  requestedTags,
  toRunInput,
  type Ec2InstanceDefinition,
} from "./instance-definition.js";
import { USERDATA_FINISHED_TAG, renderUserData } from "./instance-user-data.js";
import { Ec2NamedResource } from "./named-resource.js";

export {
  ec2InstanceConfigSchema,
  ec2InstanceSchema,
  type Ec2InstanceDefinition,
} from "./instance-definition.js";

const NOT_FOUND = { notFound: ["InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"] };
const CHANGING = { ...NOT_FOUND, wrongState: ["IncorrectInstanceState"] };

/** The codes of the instance calls, by class. */
const INSTANCE_ERRORS: OperationErrors = {
  RunInstances: {
    invalid: ["InvalidParameterValue", "InvalidAMIID.NotFound", "InvalidGroup.NotFound"],
  },
  TerminateInstances: NOT_FOUND,
  StopInstances: CHANGING,
  StartInstances: CHANGING,
  ModifyInstanceAttribute: CHANGING,
  ModifyInstanceMetadataOptions: NOT_FOUND,
  CreateTags: NOT_FOUND,
  DeleteTags: NOT_FOUND,
};

/** What a type change calls: it stops and starts a running instance. */
const RESIZE_ACTIONS = ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"];

/** Fields EC2 fixes at launch that a read shows: a change replaces the instance. */
const LAUNCH_FIELDS = ["ImageId", "SubnetId", "KeyName", "PrivateIpAddress"] as const;

/** Every instance state but `terminated`: where a read by tag looks. */
const LIVE_STATES = ["pending", "running", "shutting-down", "stopping", "stopped"];

/**
 * An EC2 instance, found by its `PCFName` tag (= `custom_config.instance_name`) among the live
 * instances of its region, never by a remembered id: an instance terminated and launched again
 * is found afresh. Two live instances with one name fail that particle's read.
 *
 * Launched by RunInstances with all its tags, so it is never untagged, under a client token
 * derived from the particle and the launch (see `sendWithToken`): a retried launch, a re-run or
 * a second process gets the first instance back. Until a read finds the new instance by its tag
 * (AWS lists new tags late), it is read by the id RunInstances gave. Stop and start are real.
 * Updated in place: the tags, security groups and metadata options (no restart), and the type,
 * which AWS changes only on a stopped instance: a running one is stopped, changed and started
 * again. The image, subnet, key pair, private address and zone are fixed at launch: a change
 * replaces the instance. The rest (UserData, BlockDeviceMappings, …) is not compared.
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
export class Ec2Instance extends Ec2NamedResource<Ec2InstanceDefinition, Instance> {
  static override readonly flavor: string = "ec2_instance";
  static override readonly definitionSchema = ec2InstanceSchema;
  static override readonly uniqueKeys: readonly string[] = [
    "aws_resource.custom_config.instance_name",
  ];
  static override readonly equivalentStates = DISTINCT_STATES;
  static override readonly fixedFields: readonly string[] = [...LAUNCH_FIELDS, "Placement"];
  static override readonly inPlaceFields: readonly string[] = [
    "Tags",
    "SecurityGroupIds",
    "MetadataOptions",
    "InstanceType",
  ];
  static override readonly createOperation: string = "RunInstances";
  static override readonly operationErrors = INSTANCE_ERRORS;
  static override readonly actions = {
    read: ["ec2:DescribeInstances"],
    start: ["ec2:RunInstances", "ec2:CreateTags", "ec2:DescribeInstances", ...RESIZE_ACTIONS],
    stop: ["ec2:StopInstances"],
    update: [
      "ec2:CreateTags",
      "ec2:DeleteTags",
      "ec2:ModifyInstanceMetadataOptions",
      ...RESIZE_ACTIONS,
    ],
    terminate: ["ec2:TerminateInstances"],
  };
  static override readonly waitOptions: BackoffOptions = { minDelayMs: 200, maxDelayMs: 10_000 };
  /**
   * Instance polls wait up to 50 ms for others to share their DescribeInstances: EC2 throttles
   * describes hard, an instance takes seconds to boot, and RunInstances answers come back spread
   * out (on moto, over 300 ms for ten), so a wider window than the AWS default saves calls.
   */
  static override readonly readBatchWindowMs: number = 50;

  protected override readonly kind = "live instances";
  protected override readonly idOf = (instance: Instance): string | undefined =>
    instance.InstanceId;
  protected override readonly requestedTags = requestedTags;
  /** A discovered instance's own tags go in `custom_config.tags`, as PCF writes them. */
  protected override readonly discoveredTagField = "custom_config.tags";
  /** A discovered instance is written in RunInstances' form (see `launchFieldsOf`). */
  protected override readonly discoveredFields = launchFieldsOf;
  /** The instance this particle launched, until a read finds it by its tag. */
  private unseenLaunchId: string | undefined;

  protected override readonly updaters: FieldUpdaters<Ec2InstanceDefinition, Instance, EC2Client> =
    {
      SecurityGroupIds: (client, { InstanceId }, { SecurityGroupIds = [] }, { signal }) =>
        client.send(
          new ModifyInstanceAttributeCommand({
            InstanceId,
            Groups: [...new Set(SecurityGroupIds)],
          }),
          { abortSignal: signal },
        ),
      MetadataOptions: (client, { InstanceId }, { MetadataOptions }, { signal }) =>
        client.send(new ModifyInstanceMetadataOptionsCommand({ ...MetadataOptions, InstanceId }), {
          abortSignal: signal,
        }),
      InstanceType: async (client, live, { InstanceType = "" }, context) => {
        const isRunning = live.State?.Name === "running";
        if (isRunning) await this.halt(client, live, context);
        if (isRunning)
          await this.waitUntil(context, "stop for its type change", (now) => {
            const vanished = `${this.resourceLabel()} vanished while stopping`;
            if (now === undefined)
              throw new PcfError("TRANSITION_FAILED", vanished, { particle: this.id });
            return now.State?.Name === "stopped";
          });
        await changeType(client, live, InstanceType, context);
        if (isRunning) await this.startInstance(client, live, context);
      },
    };

  /**
   * The live instances of `names`: one DescribeInstances by `PCFName`. One shutting down counts
   * only where no other carries the name (a replace, terminated and launched at once).
   */
  protected override async list(
    client: EC2Client,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Named<Instance>>> {
    const found = await describeInstances(client, `tag:${PCF_NAME_TAG}`, names, signal);
    const isGoing = (instance: Instance): boolean => instance.State?.Name === "shutting-down";
    const named = (instances: Instance[]): Map<string, Named<Instance>> =>
      byName(instances, pcfNameOf);
    return new Map([
      ...named(found.filter(isGoing)),
      ...named(found.filter((instance) => !isGoing(instance))),
    ]);
  }

  /**
   * Every instance of the region that carries a `PCFName` tag and is not on its way out: one
   * DescribeInstances by tag key. Instances without the tag are left out: the flavor finds an
   * instance by it, so it could never read them.
   */
  protected override async listAll(
    client: EC2Client,
    { signal }: RunContext,
  ): Promise<readonly Instance[]> {
    const found = await describeInstances(client, "tag-key", [PCF_NAME_TAG], signal);
    return found.filter((instance) => instance.State?.Name !== "shutting-down");
  }

  /**
   * Reads a launch the tag read does not show yet by the id RunInstances gave; one terminated
   * meanwhile is gone. Overridden because only this particle knows the id it launched.
   */
  override async readListed(
    live: Named<Instance> | undefined,
    client: EC2Client,
    context: RunContext,
  ): Promise<void> {
    const launchId = this.unseenLaunchId;
    if (live !== undefined || launchId === undefined) this.unseenLaunchId = undefined;
    else {
      const [launched] = await this.step(`look for ${this.resourceLabel()} by its id`, () =>
        describeInstances(client, "instance-id", [launchId], context.signal),
      );
      if (launched?.State?.Name === "terminated") this.unseenLaunchId = undefined;
      else live = launched;
    }
    return super.readListed(live, client, context);
  }

  /** Running (`pending` until it tags itself when `userdata_wait` says so), stopped or on the way. */
  protected override observe(listed: Named<Instance>, context: RunContext): Observation {
    const [instance, definition] = this.described(listed, context);
    // The tag the instance sets itself is never compared, never removed.
    const { [USERDATA_FINISHED_TAG]: finished, ...tags } = tagsFromList(instance.Tags);
    const awaitsUserData =
      finished === undefined &&
      this.desiredState === "running" &&
      readPath(this.desiredStateDefinition, "custom_config.userdata_wait") === true;
    const name = instance.State?.Name;
    const isRunning = name === "running" && !awaitsUserData;
    return {
      state: name === "stopped" ? "stopped" : isRunning ? "running" : "pending",
      definition: {
        ...definition,
        SecurityGroupIds: (instance.SecurityGroups ?? []).flatMap((group) => group.GroupId ?? []),
      },
      tags,
    };
  }

  /** RunInstances with the user data and every tag; then the instance as described. */
  protected override async create(
    client: EC2Client,
    desired: Ec2InstanceDefinition,
    { signal }: RunContext,
  ): Promise<Instance> {
    const input = toRunInput(desired, await renderUserData(desired, this.id), this.provenanceTags);
    const { Instances = [] } = await sendWithToken(this.id, input, {
      send: (ClientToken) =>
        client.send(new RunInstancesCommand({ ...input, ClientToken }), { abortSignal: signal }),
      spentIdOf: (answer) => {
        const [first] = answer.Instances ?? [];
        const isGone = ["terminated", "shutting-down"].includes(first?.State?.Name ?? "");
        return isGone ? first?.InstanceId : undefined;
      },
    });
    const launchId = required(Instances[0]?.InstanceId, "instance id");
    this.unseenLaunchId = launchId;
    // The answer shows the instance pending: the engine's batched reads follow it from there.
    return Instances[0] as Instance;
  }

  /** TerminateInstances. */
  protected override async remove(
    client: EC2Client,
    { InstanceId = "" }: Instance,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new TerminateInstancesCommand({ InstanceIds: [InstanceId] }), {
      abortSignal: signal,
    });
  }

  /** StopInstances: the disks and the id stay. */
  protected override async halt(
    client: EC2Client,
    { InstanceId = "" }: Instance,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new StopInstancesCommand({ InstanceIds: [InstanceId] }), {
      abortSignal: signal,
    });
  }

  /** Changes the type first when the definition asks for another, then starts the instance. */
  protected override async resume(
    client: EC2Client,
    live: Instance,
    context: RunContext,
  ): Promise<void> {
    const { InstanceType } = this.desiredDefinition();
    if (InstanceType !== undefined && InstanceType !== live.InstanceType)
      await changeType(client, live, InstanceType, context);
    await this.startInstance(client, live, context);
  }

  /** The launch fields and zone, type, security groups (a sorted set), metadata options, tags. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { InstanceType, SecurityGroupIds, MetadataOptions, Placement } = definition;
    return {
      ...Object.fromEntries(LAUNCH_FIELDS.map((field) => [field, definition[field]])),
      Placement: isPlainObject(Placement)
        ? { AvailabilityZone: Placement["AvailabilityZone"] }
        : undefined,
      InstanceType,
      MetadataOptions: isPlainObject(MetadataOptions) ? MetadataOptions : undefined,
      SecurityGroupIds: Array.isArray(SecurityGroupIds)
        ? [...new Set(SecurityGroupIds.map(String))].sort()
        : undefined,
      Tags: this.comparableTagsIn(definition),
    };
  }

  /** The live instance's id, from the last read. */
  protected get instanceId(): string | undefined {
    return this.live?.InstanceId;
  }

  /** StartInstances. */
  private async startInstance(
    client: EC2Client,
    { InstanceId = "" }: Instance,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new StartInstancesCommand({ InstanceIds: [InstanceId] }), {
      abortSignal: signal,
    });
  }
}

/** Sets the type of a stopped instance (any type string: the SDK's list lags behind AWS's). */
async function changeType(
  client: EC2Client,
  { InstanceId }: Instance,
  type: string,
  { signal }: RunContext,
): Promise<void> {
  const input = { InstanceId, InstanceType: { Value: type } };
  await client.send(new ModifyInstanceAttributeCommand(input), { abortSignal: signal });
}

/** The instances whose `filterName` is one of `values`: by tag the live ones, by id any. */
function describeInstances(
  client: EC2Client,
  filterName: string,
  values: readonly string[],
  abortSignal: AbortSignal,
): Promise<Instance[]> {
  const live = { Name: "instance-state-name", Values: LIVE_STATES };
  return describeFiltered(client, paginateDescribeInstances, {
    filterName,
    values,
    itemsOf: (page) => (page.Reservations ?? []).flatMap((each) => each.Instances ?? []),
    extraFilters: filterName === "instance-id" ? [] : [live],
    abortSignal,
  });
}
