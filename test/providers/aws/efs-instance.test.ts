import {
  CreateFileSystemCommand,
  DescribeFileSystemsCommand,
  EFSClient,
} from "@aws-sdk/client-efs";
import { describe, expect, it } from "vitest";
import { EfsInstance } from "../../../src/providers/aws/efs/file-system.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import { OWNERSHIP, definitionOf, failureOf } from "../../support/aws-fixtures.js";

const efs = verificationClient(EFSClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

function fileSystem(label: string, block: Record<string, unknown> = {}): EfsInstance {
  const base = { custom_config: { instance_name: uniqueName(import.meta.url, label) } };
  return new EfsInstance(definitionOf("efs_instance", label, base, block));
}

describe("efs_instance", () => {
  it("creates PCF's definition under its own CreationToken, with the Name tag, and leaves it unchanged", async () => {
    const pcf = {
      CreationToken: uniqueName(import.meta.url, "token"),
      PerformanceMode: "generalPurpose",
    };
    const result = await fileSystem("pcf", pcf).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
    const { FileSystems = [] } = await efs.send(
      new DescribeFileSystemsCommand({ CreationToken: pcf.CreationToken }),
    );
    expect(FileSystems).toHaveLength(1);
    expect(FileSystems[0]?.Tags).toEqual(
      expect.arrayContaining([
        { Key: "Name", Value: uniqueName(import.meta.url, "pcf") },
        { Key: Object.keys(OWNERSHIP)[0], Value: Object.values(OWNERSHIP)[0] },
      ]),
    );
    const again = await fileSystem("pcf", pcf).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("refuses to choose between two file systems carrying its Name tag, naming both", async () => {
    const Name = uniqueName(import.meta.url, "twice");
    const ids = await Promise.all(
      ["a", "b"].map(async (suffix) => {
        const { FileSystemId } = await efs.send(
          new CreateFileSystemCommand({
            CreationToken: `${Name}-${suffix}`,
            Tags: [{ Key: "Name", Value: Name }],
          }),
        );
        return FileSystemId ?? "";
      }),
    );
    const error = await failureOf(fileSystem("twice").apply({ providerOptions }));
    expect(error.result.particles[0]?.error).toMatchObject({ code: "DUPLICATE_RESOURCE" });
    for (const id of ids) expect(error.message).toContain(id);
  });
});
