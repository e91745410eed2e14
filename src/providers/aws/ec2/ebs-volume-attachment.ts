import {
  AttachVolumeCommand,
  DetachVolumeCommand,
  type EC2Client,
  type Volume,
  type VolumeAttachment,
} from "@aws-sdk/client-ec2";
import { waitFor, type BackoffOptions } from "../../../core/wait.js";
import { isNotFound, wrapAwsError } from "../errors.js";
import { describeVolumes } from "./describe.js";

// How `ebs_volume` attaches and detaches its volume, and waits for the volume to follow.

/** Where volume calls run: the client, the run's signal, the particle (for errors), the backoff. @internal */
export interface VolumeCallScope {
  readonly client: EC2Client;
  readonly abortSignal: AbortSignal;
  readonly particle: string;
  readonly waitOptions: BackoffOptions;
}

/** Attaches the volume to `instanceId` as `device`. @internal */
export async function attachVolume(
  scope: VolumeCallScope,
  volumeId: string,
  instanceId: string,
  device: string,
): Promise<void> {
  try {
    await scope.client.send(
      new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }),
      { abortSignal: scope.abortSignal },
    );
  } catch (error) {
    throw wrapAwsError(error, scope.particle, `attach volume ${volumeId} to ${instanceId}`);
  }
}

/**
 * Detaches the volume from each instance of `attachments`, then waits until it is no longer in
 * use (or gone). Each DetachVolume names its instance: moto answers one without with a 500.
 * @internal
 */
export async function detachVolume(
  scope: VolumeCallScope,
  volumeId: string,
  attachments: readonly VolumeAttachment[],
): Promise<void> {
  for (const { InstanceId, Device } of attachments) {
    try {
      await scope.client.send(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId, Device }), {
        abortSignal: scope.abortSignal,
      });
    } catch (error) {
      if (!isNotFound(error))
        throw wrapAwsError(error, scope.particle, `detach volume ${volumeId} from ${InstanceId}`);
    }
  }
  await waitForVolume(scope, volumeId, "be detached", (volume) => volume?.State !== "in-use");
}

/** Polls the volume (`undefined` once gone) until `isDone`, backing off by `scope.waitOptions`. @internal */
export async function waitForVolume(
  scope: VolumeCallScope,
  volumeId: string,
  what: string,
  isDone: (volume: Volume | undefined) => boolean,
): Promise<void> {
  await waitFor(
    async () => {
      const [volume] = await describeVolumes(
        scope.client,
        "volume-id",
        [volumeId],
        scope.abortSignal,
      ).catch((error: unknown) => {
        throw wrapAwsError(error, scope.particle, "describe by volume-id");
      });
      return isDone(volume) ? { done: true, value: undefined } : { done: false };
    },
    {
      ...scope.waitOptions,
      signal: scope.abortSignal,
      description: `volume ${volumeId} to ${what}`,
    },
  );
}

/**
 * The device a volume attaches as, by PCF's rule: `/dev/xvdb` … `/dev/xvdk` by the last digit of
 * its name, else `/dev/sdf`. @internal
 */
export function deviceFor(volumeName: string): string {
  const last = volumeName.at(-1) ?? "";
  return /\d/.test(last) ? `/dev/xvd${String.fromCharCode(98 + Number(last))}` : "/dev/sdf";
}
