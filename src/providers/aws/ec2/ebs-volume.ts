import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DetachVolumeCommand,
  ModifyVolumeCommand,
  paginateDescribeVolumes,
  type EC2Client,
  type Volume,
} from "@aws-sdk/client-ec2";
import type { DefinitionDifference } from "../../../core/diff.js";
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { readPath } from "../../../core/values.js";
import type { BackoffOptions } from "../../../core/wait.js";
import { required } from "../../kit/create-once.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { sendWithToken } from "../../kit/idempotency-token.js";
import { byName, describeFiltered, pcfNameOf, type Named } from "../ec2-describe.js";
import { PCF_NAME_TAG, tagsFromList } from "../tags.js";
import {
  FIXED_VOLUME_FIELDS,
  MODIFIABLE_VOLUME_FIELDS,
  ebsVolumeSchema,
  requestedVolumeTags,
  toCreateVolumeInput,
  volumeFieldsOf,
  type EbsVolumeDefinition,
} from "./ebs-volume-definition.js";
import { Ec2Instance } from "./instance.js";
import { Ec2NamedResource } from "./named-resource.js";

export { ebsVolumeSchema, type EbsVolumeDefinition } from "./ebs-volume-definition.js";

const NOT_FOUND = { notFound: ["InvalidVolume.NotFound"] };

/** The codes of the volume calls, by class. */
const VOLUME_ERRORS: OperationErrors = {
  CreateVolume: { invalid: ["InvalidParameterValue", "InvalidZone.NotFound"] },
  DeleteVolume: { ...NOT_FOUND, inUse: ["VolumeInUse"] },
  DetachVolume: { ...NOT_FOUND, wrongState: ["IncorrectState"] },
  AttachVolume: { ...NOT_FOUND, inUse: ["VolumeInUse"], wrongState: ["IncorrectState"] },
  ModifyVolume: { ...NOT_FOUND, wrongState: ["IncorrectModificationState"] },
  CreateTags: NOT_FOUND,
  DeleteTags: NOT_FOUND,
};

/** A particle's key in `list` says how it is found: by its name tag, or by a pinned id. */
const BY_NAME = "name:";
const BY_ID = "id:";

/** The states of a volume that counts, by precedence among namesakes; a deleted one does not. */
const COUNTED_STATES = [["creating", "available", "in-use"], ["deleting"], ["error"]];

/**
 * An EBS volume, found by its `PCFName` tag (= `custom_config.volume_name`), or by a pinned
 * `VolumeId`. A volume has no stopped form: stopping deletes it.
 *
 * Created by CreateVolume with all its tags, under a client token (see {@link Ec2Instance}).
 * Updated in place: Size (grow only), VolumeType, Iops and Throughput with one ModifyVolume
 * (AWS allows one modification every six hours), waiting until the volume reports them; the
 * tags, when the definition lists any; and, with `attach`, the attachment to the parent instance
 * once the volume is available, detached from any other first. Zone, encryption and snapshot are
 * fixed at creation (see `FIXED_VOLUME_FIELDS`); the KMS key applies at creation only.
 *
 * Deleting detaches the volume from every instance first (each DetachVolume names its instance:
 * moto answers one without with a 500) and waits until it is free. A volume in state `error`
 * reads `terminated`: the next start deletes it (when it is ours) first. Reads are batched: one DescribeVolumes per region by
 * name, and one by pinned id when there are any.
 */
export class EbsVolume extends Ec2NamedResource<EbsVolumeDefinition, Volume> {
  static override readonly flavor: string = "ebs_volume";
  static override readonly definitionSchema = ebsVolumeSchema;
  static override readonly uniqueKeys: readonly string[] = [
    "aws_resource.custom_config.volume_name",
  ];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = FIXED_VOLUME_FIELDS;
  static override readonly inPlaceFields: readonly string[] = [
    ...MODIFIABLE_VOLUME_FIELDS,
    "Tags",
    "Attachments",
  ];
  static override readonly createOperation: string = "CreateVolume";
  static override readonly operationErrors = VOLUME_ERRORS;
  static override readonly actions = {
    read: ["ec2:DescribeVolumes"],
    start: ["ec2:CreateVolume", "ec2:CreateTags"],
    update: [
      "ec2:ModifyVolume",
      "ec2:DescribeVolumes",
      "ec2:CreateTags",
      "ec2:DeleteTags",
      "ec2:AttachVolume",
      "ec2:DetachVolume",
    ],
    terminate: ["ec2:DetachVolume", "ec2:DescribeVolumes", "ec2:DeleteVolume"],
  };
  static override readonly waitOptions: BackoffOptions = { minDelayMs: 200, maxDelayMs: 5_000 };

  protected override readonly kind = "volumes";
  protected override readonly idOf = (volume: Volume): string | undefined => volume.VolumeId;
  protected override readonly requestedTags = requestedVolumeTags;
  /** A discovered volume's own tags go in the `Tags` map. */
  protected override readonly discoveredTagField = "Tags";
  /** A discovered volume is written in CreateVolume's form (see `volumeFieldsOf`). */
  protected override readonly discoveredFields = volumeFieldsOf;

  /** One ModifyVolume for every modifiable field that differs, then a wait until it shows. */
  private readonly modify: FieldUpdater<EbsVolumeDefinition, Volume, EC2Client> = async (
    client,
    live,
    desired,
    context,
  ) => {
    const changes = Object.fromEntries(
      MODIFIABLE_VOLUME_FIELDS.flatMap((field) =>
        [undefined, live[field]].includes(desired[field]) ? [] : [[field, desired[field]]],
      ),
    );
    await client.send(new ModifyVolumeCommand({ VolumeId: live.VolumeId, ...changes }), {
      abortSignal: context.signal,
    });
    await this.waitUntil(context, "report its modification", (volume) =>
      Object.entries(changes).every(([field, value]) => volume?.[field as keyof Volume] === value),
    );
  };

  protected override readonly updaters: FieldUpdaters<EbsVolumeDefinition, Volume, EC2Client> = {
    ...Object.fromEntries(MODIFIABLE_VOLUME_FIELDS.map((field) => [field, this.modify])),
    Attachments: (client, live, _desired, context) => this.attachToParent(client, live, context),
  };

  /** The volumes of `keys`: one DescribeVolumes by `PCFName`, one by pinned id. */
  protected override async list(
    client: EC2Client,
    keys: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Named<Volume>>> {
    const valuesOf = (prefix: string): string[] =>
      keys.flatMap((key) => (key.startsWith(prefix) ? [key.slice(prefix.length)] : []));
    const [named, pinned] = await Promise.all([
      describeVolumes(client, `tag:${PCF_NAME_TAG}`, valuesOf(BY_NAME), signal),
      describeVolumes(client, "volume-id", valuesOf(BY_ID), signal),
    ]);
    // A volume being deleted (a fast replace) or broken counts only where none better has the name.
    const byState = COUNTED_STATES.toReversed().flatMap((states) => [
      ...byName(
        named.filter((volume) => states.includes(volume.State ?? "")),
        pcfNameOf,
      ),
    ]);
    return new Map([
      ...byState.map(([name, volume]) => [BY_NAME + name, volume] as const),
      ...pinned
        .filter((volume) => volume.State !== "deleted")
        .map((volume) => [BY_ID + (volume.VolumeId ?? ""), volume] as const),
    ]);
  }

  /**
   * Every volume of the region that carries a `PCFName` tag and is neither on its way out nor
   * broken: one DescribeVolumes by tag key. Volumes without the tag are left out: the flavor
   * finds a volume by it (or by a pinned id a definition writes, which discovery cannot know).
   */
  protected override async listAll(
    client: EC2Client,
    { signal }: RunContext,
  ): Promise<readonly Volume[]> {
    const [counted = []] = COUNTED_STATES;
    const found = await describeVolumes(client, "tag-key", [PCF_NAME_TAG], signal);
    return found.filter((volume) => counted.includes(volume.State ?? ""));
  }

  /** `running` when available or in use, `pending` while created or deleted, broken `terminated`. */
  protected override observe(listed: Named<Volume>, context: RunContext): Observation {
    const [volume, definition] = this.described(listed, context);
    const tags = tagsFromList(volume.Tags);
    if (volume.State === "error") return { state: "terminated", definition, tags };
    const isMoving = volume.State === "creating" || volume.State === "deleting";
    return { state: isMoving ? "pending" : "running", definition, tags };
  }

  /**
   * CreateVolume with every tag, under the particle's client token, once a broken volume of
   * this name is deleted.
   * @throws PcfError `TRANSITION_FAILED` for a pinned `VolumeId`: such a volume is never created.
   */
  protected override async create(
    client: EC2Client,
    desired: EbsVolumeDefinition,
    context: RunContext,
  ): Promise<Volume> {
    if (desired.VolumeId !== undefined)
      throw new PcfError(
        "TRANSITION_FAILED",
        `volume ${desired.VolumeId} (aws_resource.VolumeId) does not exist; remove VolumeId to let particle-cloud create the volume`,
        { particle: this.id, field: "aws_resource.VolumeId" },
      );
    const broken = this.live;
    if (broken !== undefined) {
      if (this.isOwned !== true && !this.isAdopted)
        throw new PcfError(
          "TRANSITION_FAILED",
          `volume ${broken.VolumeId ?? "?"} is in state error and was not created by particle-cloud; delete it, or set custom_config.adopt: true`,
          { particle: this.id, field: "aws_resource.custom_config.adopt" },
        );
      await this.unlessGone(`delete the broken ${this.resourceLabel()}`, () =>
        this.remove(client, broken, context),
      );
    }
    const input = toCreateVolumeInput(desired, this.provenanceTags);
    const { $metadata: _metadata, ...volume } = await sendWithToken(this.id, input, {
      send: (ClientToken) =>
        client.send(new CreateVolumeCommand({ ...input, ClientToken }), {
          abortSignal: context.signal,
        }),
      spentIdOf: ({ VolumeId, State = "" }) =>
        ["deleting", "deleted"].includes(State) ? VolumeId : undefined,
    });
    required(volume.VolumeId, "volume id");
    return volume;
  }

  /** Detaches the volume from every instance, waits until it is free, then DeleteVolume. */
  protected override async remove(
    client: EC2Client,
    live: Volume,
    context: RunContext,
  ): Promise<void> {
    await this.detach(client, live, context);
    await client.send(new DeleteVolumeCommand({ VolumeId: live.VolumeId }), {
      abortSignal: context.signal,
    });
  }

  /** By name, or by the pinned id. */
  protected override get key(): string {
    const id = this.desiredStateDefinition["VolumeId"];
    return typeof id === "string" ? BY_ID + id : BY_NAME + this.pcfName;
  }

  /**
   * The definition's differences, plus the attachment to the parent instance when `attach` is
   * set and the volume is available (AWS attaches no volume still being created).
   */
  override definitionDifferences(): DefinitionDifference[] {
    const differences = super.definitionDifferences();
    if (
      this.state !== "running" ||
      readPath(this.desiredStateDefinition, "custom_config.attach") !== true
    )
      return differences;
    const wanted = this.parentInstanceId();
    const attached = (this.live?.Attachments ?? []).map((attachment) => attachment.InstanceId);
    return wanted !== undefined && attached.includes(wanted)
      ? differences
      : [...differences, { path: "Attachments", desired: wanted, current: attached }];
  }

  /** Size, type, IOPS, throughput, the fields fixed at creation and, when it lists any, the tags. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const fields = [...MODIFIABLE_VOLUME_FIELDS, ...FIXED_VOLUME_FIELDS];
    const comparable = Object.fromEntries(fields.map((field) => [field, definition[field]]));
    return { ...comparable, Tags: this.comparableTagsIn(definition) };
  }

  /** The id of the one `ec2_instance` parent's live instance, if there is exactly one such parent. */
  private parentInstanceId(): string | undefined {
    const parents = [...this.parents].filter((parent) => parent instanceof Ec2Instance);
    const id = parents.length === 1 ? parents[0]?.currentStateDefinition["InstanceId"] : undefined;
    return typeof id === "string" ? id : undefined;
  }

  /**
   * Attaches the volume to the parent instance as its device by PCF's rule (`/dev/xvdb` …
   * `/dev/xvdk` by the last digit of the name, else `/dev/sdf`), detached from any other first.
   */
  private async attachToParent(
    client: EC2Client,
    live: Volume,
    context: RunContext,
  ): Promise<void> {
    const InstanceId = this.parentInstanceId();
    if (InstanceId === undefined)
      throw new PcfError(
        "TRANSITION_FAILED",
        "custom_config.attach needs exactly one ec2_instance parent with a live instance",
        { particle: this.id, field: "parents" },
      );
    await this.detach(client, live, context);
    const last = this.pcfName.at(-1) ?? "";
    const Device = /\d/.test(last)
      ? `/dev/xvd${String.fromCharCode(98 + Number(last))}`
      : "/dev/sdf";
    await client.send(new AttachVolumeCommand({ VolumeId: live.VolumeId, InstanceId, Device }), {
      abortSignal: context.signal,
    });
  }

  /** Detaches the volume from each instance it is attached to, then waits until it is free. */
  private async detach(client: EC2Client, live: Volume, context: RunContext): Promise<void> {
    const attachments = live.Attachments ?? [];
    for (const { InstanceId, Device } of attachments)
      await client.send(new DetachVolumeCommand({ VolumeId: live.VolumeId, InstanceId, Device }), {
        abortSignal: context.signal,
      });
    if (attachments.length > 0)
      await this.waitUntil(context, "be detached", (volume) => volume?.State !== "in-use");
  }
}

/** The volumes whose `filterName` is one of `values`: DescribeVolumes, page by page. */
function describeVolumes(
  client: EC2Client,
  filterName: string,
  values: readonly string[],
  abortSignal: AbortSignal,
): Promise<Volume[]> {
  return describeFiltered(client, paginateDescribeVolumes, {
    filterName,
    values,
    itemsOf: (page) => page.Volumes,
    abortSignal,
  });
}
