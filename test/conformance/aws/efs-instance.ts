import {
  CreateFileSystemCommand,
  EFSClient,
  TagResourceCommand,
  paginateDescribeFileSystems,
  type FileSystemDescription,
} from "@aws-sdk/client-efs";
import { EfsInstance } from "../../../src/providers/aws/efs/file-system.js";
import { OWNERSHIP_TAG_KEY, tagsFromList } from "../../../src/providers/aws/tags.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const efs = verificationClient(EFSClient, import.meta.url);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function fileSystem(
  label: string,
  block: Record<string, unknown> = {},
): ReturnType<typeof definitionOf> {
  return definitionOf(
    "efs_instance",
    label,
    {
      custom_config: { instance_name: name(label) },
      PerformanceMode: "generalPurpose",
      Tags: [{ Key: "team", Value: "web" }],
    },
    block,
  );
}

/** The file system carrying `label`'s Name tag, as a second client lists it. */
async function found(label: string): Promise<FileSystemDescription | undefined> {
  for await (const page of paginateDescribeFileSystems({ client: efs }, {}))
    for (const candidate of page.FileSystems ?? [])
      if (tagsFromList(candidate.Tags)["Name"] === name(label)) return candidate;
  return undefined;
}

/** efs_instance: tags update in place; the performance mode is fixed; no stopped form. */
export const efsInstanceSpec: ConformanceSpec = {
  flavor: EfsInstance,
  testFileUrl: import.meta.url,
  definition: (label) => fileSystem(label),
  verify: async (label) => {
    const live = await found(label);
    if (live === undefined) return undefined;
    const tags = tagsFromList(live.Tags);
    return {
      PerformanceMode: live.PerformanceMode,
      team: tags["team"],
      owned: OWNERSHIP_TAG_KEY in tags,
    };
  },
  drift: {
    apply: async (label) => {
      const live = await found(label);
      await efs.send(
        new TagResourceCommand({
          ResourceId: live?.FileSystemId,
          Tags: [{ Key: "team", Value: "drifted" }],
        }),
      );
    },
    field: "team",
  },
  update: {
    definition: (label) => fileSystem(label, { Tags: [{ Key: "team", Value: "data" }] }),
    expected: { team: "data" },
  },
  replace: {
    definition: (label) =>
      fileSystem(label, { Tags: [{ Key: "team", Value: "data" }], PerformanceMode: "maxIO" }),
    expected: { PerformanceMode: "maxIO", team: "data" },
    field: "PerformanceMode",
  },
  stop: "none",
  createForeign: async (label) => {
    await efs.send(
      new CreateFileSystemCommand({
        CreationToken: `${name(label)}-foreign`,
        Tags: [{ Key: "Name", Value: name(label) }],
      }),
    );
  },
  createOperation: "CreateFileSystem",
};
