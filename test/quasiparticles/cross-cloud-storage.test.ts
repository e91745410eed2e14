import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { DefinitionError, loadField, applyField, readDefinitionFile } from "../../src/index.js";
import { awsTestOptions, uniqueName, verificationClient } from "../support/aws.js";
import {
  azureTestOptions,
  verificationClient as blobVerificationClient,
} from "../support/azure.js";
import {
  gcpProject,
  gcpTestOptions,
  registerProject,
  verificationStorage,
} from "../support/gcp.js";

const FILE = "examples/cross-cloud-storage/pcf.yml";
const s3 = verificationClient(S3Client, import.meta.url);
const gcs = verificationStorage(import.meta.url);
const blobs = blobVerificationClient();
const providerOptions = {
  ...awsTestOptions(import.meta.url),
  ...gcpTestOptions(import.meta.url),
  ...azureTestOptions(),
};

/** The example with its storage name made unique to this file and `label`. */
async function example(label: string): Promise<{ name: string; definition: unknown }> {
  const [entry] = (await readDefinitionFile(FILE)) as Record<string, unknown>[];
  const name = uniqueName(import.meta.url, label).toLowerCase();
  return { name, definition: [{ ...entry, storage_name: name }] };
}

/** Which clouds hold a bucket called `name`, as second clients see. */
async function whereIs(name: string): Promise<string[]> {
  const clouds: string[] = [];
  const inS3 = await s3.send(new HeadBucketCommand({ Bucket: name })).then(
    () => true,
    () => false,
  );
  if (inS3) clouds.push("aws");
  const [inGcs] = await gcs.bucket(name).exists();
  if (inGcs) clouds.push("gcp");
  if (await blobs.getContainerClient(name).exists()) clouds.push("azure");
  return clouds;
}

beforeAll(async () => {
  await registerProject(gcpProject(import.meta.url));
});

describe("cross_cloud_storage (examples/cross-cloud-storage/pcf.yml)", () => {
  it("brings one bucket up on AWS, GCP and Azure together, then takes it down", async () => {
    const { name, definition } = await example("assets");
    const { field } = await loadField(definition);
    expect(field.particles.map((particle) => particle.id).sort()).toEqual([
      "blob:shared-assets",
      "s3_bucket:shared-assets",
      "storage:shared-assets",
    ]);
    const up = await applyField(field, { providerOptions });
    expect(up.particles.map((report) => report.outcome)).toEqual([
      "converged",
      "converged",
      "converged",
    ]);
    expect(await whereIs(name)).toEqual(["aws", "gcp", "azure"]);

    const again = await applyField((await loadField(definition)).field, { providerOptions });
    expect(again.particles.map((report) => report.outcome)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    const down = await applyField((await loadField(definition)).field, {
      providerOptions,
      desiredState: "terminated",
    });
    expect(down.particles.every((report) => report.state === "terminated")).toBe(true);
    expect(await whereIs(name)).toEqual([]);
  });

  it("places it on the clouds its particles list, each keeping a name it gives", async () => {
    const name = uniqueName(import.meta.url, "picked").toLowerCase();
    const { field } = await loadField({
      pcf_name: "picked",
      flavor: "cross_cloud_storage",
      storage_name: name,
      particles: [
        { flavor: "s3_bucket" },
        { flavor: "blob", azure_resource: { name: `${name}-b` } },
      ],
    });
    expect(field.particles.map((particle) => particle.definition)).toEqual([
      expect.objectContaining({ aws_resource: { Bucket: name } }),
      expect.objectContaining({ azure_resource: { name: `${name}-b` } }),
    ]);
  });

  it("refuses a member that is not storage, naming it", async () => {
    const error = await loadField({
      pcf_name: "mixed",
      flavor: "cross_cloud_storage",
      storage_name: "pcf-mixed",
      particles: [{ flavor: "sqs_queue", aws_resource: { QueueName: "q" } }],
    }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).message).toContain("sqs_queue is not a storage flavor");
  });
});
