import {
  CreateVolumeCommand,
  DeleteVolumeCommand,
  EC2Client,
  ModifyVolumeCommand,
  type ModifyVolumeCommandInput,
  type Volume,
  type VolumeAttachment,
} from "@aws-sdk/client-ec2";
import type { DefinitionDifference } from "../../../core/diff.js";
import { PcfError } from "../../../core/errors.js";
import type { Particle } from "../../../core/particle.js";
import { readEach } from "../../../core/read-failures.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED, type State } from "../../../core/state.js";
import { readPath } from "../../../core/values.js";
import type { BackoffOptions } from "../../../core/wait.js";
import { sendWithToken } from "../../kit/idempotency-token.js";
import { onlyNamed } from "../ec2-describe.js";
import { updateEc2Tags } from "../ec2-tags.js";
import { required } from "../../kit/create-once.js";
import { wrapAwsError } from "../errors.js";
import { LegacyAWSResource } from "../legacy-resource.js";
import { PCF_NAME_TAG, comparableTags, hasOwnershipTag, tagsFromList } from "../tags.js";
import { describeVolumes, groupByPcfName } from "./describe.js";
import {
  FIXED_VOLUME_FIELDS,
  MODIFIABLE_VOLUME_FIELDS,
  ebsVolumeSchema,
  requestedVolumeTags,
  toCreateVolumeInput,
  type EbsVolumeDefinition,
} from "./ebs-volume-definition.js";
import {
  attachVolume,
  detachVolume,
  deviceFor,
  waitForVolume,
  type VolumeCallScope,
} from "./ebs-volume-attachment.js";
import { Ec2Instance } from "./instance.js";

export { ebsVolumeSchema, type EbsVolumeDefinition } from "./ebs-volume-definition.js";

/**
 * An EBS volume, found by its `PCFName` tag (= `custom_config.volume_name`), or by a pinned
 * `VolumeId`. A volume has no stopped form: stopping deletes it.
 *
 * Created with CreateVolume carrying all its tags, with a client token derived from the particle
 * and the create's input, so a retried create, a re-run or a second process cannot make two (see
 * {@link Ec2Instance} on tokens; a token answered with a deleted volume moves down the chain).
 * Updated in place: Size (grow only: AWS refuses to shrink), VolumeType, Iops and Throughput with
 * one ModifyVolume, waiting until the volume reports them (AWS allows one modification per volume
 * every six hours); the tags, when the definition lists any; and, with `attach`, the attachment to
 * the parent instance (detaching it from any other first). Zone, encryption and snapshot are
 * fixed at creation: a change replaces the volume (see `FIXED_VOLUME_FIELDS`). The KMS key
 * applies at creation only and is not compared.
 *
 * Deleting detaches the volume from every instance first (each DetachVolume names its instance)
 * and waits until it is free. A volume in state `error` reads `terminated`; the next start deletes
 * it (when it is ours) and creates a new one.
 *
 * Reads are batched: one DescribeVolumes per region for all volumes found by name (and one for
 * pinned ids, when there are any).
 */
export class EbsVolume extends LegacyAWSResource<EbsVolumeDefinition> {
  static override readonly flavor: string = "ebs_volume";
  static override readonly service: string = "ec2";
  static override readonly uniqueKeys: readonly string[] = [
    "aws_resource.custom_config.volume_name",
  ];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly definitionSchema = ebsVolumeSchema;
  static override readonly fixedFields: readonly string[] = FIXED_VOLUME_FIELDS;
  static override readonly waitOptions: BackoffOptions = { minDelayMs: 200, maxDelayMs: 5_000 };

  /** The volume's id, from the last read; transitions act on it. */
  private volumeId: string | undefined = undefined;
  /** True when the last read found the volume in state `error`. */
  private isBroken = false;
  private currentTags: Record<string, string> = {};
  /** The create not yet seen by a read: the volume's id CreateVolume returned. */
  private launch: { readonly volumeId: string | undefined } | undefined;

  /** Reads every volume of `particles`: one DescribeVolumes per region by name, one for pinned ids. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    const volumes = particles.filter(
      (particle): particle is EbsVolume => particle instanceof EbsVolume,
    );
    await EbsVolume.readByRegion(volumes, context, EC2Client, async (group, client, region) => {
      const read = (filter: string, values: string[]): Promise<Volume[]> =>
        EbsVolume.listFor(group, `describe by ${filter}`, () =>
          describeVolumes(client, filter, values, context.signal),
        );
      const named = group.filter((volume) => volume.pinnedId === undefined);
      const pinned = group.flatMap((volume) => volume.pinnedId ?? []);
      const [byTag, byPin] = await Promise.all([
        read(
          `tag:${PCF_NAME_TAG}`,
          named.map((volume) => volume.volumeName),
        ),
        read("volume-id", pinned),
      ]);
      const byName = groupByPcfName(byTag);
      const launched = await read(
        "volume-id",
        named.flatMap((volume) =>
          volume.launch?.volumeId !== undefined && !byName.has(volume.volumeName)
            ? [volume.launch.volumeId]
            : [],
        ),
      );
      await readEach(group, (volume) => {
        const found =
          volume.pinnedId === undefined
            ? (byName.get(volume.volumeName) ?? [])
            : byPin.filter((item) => item.VolumeId === volume.pinnedId);
        const pending = launched.find((item) => item.VolumeId === volume.launch?.volumeId);
        volume.applyRead(found, pending, region);
      });
    });
  }

  /** Reads this volume: `running` when available or in use, else `pending` or `terminated`. */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof EbsVolume).syncAll([this], context);
  }

  /** Creates the volume with all its tags; a broken (`error`) volume of ours is deleted first. */
  protected override async _start(context: RunContext): Promise<void> {
    const desired = this.desiredDefinition();
    if (desired.VolumeId !== undefined)
      throw new PcfError(
        "TRANSITION_FAILED",
        `volume ${desired.VolumeId} (aws_resource.VolumeId) does not exist; remove VolumeId to let particle-cloud create the volume`,
        { particle: this.id, field: "aws_resource.VolumeId" },
      );
    const scope = await this.callScope(context);
    const client = scope.client;
    if (this.isBroken && this.volumeId !== undefined) {
      if (this.isOwned !== true && !this.isAdopted)
        throw new PcfError(
          "TRANSITION_FAILED",
          `volume ${this.volumeId} is in state error and was not created by particle-cloud; delete it, or set custom_config.adopt: true`,
          { particle: this.id, field: "aws_resource.custom_config.adopt" },
        );
      await this.deleteVolume(scope, this.volumeId);
    }
    const input = toCreateVolumeInput(desired);
    const abortSignal = context.signal;
    // EC2 honours the token, moto does not: after a lost answer, look for the volume before resending.
    const { value: volumeId } = await this.createResource(
      `create volume ${this.volumeName}`,
      EC2Client,
      context,
      {
        send: async (once) => {
          const { VolumeId } = await sendWithToken(this.id, input, {
            send: (ClientToken) =>
              once.send(new CreateVolumeCommand({ ...input, ClientToken }), { abortSignal }),
            spentIdOf: ({ VolumeId: id, State }) =>
              State === "deleting" || State === "deleted" ? id : undefined,
          });
          return required(VolumeId, "volume id");
        },
        findCreated: async () => {
          const named = await describeVolumes(
            client,
            `tag:${PCF_NAME_TAG}`,
            [this.volumeName],
            abortSignal,
          );
          return named.find(
            (volume) =>
              volume.State !== "deleting" &&
              volume.State !== "deleted" &&
              hasOwnershipTag(tagsFromList(volume.Tags)),
          )?.VolumeId;
        },
      },
    );
    this.launch = { volumeId };
  }

  /** Detaches the volume from every instance, waits until it is free, then deletes it; gone is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    this.launch = undefined;
    const volumeId = this.volumeId;
    if (volumeId === undefined) return;
    const scope = await this.callScope(context);
    const attachments = this.liveAttachments;
    if (attachments.length > 0) await detachVolume(scope, volumeId, attachments);
    await this.deleteVolume(scope, volumeId);
  }

  /** Modifies size, type, IOPS and throughput; brings the tags to the definition's set; attaches. */
  protected override async _update(context: RunContext): Promise<void> {
    const volumeId = this.volumeId;
    if (volumeId === undefined) return;
    const desired = this.desiredDefinition();
    const scope = await this.callScope(context);
    const { client, abortSignal } = scope;
    const changes = Object.fromEntries(
      MODIFIABLE_VOLUME_FIELDS.flatMap((field) =>
        desired[field] !== undefined && desired[field] !== this.currentStateDefinition[field]
          ? [[field, desired[field]]]
          : [],
      ),
    ) as Omit<ModifyVolumeCommandInput, "VolumeId">;
    try {
      if (Object.keys(changes).length > 0) {
        await client.send(new ModifyVolumeCommand({ VolumeId: volumeId, ...changes }), {
          abortSignal,
        });
        await waitForVolume(scope, volumeId, "report its modification", (volume) =>
          Object.entries(changes).every(
            ([field, value]) => volume?.[field as keyof Volume] === value,
          ),
        );
      }
      const tags = requestedVolumeTags(this.desiredStateDefinition);
      if (tags !== undefined)
        await updateEc2Tags(
          client,
          volumeId,
          { current: this.currentTags, desired: tags },
          abortSignal,
        );
    } catch (error) {
      throw wrapAwsError(error, this.id, `update volume ${volumeId}`);
    }
    if (desired.custom_config.attach === true) await this.attachToParent(scope, volumeId);
  }

  /** The definition's differences, plus the attachment to the parent instance when `attach` is set. */
  override definitionDifferences(): DefinitionDifference[] {
    const differences = super.definitionDifferences();
    if (readPath(this.desiredStateDefinition, "custom_config.attach") !== true) return differences;
    const wanted = this.parentInstanceId();
    const attached = this.liveAttachments.map((attachment) => attachment.InstanceId);
    return wanted !== undefined && attached.includes(wanted)
      ? differences
      : [...differences, { path: "Attachments", desired: wanted, current: attached }];
  }

  /** Size, type, IOPS, throughput, the fields fixed at creation (those the definition sets) and, when it lists any, the tags. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const comparable: Record<string, unknown> = {};
    for (const field of [...MODIFIABLE_VOLUME_FIELDS, ...FIXED_VOLUME_FIELDS])
      if (definition[field] !== undefined) comparable[field] = definition[field];
    // A live description lists `Tags`; a definition writes a map and TagSpecifications.
    const tags = Array.isArray(definition["Tags"])
      ? tagsFromList(definition["Tags"] as { Key?: string; Value?: string }[])
      : requestedVolumeTags(definition);
    if (tags !== undefined) comparable["Tags"] = comparableTags(tags);
    return comparable;
  }

  protected override resourceLabel(): string {
    return `ebs_volume "${this.volumeName}"${this.volumeId === undefined ? "" : ` (${this.volumeId})`}`;
  }

  /** `custom_config.volume_name`: the `PCFName` tag value. */
  get volumeName(): string {
    return String(readPath(this.desiredStateDefinition, "custom_config.volume_name"));
  }

  private get pinnedId(): string | undefined {
    const id = this.desiredStateDefinition["VolumeId"];
    return typeof id === "string" ? id : undefined;
  }

  private get liveAttachments(): VolumeAttachment[] {
    const attachments = this.currentStateDefinition["Attachments"];
    return Array.isArray(attachments) ? (attachments as VolumeAttachment[]) : [];
  }

  private applyRead(found: readonly Volume[], launched: Volume | undefined, region: string): void {
    // A volume being deleted does not count beside a live one (a fast terminate-then-run).
    const live = found.filter(
      (volume) => volume.State !== "deleting" && volume.State !== "deleted",
    );
    const candidates = live.length > 0 ? live : found;
    let volume = onlyNamed(candidates, (item) => item.VolumeId, {
      kind: "volumes",
      name: this.volumeName,
      particle: this.id,
      field: "aws_resource.custom_config.volume_name",
      region,
    });
    if (volume !== undefined) this.launch = undefined;
    else if (this.launch?.volumeId !== undefined) {
      if (launched === undefined) {
        this.state = "pending";
        return;
      }
      volume = launched;
    }
    this.isBroken = volume?.State === "error";
    if (volume === undefined || volume.State === "deleted") {
      this.volumeId = undefined;
      this.isOwned = undefined;
      this.currentTags = {};
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    const tags = tagsFromList(volume.Tags);
    this.volumeId = volume.VolumeId;
    this.isOwned = hasOwnershipTag(tags);
    this.currentTags = tags;
    this.state = stateOf(volume);
    this.currentStateDefinition = {
      ...(JSON.parse(JSON.stringify(volume)) as Record<string, unknown>),
      region_name: region,
    };
  }

  /** The id of the one `ec2_instance` parent's live instance, if there is exactly one such parent. */
  private parentInstanceId(): string | undefined {
    const parents = [...this.parents].filter((parent) => parent instanceof Ec2Instance);
    const id = parents.length === 1 ? parents[0]?.currentStateDefinition["InstanceId"] : undefined;
    return typeof id === "string" ? id : undefined;
  }

  private async attachToParent(scope: VolumeCallScope, volumeId: string): Promise<void> {
    const instanceId = this.parentInstanceId();
    if (instanceId === undefined)
      throw new PcfError(
        "TRANSITION_FAILED",
        "custom_config.attach needs exactly one ec2_instance parent with a live instance",
        { particle: this.id, field: "parents" },
      );
    const attachments = this.liveAttachments;
    if (attachments.some((attachment) => attachment.InstanceId === instanceId)) return;
    if (attachments.length > 0) await detachVolume(scope, volumeId, attachments);
    await attachVolume(scope, volumeId, instanceId, deviceFor(this.volumeName));
  }

  /** Where this volume's calls run. */
  private async callScope(context: RunContext): Promise<VolumeCallScope> {
    return {
      client: await this.client(EC2Client, context),
      abortSignal: context.signal,
      particle: this.id,
      waitOptions: (this.constructor as typeof EbsVolume).waitOptions,
    };
  }

  private async deleteVolume(scope: VolumeCallScope, volumeId: string): Promise<void> {
    await this.deleteUnlessGone(`delete volume ${volumeId}`, () =>
      scope.client.send(new DeleteVolumeCommand({ VolumeId: volumeId }), {
        abortSignal: scope.abortSignal,
      }),
    );
  }
}

function stateOf(volume: Volume): State {
  switch (volume.State) {
    case "available":
    case "in-use":
      return "running";
    case "creating":
    case "deleting":
      return "pending";
    default:
      return "terminated";
  }
}
