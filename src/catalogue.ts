import type { FlavorClass, FlavorRegistry } from "./core/registry.js";

/**
 * The built-in flavors: each flavor string mapped to the module and export that implement it.
 * Nothing here is imported until a definition uses the flavor, so a file of local particles never
 * loads a cloud SDK.
 */
export interface CatalogueEntry {
  /** Which provider the flavor belongs to, for `pcf flavors`. */
  readonly provider: "core" | "local" | "aws";
  /** Module path relative to this file. */
  readonly module: string;
  /** The name of the exported class. */
  readonly export: string;
}

/** Every built-in flavor. */
export const BUILT_IN_FLAVORS: Readonly<Record<string, CatalogueEntry>> = {
  quasiparticle: { provider: "core", module: "./core/quasiparticle.js", export: "Quasiparticle" },
  distributed_master_worker: {
    provider: "core",
    module: "./quasiparticles/distributed-master-worker.js",
    export: "DistributedMasterWorker",
  },
  local_file: { provider: "local", module: "./providers/local/file.js", export: "LocalFile" },
  local_process: {
    provider: "local",
    module: "./providers/local/process.js",
    export: "LocalProcess",
  },
  s3_bucket: { provider: "aws", module: "./providers/aws/s3/bucket.js", export: "S3Bucket" },
  sqs_queue: { provider: "aws", module: "./providers/aws/sqs/queue.js", export: "SqsQueue" },
  vpc_instance: { provider: "aws", module: "./providers/aws/vpc/vpc.js", export: "VpcInstance" },
  subnet: { provider: "aws", module: "./providers/aws/vpc/subnet.js", export: "Subnet" },
  security_group: {
    provider: "aws",
    module: "./providers/aws/vpc/security-group.js",
    export: "SecurityGroup",
  },
  ec2_instance: {
    provider: "aws",
    module: "./providers/aws/ec2/instance.js",
    export: "Ec2Instance",
  },
  ebs_volume: { provider: "aws", module: "./providers/aws/ec2/ebs-volume.js", export: "EbsVolume" },
  dynamodb_table: {
    provider: "aws",
    module: "./providers/aws/dynamodb/table.js",
    export: "DynamodbTable",
  },
  cloudwatch_logs: {
    provider: "aws",
    module: "./providers/aws/logs/log-group.js",
    export: "CloudwatchLogs",
  },
  kms_key: { provider: "aws", module: "./providers/aws/kms/key.js", export: "KmsKey" },
  iam_policy: { provider: "aws", module: "./providers/aws/iam/policy.js", export: "IamPolicy" },
  iam_role: { provider: "aws", module: "./providers/aws/iam/role.js", export: "IamRole" },
};

/** Adds every built-in flavor to `registry` as a lazy entry: its module loads on first use. */
export function registerBuiltInFlavors(registry: FlavorRegistry): void {
  for (const [flavor, entry] of Object.entries(BUILT_IN_FLAVORS)) {
    registry.registerLazy(flavor, async () => {
      const module = (await import(new URL(entry.module, import.meta.url).href)) as Record<
        string,
        unknown
      >;
      return module[entry.export] as FlavorClass;
    });
  }
}
