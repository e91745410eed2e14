import type { FlavorClass, FlavorRegistry } from "./core/registry.js";
import { loadNamingMissingPackage } from "./missing-package.js";

/**
 * The built-in flavors: each flavor string mapped to a loader of the class that implements it.
 * Nothing here is imported until a definition uses the flavor, so a file of local particles never
 * loads a cloud SDK. The imports are literal so that TypeScript checks every path and a bundler
 * can give each flavor its own lazily loaded chunk.
 */
export interface CatalogueEntry {
  /** Which provider the flavor belongs to, for `pcf flavors`. */
  readonly provider: "core" | "local" | "aws" | "azure" | "gcp";
  /** Imports the flavor's module and returns its class. */
  readonly load: () => Promise<FlavorClass>;
}

/** Every built-in flavor. */
export const BUILT_IN_FLAVORS: Readonly<Record<string, CatalogueEntry>> = {
  quasiparticle: {
    provider: "core",
    load: async () => (await import("./core/quasiparticle.js")).Quasiparticle,
  },
  distributed_master_worker: {
    provider: "core",
    load: async () =>
      (await import("./quasiparticles/distributed-master-worker.js")).DistributedMasterWorker,
  },
  cross_cloud_storage: {
    provider: "core",
    load: async () => (await import("./quasiparticles/cross-cloud-storage.js")).CrossCloudStorage,
  },
  ec2_route53: {
    provider: "core",
    load: async () => (await import("./quasiparticles/ec2-route53.js")).Ec2Route53,
  },
  ecs_instance_quasi: {
    provider: "core",
    load: async () => (await import("./quasiparticles/ecs-instance-quasi.js")).EcsInstanceQuasi,
  },
  local_file: {
    provider: "local",
    load: async () => (await import("./providers/local/file.js")).LocalFile,
  },
  local_process: {
    provider: "local",
    load: async () => (await import("./providers/local/process.js")).LocalProcess,
  },
  s3_bucket: {
    provider: "aws",
    load: async () => (await import("./providers/aws/s3/bucket.js")).S3Bucket,
  },
  sqs_queue: {
    provider: "aws",
    load: async () => (await import("./providers/aws/sqs/queue.js")).SqsQueue,
  },
  vpc_instance: {
    provider: "aws",
    load: async () => (await import("./providers/aws/vpc/vpc.js")).VpcInstance,
  },
  subnet: {
    provider: "aws",
    load: async () => (await import("./providers/aws/vpc/subnet.js")).Subnet,
  },
  security_group: {
    provider: "aws",
    load: async () => (await import("./providers/aws/vpc/security-group.js")).SecurityGroup,
  },
  ec2_instance: {
    provider: "aws",
    load: async () => (await import("./providers/aws/ec2/instance.js")).Ec2Instance,
  },
  ebs_volume: {
    provider: "aws",
    load: async () => (await import("./providers/aws/ec2/ebs-volume.js")).EbsVolume,
  },
  dynamodb_table: {
    provider: "aws",
    load: async () => (await import("./providers/aws/dynamodb/table.js")).DynamodbTable,
  },
  cloudwatch_logs: {
    provider: "aws",
    load: async () => (await import("./providers/aws/logs/log-group.js")).CloudwatchLogs,
  },
  auto_scaling_group: {
    provider: "aws",
    load: async () =>
      (await import("./providers/aws/autoscaling/auto-scaling-group.js")).AutoScalingGroup,
  },
  launch_configuration: {
    provider: "aws",
    load: async () =>
      (await import("./providers/aws/autoscaling/launch-configuration.js")).LaunchConfiguration,
  },
  rds_instance: {
    provider: "aws",
    load: async () => (await import("./providers/aws/rds/db-instance.js")).RdsInstance,
  },
  cloudformation: {
    provider: "aws",
    load: async () => (await import("./providers/aws/cloudformation/stack.js")).CloudformationStack,
  },
  sagemaker_notebook_instance: {
    provider: "aws",
    load: async () =>
      (await import("./providers/aws/sagemaker/notebook-instance.js")).SagemakerNotebookInstance,
  },
  glacier_vault: {
    provider: "aws",
    load: async () => (await import("./providers/aws/glacier/vault.js")).GlacierVault,
  },
  ecr_repository: {
    provider: "aws",
    load: async () => (await import("./providers/aws/ecr/repository.js")).EcrRepository,
  },
  cloudfront: {
    provider: "aws",
    load: async () =>
      (await import("./providers/aws/cloudfront/distribution.js")).CloudfrontDistribution,
  },
  lambda_function: {
    provider: "aws",
    load: async () => (await import("./providers/aws/lambda/function.js")).LambdaFunction,
  },
  lambda_python_function: {
    provider: "aws",
    load: async () =>
      (await import("./providers/aws/lambda/python-function.js")).LambdaPythonFunction,
  },
  alb: {
    provider: "aws",
    load: async () => (await import("./providers/aws/elb/application-load-balancer.js")).Alb,
  },
  elb: {
    provider: "aws",
    load: async () => (await import("./providers/aws/elb/classic-load-balancer.js")).Elb,
  },
  sns_topic: {
    provider: "aws",
    load: async () => (await import("./providers/aws/sns/topic.js")).SnsTopic,
  },
  cloudwatch_events: {
    provider: "aws",
    load: async () => (await import("./providers/aws/events/rule.js")).CloudwatchEvents,
  },
  efs_instance: {
    provider: "aws",
    load: async () => (await import("./providers/aws/efs/file-system.js")).EfsInstance,
  },
  ecs_cluster: {
    provider: "aws",
    load: async () => (await import("./providers/aws/ecs/cluster.js")).EcsCluster,
  },
  ecs_task_definition: {
    provider: "aws",
    load: async () => (await import("./providers/aws/ecs/task-definition.js")).EcsTaskDefinition,
  },
  ecs_service: {
    provider: "aws",
    load: async () => (await import("./providers/aws/ecs/service.js")).EcsService,
  },
  ecs_task: {
    provider: "aws",
    load: async () => (await import("./providers/aws/ecs/task.js")).EcsTask,
  },
  ecs_instance: {
    provider: "aws",
    load: async () => (await import("./providers/aws/ecs/instance.js")).EcsInstance,
  },
  route53_hosted_zone: {
    provider: "aws",
    load: async () => (await import("./providers/aws/route53/hosted-zone.js")).Route53HostedZone,
  },
  route53_record: {
    provider: "aws",
    load: async () => (await import("./providers/aws/route53/record.js")).Route53Record,
  },
  kms_key: {
    provider: "aws",
    load: async () => (await import("./providers/aws/kms/key.js")).KmsKey,
  },
  iam_policy: {
    provider: "aws",
    load: async () => (await import("./providers/aws/iam/policy.js")).IamPolicy,
  },
  iam_role: {
    provider: "aws",
    load: async () => (await import("./providers/aws/iam/role.js")).IamRole,
  },
  batch_compute_environment: {
    provider: "aws",
    load: async () =>
      (await import("./providers/aws/batch/compute-environment.js")).BatchComputeEnvironment,
  },
  emr_cluster: {
    provider: "aws",
    load: async () => (await import("./providers/aws/emr/cluster.js")).EmrCluster,
  },
  batch_job_queue: {
    provider: "aws",
    load: async () => (await import("./providers/aws/batch/job-queue.js")).BatchJobQueue,
  },
  blob: {
    provider: "azure",
    load: async () => (await import("./providers/azure/blob/container.js")).BlobContainer,
  },
  storage: {
    provider: "gcp",
    load: async () => (await import("./providers/gcp/storage/bucket.js")).StorageBucket,
  },
  compute: {
    provider: "gcp",
    load: async () => (await import("./providers/gcp/compute/instance.js")).ComputeInstance,
  },
};

/** Adds every built-in flavor to `registry` as a lazy entry: its module loads on first use. */
export function registerBuiltInFlavors(registry: FlavorRegistry): void {
  for (const [flavor, entry] of Object.entries(BUILT_IN_FLAVORS))
    registry.registerLazy(flavor, () => loadNamingMissingPackage(flavor, entry.load));
}
