import {
  ModifyInstanceAttributeCommand,
  StopInstancesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { PcfError } from "../../../core/errors.js";
import { waitFor, type BackoffOptions } from "../../../core/wait.js";
import { wrapAwsError } from "../errors.js";
import { describeInstances } from "./describe.js";

// How `ec2_instance` changes an instance's type: AWS takes a new type only on a stopped instance.

/** Where instance calls run: the run's signal, the particle (for errors), the backoff. @internal */
export interface InstanceCallScope {
  readonly abortSignal: AbortSignal;
  readonly particle: string;
  readonly waitOptions: BackoffOptions;
}

/**
 * Stops the instance and waits until it reads `stopped`.
 * @throws PcfError `TRANSITION_FAILED` when it is terminated or gone meanwhile.
 * @internal
 */
export async function stopAndWait(
  client: EC2Client,
  instanceId: string,
  scope: InstanceCallScope,
): Promise<void> {
  await client.send(new StopInstancesCommand({ InstanceIds: [instanceId] }), {
    abortSignal: scope.abortSignal,
  });
  await waitFor(
    async () => {
      const [instance] = await describeInstances(
        client,
        "instance-id",
        [instanceId],
        scope.abortSignal,
      ).catch((error: unknown) => {
        throw wrapAwsError(error, scope.particle, "describe by instance-id");
      });
      const name = instance?.State?.Name;
      if (name === undefined || name === "terminated")
        throw new PcfError("TRANSITION_FAILED", `instance ${instanceId} vanished while stopping`, {
          particle: scope.particle,
        });
      return name === "stopped" ? { done: true, value: undefined } : { done: false };
    },
    {
      ...scope.waitOptions,
      signal: scope.abortSignal,
      description: `${scope.particle} to stop for its type change`,
    },
  );
}

/** Sets the type of a stopped instance (any type string: the SDK's list lags behind AWS's). @internal */
export async function changeType(
  client: EC2Client,
  instanceId: string,
  type: string,
  abortSignal: AbortSignal,
): Promise<void> {
  await client.send(
    new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: type } }),
    { abortSignal },
  );
}
