import {
  AutoScalingClient,
  CreateLaunchConfigurationCommand,
  DeleteLaunchConfigurationCommand,
  DescribeLaunchConfigurationsCommand,
} from "@aws-sdk/client-auto-scaling";
import type { ParticleDefinition } from "../../../src/index.js";
import { LaunchConfiguration } from "../../../src/providers/aws/autoscaling/launch-configuration.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const autoscaling = verificationClient(AutoScalingClient, import.meta.url);

const IMAGE_ID = "ami-12c6146b";
const USER_DATA = "#!/bin/bash\necho ready";

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function configuration(label: string, block: Record<string, unknown> = {}): ParticleDefinition {
  const base = {
    LaunchConfigurationName: name(label),
    ImageId: IMAGE_ID,
    InstanceType: "t3.micro",
    UserData: USER_DATA,
  };
  return definitionOf("launch_configuration", label, base, block);
}

/** What someone else makes: the same settings (UserData encoded, as the API takes it), without the framework. */
async function createBehindItsBack(label: string, instanceType: string): Promise<void> {
  await autoscaling.send(
    new CreateLaunchConfigurationCommand({
      LaunchConfigurationName: name(label),
      ImageId: IMAGE_ID,
      InstanceType: instanceType,
      UserData: Buffer.from(USER_DATA).toString("base64"),
    }),
  );
}

const NO_TAGS =
  "launch configurations keep no tags: one made by someone else cannot be told from the framework's own";
const IMMUTABLE = "every field is fixed at creation: nothing changes in place";

/**
 * launch_configuration: every field fixed at creation, no stopped form, no tags (so no ownership
 * record); UserData plain in the definition converges against AWS's base64.
 */
export const launchConfigurationSpec: ConformanceSpec = {
  writesProvenance: false,
  flavor: LaunchConfiguration,
  testFileUrl: import.meta.url,
  definition: (label) => configuration(label),
  verify: async (label) => {
    const { LaunchConfigurations = [] } = await autoscaling.send(
      new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: [name(label)] }),
    );
    const found = LaunchConfigurations.find((each) => each.LaunchConfigurationName === name(label));
    return found === undefined
      ? undefined
      : {
          InstanceType: found.InstanceType,
          ImageId: found.ImageId,
          UserData: Buffer.from(found.UserData ?? "", "base64").toString("utf8"),
        };
  },
  drift: {
    // A launch configuration cannot be modified: someone deletes it and makes it again, changed.
    apply: async (label) => {
      await autoscaling.send(
        new DeleteLaunchConfigurationCommand({ LaunchConfigurationName: name(label) }),
      );
      await createBehindItsBack(label, "t3.small");
    },
    field: "InstanceType",
  },
  // Allowed to replace, the run puts the drifted configuration back, by terminate and start.
  update: {
    definition: (label) => configuration(label, { custom_config: { replace_on_change: true } }),
    expected: { InstanceType: "t3.micro" },
  },
  replace: {
    definition: (label) => configuration(label, { InstanceType: "t3.small" }),
    expected: { InstanceType: "t3.small" },
    field: "InstanceType",
  },
  stop: "none",
  createForeign: (label) => createBehindItsBack(label, "t3.micro"),
  createOperation: "CreateLaunchConfiguration",
  knownGaps: [
    {
      step: "drift",
      reason: `${IMMUTABLE}: the drift plans as a replacement, refused`,
      failure: /InstanceType t3\.small → t3\.micro can only change by replacing the resource/,
    },
    {
      step: "update",
      reason: `${IMMUTABLE}: the change runs as terminate and start`,
      failure: /to match object \{ outcome: 'converged'/,
    },
    {
      step: "foreign",
      reason: `${NO_TAGS}: its terminate is not refused`,
      failure: /expected undefined to be an instance of ApplyError/,
    },
    {
      step: "adopt",
      reason: `${NO_TAGS}: plan gives no adopt note`,
      failure: /the given combination of arguments \(undefined and string\) is invalid/,
    },
  ],
};
