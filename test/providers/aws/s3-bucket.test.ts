import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import {
  DefinitionError,
  Field,
  applyField,
  loadField,
  planField,
  type ParticleDefinition,
} from "../../../src/index.js";
import { createRunContext } from "../../../src/core/run-context.js";
import { discoverFlavor } from "../../../src/providers/kit/discovery.js";
import { OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE } from "../../../src/providers/aws/tags.js";
import { S3Bucket, type S3BucketDefinition } from "../../../src/providers/aws/s3/bucket.js";
import { awsTestOptions, motoEndpoint, uniqueName, verificationClient } from "../../support/aws.js";
import {
  OWNERSHIP,
  countReapply,
  countApply,
  countedOptions,
  definitionErrorOf,
  definitionOf,
  expectStopDeletes,
  expectTerminatesWhenGone,
  failureOf,
  tagMap,
} from "../../support/aws-fixtures.js";
import { startFaultProxy } from "../../support/fault-proxy.js";

const s3 = verificationClient(S3Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

function bucketDefinition(
  label: string,
  block: Partial<S3BucketDefinition> = {},
): ParticleDefinition {
  return definitionOf("s3_bucket", label, { Bucket: uniqueName(import.meta.url, label) }, block);
}

function bucket(label: string, block: Partial<S3BucketDefinition> = {}): S3Bucket {
  return new S3Bucket(bucketDefinition(label, block));
}

async function exists(name: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
    return true;
  } catch {
    return false;
  }
}

async function tagsOf(name: string): Promise<Record<string, string | undefined>> {
  const { TagSet } = await s3.send(new GetBucketTaggingCommand({ Bucket: name }));
  return tagMap(TagSet);
}

describe("s3_bucket", () => {
  it("creates the bucket tagged with its tags and the ownership tag", async () => {
    const logs = bucket("create", { custom_config: { Tags: { team: "data", version: 2 } } });
    const result = await logs.apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    expect(await tagsOf(uniqueName(import.meta.url, "create"))).toEqual({
      team: "data",
      version: "2",
      ...OWNERSHIP,
    });
  });

  it("reports a second apply as unchanged", async () => {
    const definition = bucketDefinition("noop", { custom_config: { Tags: { team: "data" } } });
    await new S3Bucket(definition).apply({ providerOptions });
    const again = await new S3Bucket(definition).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("updates the tags in place: changed, added and removed", async () => {
    const name = uniqueName(import.meta.url, "update");
    await bucket("update", { custom_config: { Tags: { team: "data", old: "x" } } }).apply({
      providerOptions,
    });
    const result = await bucket("update", {
      custom_config: { Tags: { team: "ml", added: "y" } },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect(await tagsOf(name)).toEqual({ team: "ml", added: "y", ...OWNERSHIP });
  });

  it("corrects tags changed behind its back", async () => {
    const name = uniqueName(import.meta.url, "drift");
    const particle = bucket("drift", { custom_config: { Tags: { team: "data" } } });
    await particle.apply({ providerOptions });
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: {
          TagSet: [
            { Key: "team", Value: "hacked" },
            { Key: "extra", Value: "1" },
            { Key: OWNERSHIP_TAG_KEY, Value: OWNERSHIP_TAG_VALUE },
          ],
        },
      }),
    );
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(await tagsOf(name)).toEqual({ team: "data", ...OWNERSHIP });
  });

  it("creates the bucket in its region_name", async () => {
    const name = uniqueName(import.meta.url, "region");
    await bucket("region", { region_name: "eu-west-1" }).apply({ providerOptions });
    const { LocationConstraint } = await s3.send(new GetBucketLocationCommand({ Bucket: name }));
    expect(LocationConstraint).toBe("eu-west-1");
    const again = await bucket("region", { region_name: "eu-west-1" }).apply({ providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
  });

  it("discovers the buckets of its own region only, though bucket names are global", async () => {
    const here = uniqueName(import.meta.url, "listed-here");
    const there = uniqueName(import.meta.url, "listed-there");
    await bucket("listed-here").apply({ providerOptions });
    await bucket("listed-there", { region_name: "eu-west-2" }).apply({ providerOptions });
    const found = await discoverFlavor(S3Bucket, createRunContext({ providerOptions }));
    const keys = found?.map((entry) => entry.key) ?? [];
    expect(keys).toContain(here);
    expect(keys).not.toContain(there);
  });

  it("terminates the bucket", async () => {
    const name = uniqueName(import.meta.url, "terminate");
    const particle = bucket("terminate");
    await particle.apply({ providerOptions });
    expect(await exists(name)).toBe(true);
    const result = await particle.apply({ providerOptions, desiredState: "terminated" });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["terminate"],
      state: "terminated",
    });
    expect(await exists(name)).toBe(false);
  });

  it("deletes the bucket when asked to stop, and then counts it as stopped", async () => {
    const { stopped } = await expectStopDeletes(import.meta.url, bucket, async (label) => {
      expect(await exists(uniqueName(import.meta.url, label))).toBe(false);
    });
    expect(stopped).toMatchObject({ outcome: "converged", state: "terminated" });
  });

  it("terminates a bucket that is already gone", async () => {
    await expectTerminatesWhenGone(import.meta.url, bucket, (label) =>
      s3.send(new DeleteBucketCommand({ Bucket: uniqueName(import.meta.url, label) })),
    );
  });

  it("refuses to terminate a bucket it did not create, and names the way out", async () => {
    const name = uniqueName(import.meta.url, "foreign");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const error = await failureOf(
      bucket("foreign").apply({ providerOptions, desiredState: "terminated" }),
    );
    expect(error.result.particles[0]?.error).toMatchObject({ code: "TRANSITION_FAILED" });
    expect(error.message).toMatch(
      /exists but was not created by particle-cloud.*custom_config\.adopt: true/,
    );
    expect(await exists(name)).toBe(true);
  });

  it("refuses to change the tags of a bucket it did not create", async () => {
    const name = uniqueName(import.meta.url, "foreign-tags");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: { TagSet: [{ Key: "team", Value: "theirs" }] },
      }),
    );
    const error = await failureOf(
      bucket("foreign-tags", { custom_config: { Tags: { team: "ours" } } }).apply({
        providerOptions,
      }),
    );
    expect(error.message).toMatch(/refusing to update/);
    expect(await tagsOf(name)).toEqual({ team: "theirs" });
  });

  it("plans a bucket a killed run left untagged as not ours, naming the way to adopt it", async () => {
    // A run killed between CreateBucket and PutBucketTagging leaves this bucket (moto drops the
    // create's tags): a later plan reads its tags and says how to take it over.
    const name = uniqueName(import.meta.url, "killed");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const definition = bucketDefinition("killed", { custom_config: { Tags: { team: "data" } } });
    const plan = await planField(new Field([new S3Bucket(definition)]).link(), { providerOptions });
    expect(plan.particles[0]).toMatchObject({
      state: "running",
      transitions: ["update"],
      note: expect.stringMatching(
        /not created by particle-cloud.*`pcf apply --adopt killed`/,
      ) as unknown,
    });
    const adopted = bucketDefinition("killed", {
      custom_config: { Tags: { team: "data" }, adopt: true },
    });
    await new S3Bucket(adopted).apply({ providerOptions });
    expect(await tagsOf(name)).toEqual({ team: "data", ...OWNERSHIP });
  });

  it("terminates a bucket it did not create when told to adopt it", async () => {
    const name = uniqueName(import.meta.url, "adopted");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const result = await bucket("adopted", { custom_config: { adopt: true } }).apply({
      providerOptions,
      desiredState: "terminated",
    });
    expect(result.particles[0]?.transitions).toEqual(["terminate"]);
    expect(await exists(name)).toBe(false);
  });

  it("keeps a bucket's own tags when adopting it with a definition that lists none", async () => {
    const name = uniqueName(import.meta.url, "kept-tags");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: { TagSet: [{ Key: "owner", Value: "finance" }] },
      }),
    );
    const result = await bucket("kept-tags").apply({ providerOptions, adopt: ["kept-tags"] });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(await tagsOf(name)).toEqual({ owner: "finance", ...OWNERSHIP });
  });

  it("fails clearly on a non-empty bucket and leaves its objects alone", async () => {
    const name = uniqueName(import.meta.url, "full");
    await bucket("full").apply({ providerOptions });
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "keep.txt", Body: "data" }));
    const error = await failureOf(
      bucket("full").apply({ providerOptions, desiredState: "terminated" }),
    );
    expect(error.message).toMatch(/BucketNotEmpty.*|.*empty it first/);
    expect(await exists(name)).toBe(true);
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "keep.txt" }));
    await bucket("full").apply({ providerOptions, desiredState: "terminated" });
    expect(await exists(name)).toBe(false);
  });

  it("reads three buckets with one ListBuckets call and their tags with one GetResources call", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    const { outcomes, counts } = await countReapply(import.meta.url, () =>
      labels.map((label) => bucket(label)),
    );
    expect(outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(counts).toEqual({ ListBucketsCommand: 1, GetResourcesCommand: 1 });
  });

  it("reads the tags of a bucket the tagging index does not list as ours, and plans it as not ours", async () => {
    const ours = bucket("indexed-ours");
    await ours.apply({ providerOptions });
    // A killed run's bucket: created, never tagged.
    await s3.send(new CreateBucketCommand({ Bucket: uniqueName(import.meta.url, "indexed-bare") }));
    const { counter, providerOptions: counted } = countedOptions(import.meta.url);
    const field = new Field([bucket("indexed-ours"), bucket("indexed-bare")]).link();
    const plan = await planField(field, { providerOptions: counted });
    expect(plan.particles.map((entry) => entry.transitions)).toEqual([[], []]);
    expect(plan.particles[1]?.note).toContain("pcf apply --adopt");
    expect(counter.all()).toEqual({
      ListBucketsCommand: 1,
      GetResourcesCommand: 1,
      GetBucketTaggingCommand: 1,
    });
  });

  it("reads each bucket's tags when the tagging API is refused (no tag:GetResources)", async () => {
    const labels = ["refused-a", "refused-b"];
    await applyField(new Field(labels.map((label) => bucket(label))).link(), { providerOptions });
    const proxy = await startFaultProxy({
      target: motoEndpoint(),
      rules: [
        {
          operation: "GetResources",
          fault: {
            kind: "respond",
            when: "before",
            status: 400,
            body: JSON.stringify({ __type: "AccessDeniedException", message: "not allowed" }),
            headers: { "content-type": "application/x-amz-json-1.1" },
          },
        },
      ],
    });
    try {
      const { counter, providerOptions: counted } = countedOptions(import.meta.url);
      const aws = { ...counted.aws, endpoint: proxy.endpoint };
      const result = await applyField(new Field(labels.map((label) => bucket(label))).link(), {
        providerOptions: { aws },
      });
      expect(result.particles.map((report) => report.outcome)).toEqual(["unchanged", "unchanged"]);
      expect(proxy.injected.get("GetResources")).toBe(1);
      expect(counter.all()).toEqual({
        ListBucketsCommand: 1,
        GetResourcesCommand: 1,
        GetBucketTaggingCommand: 2,
      });
    } finally {
      await proxy.stop();
    }
  });

  it("trusts its create and delete calls instead of listing the buckets again, reading back only the tags", async () => {
    const labels = ["certain-a", "certain-b"];
    const created = await countApply(
      import.meta.url,
      labels.map((label) => bucket(label)),
    );
    expect(created.outcomes).toEqual(["converged", "converged"]);
    expect(created.counts).toEqual({
      ListBucketsCommand: 1,
      CreateBucketCommand: 2,
      PutBucketTaggingCommand: 2,
      // PutBucketTagging's answer carries nothing: the tags are read back once to confirm them.
      GetBucketTaggingCommand: 2,
    });

    const doomed = labels.map((label) => bucket(label));
    for (const particle of doomed) particle.desiredState = "terminated";
    const terminated = await countApply(import.meta.url, doomed);
    expect(terminated.outcomes).toEqual(["converged", "converged"]);
    expect(terminated.counts).toEqual({
      ListBucketsCommand: 1,
      GetResourcesCommand: 1,
      DeleteBucketCommand: 2,
    });
    for (const label of labels)
      expect(await exists(uniqueName(import.meta.url, label))).toBe(false);
  });

  it("reads the tags of buckets whose definition lists them from the tagging index too", async () => {
    const labels = ["tagged-a", "tagged-b", "tagged-c"];
    const tagged = (label: string): S3Bucket =>
      bucket(label, { custom_config: { Tags: { batch: "yes" } } });
    await applyField(new Field(labels.map(tagged)).link(), { providerOptions });

    const { outcomes, counts } = await countApply(import.meta.url, labels.map(tagged));
    expect(outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(counts).toEqual({ ListBucketsCommand: 1, GetResourcesCommand: 1 });
  });

  it("loads and applies PCF's own example definition", async () => {
    // From capitalone/Particle-Cloud-Framework examples/particle/aws/s3/use_s3/example_s3_bucket.py.
    const example = {
      pcf_name: "pcf_s3_bucket",
      flavor: "s3_bucket",
      aws_resource: { Bucket: "pcf-test", custom_config: { Tags: { Name: "pcf-s3-example" } } },
    };
    const { field } = await loadField([example]);
    expect(field.get("s3_bucket:pcf_s3_bucket")).toBeInstanceOf(S3Bucket);

    const name = uniqueName(import.meta.url, "example");
    const { field: renamed } = await loadField([
      { ...example, aws_resource: { ...example.aws_resource, Bucket: name } },
    ]);
    await applyField(renamed, { providerOptions });
    expect(await tagsOf(name)).toEqual({ Name: "pcf-s3-example", ...OWNERSHIP });
  });

  it("rejects a definition without its Bucket when constructed", () => {
    const error = (() => {
      try {
        new S3Bucket({
          pcf_name: "nameless",
          flavor: "s3_bucket",
          aws_resource: { custom_config: { Tags: { a: "b" } } },
        });
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).issues).toEqual([
      expect.objectContaining({
        particle: "s3_bucket:nameless",
        field: "aws_resource.Bucket",
        message: expect.stringMatching(/unique key/) as unknown,
      }),
    ]);
  });

  it("rejects fields of the wrong type, listing every problem", async () => {
    const error = await definitionErrorOf([
      {
        pcf_name: "typed",
        flavor: "s3_bucket",
        aws_resource: {
          Bucket: 42,
          ACL: "everyone",
          custom_config: { Tags: { team: { nested: true } } },
        },
      },
    ]);
    const fields = error.issues.map((issue) => issue.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "aws_resource.Bucket",
        "aws_resource.ACL",
        "aws_resource.custom_config.Tags.team",
      ]),
    );
    expect(
      () =>
        new S3Bucket({
          pcf_name: "typed",
          flavor: "s3_bucket",
          aws_resource: { Bucket: "ok-name", ACL: "everyone" },
        }),
    ).toThrow(DefinitionError);
  });
});
