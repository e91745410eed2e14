import {
  DescribeImagesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import type { RunContext } from "../../core/run-context.js";
import { awsClient } from "./clients.js";
import type { LookupKind } from "./lookup.js";
import { exactlyOne, quoted, type LookupOutcome } from "./lookup-outcome.js";
import { PCF_NAME_TAG } from "./tags.js";

/**
 * Runs one EC2 lookup (every kind but `iam`). A module of its own, loaded on the first lookup, so
 * that the rest of the provider does not load the EC2 client and a bundler keeps only the
 * commands named here.
 * @internal
 */
export async function lookupEc2(
  kind: Exclude<LookupKind, "iam">,
  names: string[],
  context: RunContext,
  region: string,
): Promise<LookupOutcome> {
  const ec2 = await awsClient(EC2Client, context, region);
  const abortSignal = context.signal;
  switch (kind) {
    case "ami": {
      const { Images = [] } = await ec2.send(
        new DescribeImagesCommand({ Filters: [{ Name: "name", Values: names }] }),
        { abortSignal },
      );
      return exactlyOne(
        Images.map((image) => image.ImageId),
        `image named ${quoted(names)}`,
      );
    }
    case "subnet": {
      const { Subnets = [] } = await ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: "tag:Name", Values: names }] }),
        { abortSignal },
      );
      return exactlyOne(
        Subnets.map((subnet) => subnet.SubnetId),
        `subnet tagged Name=${quoted(names)}`,
      );
    }
    case "snapshot": {
      const { Snapshots = [] } = await ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ["self"],
          Filters: [{ Name: "tag:Name", Values: names }],
        }),
        { abortSignal },
      );
      return exactlyOne(
        Snapshots.map((snapshot) => snapshot.SnapshotId),
        `snapshot tagged Name=${quoted(names)}`,
      );
    }
    case "instance_name": {
      const { Tags = [] } = await ec2.send(
        new DescribeTagsCommand({
          Filters: [
            { Name: "resource-id", Values: names },
            { Name: "key", Values: [PCF_NAME_TAG] },
          ],
        }),
        { abortSignal },
      );
      return exactlyOne(
        Tags.map((tag) => tag.Value),
        `${PCF_NAME_TAG} tag on instance ${quoted(names)}`,
      );
    }
    case "security_group": {
      const { SecurityGroups = [] } = await ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: names }] }),
        { abortSignal },
      );
      const ids: string[] = [];
      for (const name of names) {
        const found = exactlyOne(
          SecurityGroups.filter((group) => group.GroupName === name).map((group) => group.GroupId),
          `security group named "${name}"`,
        );
        if ("problem" in found) return found;
        ids.push(...[found.value].flat());
      }
      return { value: ids };
    }
  }
}
