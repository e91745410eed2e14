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
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { DISTINCT_STATES } from "../../../core/state.js";
import { isPlainObject, readPath } from "../../../core/values.js";
import type { BackoffOptions } from "../../../core/wait.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdaters } from "../../kit/declared-resource.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { sendWithToken } from "../../kit/idempotency-token.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource } from "../resource.js";
import { PCF_NAME_TAG, tagMapOf, tagsFromList } from "../tags.js";
import { byPcfName, describeInstances, soleNamed, writeEc2Tags, type Named } from "./describe.js";
import {
  ec2InstanceSchema,
  requestedTags,
  toRunInput,
  type Ec2InstanceDefinition,
} from "./instance-definition.js";
import { USERDATA_FINISHED_TAG, renderUserData } from "./instance-user-data.js";

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

/** The launch fields compared after launch: EC2 fixes them, so a change replaces the instance. */
const LAUNCH_FIELDS = ["ImageId", "SubnetId", "KeyName", "PrivateIpAddress"] as const;

/**
 * An EC2 instance, found by its `PCFName` tag (= `custom_config.instance_name`) among the live
 * instances of its region: never by a remembered id, so an instance terminated and launched
 * again is found afresh. Two live instances with one name fail that particle's read.
 *
 * Launched with RunInstances carrying all its tags (PCFName, ownership, `custom_config.tags`), so
 * it is never untagged. Stop and start are real. Updated in place: the tags, the security groups
 * and the metadata options (no restart), and the instance type, which AWS changes only on a
 * stopped instance: a running one is stopped, changed and started again (downtime). The image,
 * subnet, key pair, private address and zone are fixed at launch: a change replaces the instance.
 * The rest (UserData, BlockDeviceMappings, …) applies at launch only and is not compared.
 *
 * Reads are batched: one DescribeInstances per region, filtered on the names and the live states.
 *
 * Client token: derived from the particle's id and the launch's input (see `idempotencyToken`),
 * so a retried launch, a re-run or a second process gets the first instance back; a token
 * answered with an instance since terminated moves down the chain. Until a read finds the new
 * instance by its tag (AWS lists new tags with a delay), it is read by the id RunInstances gave.
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
export class Ec2Instance extends AWSResource<Ec2InstanceDefinition, Named<Instance>, EC2Client> {
  static override readonly flavor: string = "ec2_instance";
  static override readonly service: string = "ec2";
  static override readonly Client = EC2Client;
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
  static override readonly readShape = "describe-by-tag";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "RunInstances";
  static override readonly operationErrors = INSTANCE_ERRORS;
  static override readonly actions = {
    read: ["ec2:DescribeInstances"],
    start: [
      "ec2:RunInstances",
      "ec2:CreateTags",
      "ec2:DescribeInstances",
      "ec2:ModifyInstanceAttribute",
      "ec2:StartInstances",
    ],
    stop: ["ec2:StopInstances"],
    update: [
      "ec2:CreateTags",
      "ec2:DeleteTags",
      "ec2:ModifyInstanceAttribute",
      "ec2:ModifyInstanceMetadataOptions",
      "ec2:StopInstances",
      "ec2:StartInstances",
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

  /** The instance this particle launched, until a read finds it by its tag. */
  private unseenLaunchId: string | undefined;

  protected override readonly updaters: FieldUpdaters<
    Ec2InstanceDefinition,
    Named<Instance>,
    EC2Client
  > = {
    SecurityGroupIds: (client, { InstanceId }, { SecurityGroupIds = [] }, { signal }) =>
      client.send(
        new ModifyInstanceAttributeCommand({ InstanceId, Groups: [...new Set(SecurityGroupIds)] }),
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
          if (now === undefined)
            throw new PcfError(
              "TRANSITION_FAILED",
              `${this.resourceLabel()} vanished while stopping`,
              {
                particle: this.id,
              },
            );
          return now.State?.Name === "stopped";
        });
      await changeType(client, live, InstanceType, context);
      if (isRunning) await startInstance(client, live, context);
    },
  };

  /** The live instances of `names`: one DescribeInstances by `PCFName`, live states only. */
  protected override async list(
    client: EC2Client,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Named<Instance>>> {
    return byPcfName(
      await describeInstances(client, `tag:${PCF_NAME_TAG}`, names, signal),
      (instance) => instance.InstanceId,
    );
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
    if (live !== undefined || launchId === undefined) {
      this.unseenLaunchId = undefined;
      return super.readListed(live, client, context);
    }
    const [launched] = await this.step(`look for ${this.resourceLabel()} by its id`, () =>
      describeInstances(client, "instance-id", [launchId], context.signal),
    );
    const isGone = launched?.State?.Name === "terminated";
    if (isGone) this.unseenLaunchId = undefined;
    return super.readListed(isGone ? undefined : launched, client, context);
  }

  /** Running (`pending` until it tags itself when `userdata_wait` says so), stopped or on the way. */
  protected override observe(listed: Named<Instance>, context: RunContext): Observation {
    const region = this.region(context);
    const instance = soleNamed(listed, listed.InstanceId, {
      kind: "live instances",
      name: this.instanceName,
      particle: this.id,
      field: "aws_resource.custom_config.instance_name",
      region,
    });
    // The tag the instance sets itself is never compared, never removed.
    const { [USERDATA_FINISHED_TAG]: finished, ...tags } = tagsFromList(instance.Tags);
    const awaitsUserData =
      finished === undefined &&
      this.desiredState === "running" &&
      readPath(this.desiredStateDefinition, "custom_config.userdata_wait") === true;
    const name = instance.State?.Name;
    return {
      state:
        name === "stopped"
          ? "stopped"
          : name === "running" && !awaitsUserData
            ? "running"
            : "pending",
      definition: {
        ...(JSON.parse(JSON.stringify(instance)) as Record<string, unknown>),
        SecurityGroupIds: (instance.SecurityGroups ?? []).flatMap((group) => group.GroupId ?? []),
        region_name: region,
      },
      tags,
    };
  }

  /**
   * RunInstances with the user data and every tag, under the particle's client token; then the
   * instance as described (a launch answer shows every instance pending).
   */
  protected override async create(
    client: EC2Client,
    desired: Ec2InstanceDefinition,
    { signal }: RunContext,
  ): Promise<Instance> {
    const input = toRunInput(desired, await renderUserData(desired, this.id));
    const { Instances: [launched] = [] } = await sendWithToken(this.id, input, {
      send: (ClientToken) =>
        client.send(new RunInstancesCommand({ ...input, ClientToken }), { abortSignal: signal }),
      spentIdOf: ({ Instances = [] }: { Instances?: Instance[] }) => {
        const name = Instances[0]?.State?.Name;
        return name === "terminated" || name === "shutting-down"
          ? Instances[0]?.InstanceId
          : undefined;
      },
    });
    const launchId = required(launched?.InstanceId, "instance id");
    this.unseenLaunchId = launchId;
    const [described] = await describeInstances(client, "instance-id", [launchId], signal);
    return described ?? (launched as Instance);
  }

  /** TerminateInstances. */
  protected override async remove(
    client: EC2Client,
    { InstanceId }: Instance,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new TerminateInstancesCommand({ InstanceIds: [InstanceId ?? ""] }), {
      abortSignal: signal,
    });
  }

  /** StopInstances: the disks and the id stay. */
  protected override async halt(
    client: EC2Client,
    { InstanceId }: Instance,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new StopInstancesCommand({ InstanceIds: [InstanceId ?? ""] }), {
      abortSignal: signal,
    });
  }

  /** Changes the type first when the definition asks for another, then StartInstances. */
  protected override async resume(
    client: EC2Client,
    live: Instance,
    context: RunContext,
  ): Promise<void> {
    const { InstanceType } = this.desiredDefinition();
    if (InstanceType !== undefined && InstanceType !== live.InstanceType)
      await changeType(client, live, InstanceType, context);
    await startInstance(client, live, context);
  }

  protected override writeTags(
    client: EC2Client,
    { InstanceId }: Instance,
    changes: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    return writeEc2Tags(client, InstanceId, changes, signal);
  }

  /** `tags`, `instance` TagSpecifications, `custom_config.tags` and `PCFName` (see `requestedTags`). */
  protected override wantedTags(): TagMap | undefined {
    return requestedTags(this.desiredStateDefinition);
  }

  /**
   * The launch fields and zone, the type, the security groups (as a sorted set), the metadata
   * options and, when listed, the tags.
   */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { InstanceType, SecurityGroupIds, MetadataOptions, Placement, Tags } = definition;
    // A definition writes tags in three places and names the instance in custom_config; a read has one map.
    const tags = isPlainObject(definition["custom_config"])
      ? requestedTags(definition)
      : tagMapOf(Tags);
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
      Tags: tags === undefined ? undefined : this.comparableTagsOf(tags),
    };
  }

  /** `custom_config.instance_name`: the `PCFName` tag value. */
  get instanceName(): string {
    return String(readPath(this.desiredStateDefinition, "custom_config.instance_name"));
  }

  /** The live instance's id, from the last read. */
  protected get instanceId(): string | undefined {
    return this.live?.InstanceId;
  }

  protected override resourceLabel(): string {
    const id = this.instanceId;
    return `${this.flavor} "${this.instanceName}"${id === undefined ? "" : ` (${id})`}`;
  }
}

/** Sets the type of a stopped instance (any type string: the SDK's list lags behind AWS's). */
async function changeType(
  client: EC2Client,
  { InstanceId }: Instance,
  type: string,
  { signal }: RunContext,
): Promise<void> {
  await client.send(
    new ModifyInstanceAttributeCommand({ InstanceId, InstanceType: { Value: type } }),
    { abortSignal: signal },
  );
}

async function startInstance(
  client: EC2Client,
  { InstanceId }: Instance,
  { signal }: RunContext,
): Promise<void> {
  await client.send(new StartInstancesCommand({ InstanceIds: [InstanceId ?? ""] }), {
    abortSignal: signal,
  });
}
