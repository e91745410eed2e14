import { describe, expect, it } from "vitest";
import { BUILT_IN_FLAVORS } from "../../src/index.js";

/**
 * Every flavor name PCF shipped (version 0.4.6, 2021: the index of PCF-FLAVORS.md in the
 * workspace), AWS, GCP, Azure and quasiparticles alike.
 */
const PCF_FLAVORS = [
  "alb",
  "auto_scaling_group",
  "batch_compute_environment",
  "batch_job_queue",
  "blob",
  "cloudformation",
  "cloudfront",
  "cloudwatch_events",
  "cloudwatch_logs",
  "compute",
  "cross_cloud_storage",
  "distributed_master_worker",
  "dynamodb_table",
  "ebs_volume",
  "ec2_instance",
  "ec2_route53",
  "ecr_repository",
  "ecs_cluster",
  "ecs_instance",
  "ecs_instance_quasi",
  "ecs_service",
  "ecs_task",
  "ecs_task_definition",
  "efs_instance",
  "elb",
  "emr_cluster",
  "glacier_vault",
  "iam_policy",
  "iam_role",
  "kms_key",
  "lambda_function",
  "lambda_python_function",
  "launch_configuration",
  "quasiparticle",
  "rds_instance",
  "route53_hosted_zone",
  "route53_record",
  "s3_bucket",
  "sagemaker_notebook_instance",
  "security_group",
  "sqs_queue",
  "storage",
  "subnet",
  "vpc_instance",
];

/**
 * PCF's flavors not in the catalogue yet, and why. The test fails the day one is added without
 * leaving this list, and the day the catalogue loses one of PCF's.
 */
const NOT_YET: Readonly<Record<string, string>> = {};

describe("PCF's flavor names", () => {
  it("are all in the catalogue, but for the ones listed as not yet", () => {
    const missing = PCF_FLAVORS.filter((flavor) => !(flavor in BUILT_IN_FLAVORS));
    expect(missing).toEqual(Object.keys(NOT_YET).sort());
  });

  it("lists as not yet only PCF's own flavors", () => {
    for (const flavor of Object.keys(NOT_YET)) expect(PCF_FLAVORS).toContain(flavor);
  });
});
