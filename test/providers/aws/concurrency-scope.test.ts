import { describe, expect, it } from "vitest";
import { createRunContext, loadField } from "../../../src/index.js";

// The engine bounds concurrency per scope; AWS throttles per API, account and region, so that is
// what an AWS particle's scope names. No request is made: the scope comes from the definition.
describe("AWS concurrency scopes", () => {
  it("names the API and the region, shared by the flavors of one API", async () => {
    const { field } = await loadField([
      {
        pcf_name: "web",
        flavor: "ec2_instance",
        aws_resource: {
          ImageId: "ami-12c6146b",
          InstanceType: "t2.micro",
          custom_config: { instance_name: "web" },
        },
      },
      {
        pcf_name: "disk",
        flavor: "ebs_volume",
        aws_resource: {
          AvailabilityZone: "us-east-1a",
          Size: 1,
          custom_config: { volume_name: "disk" },
        },
      },
      { pcf_name: "logs", flavor: "s3_bucket", aws_resource: { Bucket: "logs" } },
      {
        pcf_name: "far",
        flavor: "s3_bucket",
        aws_resource: { Bucket: "far", region_name: "eu-west-1" },
      },
    ]);
    const context = createRunContext({ providerOptions: { aws: { region: "us-east-1" } } });

    expect(field.particles.map((particle) => particle.concurrencyScope(context))).toEqual([
      "aws:ec2:us-east-1",
      "aws:ec2:us-east-1",
      "aws:s3:us-east-1",
      "aws:s3:eu-west-1",
    ]);
  });
});
