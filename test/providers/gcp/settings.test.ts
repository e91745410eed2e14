import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ApplyError, Field, applyField, type ApplyOptions } from "../../../src/index.js";
import { StorageBucket } from "../../../src/providers/gcp/storage/bucket.js";
import { ComputeInstance } from "../../../src/providers/gcp/compute/instance.js";
import type { GcpProviderOptions } from "../../../src/providers/gcp/options.js";
import { uniqueName } from "../../support/aws.js";
import {
  gcpProject,
  gcpTestOptions,
  registerProject,
  verificationStorage,
} from "../../support/gcp.js";

const storage = verificationStorage(import.meta.url);

function bucket(label: string): Field {
  return new Field([
    new StorageBucket({
      pcf_name: label,
      flavor: "storage",
      gcp_resource: { name: uniqueName(import.meta.url, label), labels: { team: "data" } },
    }),
  ]).link();
}

function vm(label: string): Field {
  return new Field([
    new ComputeInstance({
      pcf_name: label,
      flavor: "compute",
      gcp_resource: { name: uniqueName(import.meta.url, `vm-${label}`), machineType: "e2-micro" },
    }),
  ]).link();
}

/** The message of the apply's failure, which must be one line. */
async function failureLine(field: Field, gcp: GcpProviderOptions): Promise<string> {
  const options: ApplyOptions = { providerOptions: gcpTestOptions(import.meta.url, gcp) };
  const error = await applyField(field, options).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApplyError);
  const message = (error as ApplyError).message;
  expect(message.split("\n")).toHaveLength(1);
  return message;
}

async function bucketExists(label: string): Promise<boolean> {
  const [exists] = await storage.bucket(uniqueName(import.meta.url, label)).exists();
  return exists;
}

describe("bad GCP provider settings fail with one clear line before any change", () => {
  beforeAll(() => registerProject(gcpProject(import.meta.url)));
  afterEach(() => vi.unstubAllEnvs());

  it("no credentials: names Application Default Credentials and how to provide them", async () => {
    // No key file, no gcloud login, and no metadata server to ask.
    vi.stubEnv("GOOGLE_APPLICATION_CREDENTIALS", "");
    vi.stubEnv("CLOUDSDK_CONFIG", "/nonexistent-gcloud-config");
    vi.stubEnv("METADATA_SERVER_DETECTION", "none");
    for (const field of [bucket("no-credentials"), vm("no-credentials")])
      expect(await failureLine(field, { authClient: undefined })).toMatch(
        /no usable GCP credentials \(Application Default Credentials\): set GOOGLE_APPLICATION_CREDENTIALS, run `gcloud auth application-default login`, or pass providerOptions\.gcp\.authClient/,
      );
    expect(await bucketExists("no-credentials")).toBe(false);
  });

  it("an unknown project: names the project and where it comes from", async () => {
    for (const field of [bucket("unknown-project"), vm("unknown-project")])
      expect(await failureLine(field, { projectId: "pcf-no-such-project" })).toMatch(
        /GCP project "pcf-no-such-project" does not exist or these credentials cannot see it: check custom_config\.project, providerOptions\.gcp\.projectId and GOOGLE_CLOUD_PROJECT/,
      );
    expect(await bucketExists("unknown-project")).toBe(false);
  });

  it("an unreachable endpoint: names the endpoint and the options that set it", async () => {
    const unreachable = "http://127.0.0.1:9";
    const settings = { storageEndpoint: unreachable, computeEndpoint: unreachable, maxRetries: 0 };
    for (const field of [bucket("unreachable"), vm("unreachable")])
      expect(await failureLine(field, settings)).toMatch(
        /cannot reach the GCP endpoint http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): check providerOptions\.gcp\.storageEndpoint \/ computeEndpoint/,
      );
    expect(await bucketExists("unreachable")).toBe(false);
  });

  it("no project at all: names the settings before any call", async () => {
    vi.stubEnv("GOOGLE_CLOUD_PROJECT", "");
    vi.stubEnv("GCLOUD_PROJECT", "");
    expect(await failureLine(bucket("no-project"), { projectId: undefined })).toMatch(
      /no GCP project: set custom_config\.project, providerOptions\.gcp\.projectId \(--gcp-project\) or GOOGLE_CLOUD_PROJECT/,
    );
  });

  it("no zone for a VM: names the settings before any call", async () => {
    vi.stubEnv("CLOUDSDK_COMPUTE_ZONE", "");
    expect(await failureLine(vm("no-zone"), { zone: undefined })).toMatch(
      /no GCP zone: set custom_config\.zone, providerOptions\.gcp\.zone \(--gcp-zone\) or CLOUDSDK_COMPUTE_ZONE/,
    );
  });

  it("checks the provider options themselves", async () => {
    expect(await failureLine(bucket("bad-option"), { computeEndpoint: "ftp://x" })).toMatch(
      /providerOptions\.gcp\.computeEndpoint|expected an http\(s\) URL/,
    );
  });
});
