/**
 * The AWS provider: particle flavors on the AWS SDK for JavaScript v3, and what they share.
 * Importing this module loads the SDK of every flavor it exports; the flavor loader instead imports
 * one flavor's module (`providers/aws/s3/bucket.js`) when a definition first uses it.
 */
export {
  awsClient,
  resolveRegion,
  type AwsClientClass,
  type AwsClientConfig,
  type RegionSources,
} from "./clients.js";
export {
  AwsCallError,
  awsErrorCode,
  awsHttpStatus,
  isAbort,
  isConflict,
  isNoTagSet,
  isNotFound,
  isRequestTimeout,
  isPreconditionFailed,
  isRetryable,
  isThrottled,
  wrapAwsError,
} from "./errors.js";
export {
  LOOKUP_KINDS,
  hasLookups,
  lookupIssues,
  resolveLookups,
  type LookupKind,
  type LookupScope,
} from "./lookup.js";
export { s3LeaseBackend, type S3LeaseBackendOptions } from "./lease-s3.js";
export type { AwsClient, AwsProviderOptions } from "./options.js";
export {
  DEFAULT_AWS_CONNECTION_TIMEOUT_MS,
  DEFAULT_AWS_REQUEST_TIMEOUT_MS,
} from "./request-timeouts.js";
export { AWSResource, awsCustomConfigSchema, regionNameSchema } from "./resource.js";
export {
  DynamodbTable,
  dynamodbTableSchema,
  type DynamodbTableDefinition,
} from "./dynamodb/table.js";
export { KmsKey, kmsKeySchema, type KmsKeyDefinition } from "./kms/key.js";
export {
  CloudwatchLogs,
  cloudwatchLogsSchema,
  type CloudwatchLogsDefinition,
} from "./logs/log-group.js";
export { EbsVolume, ebsVolumeSchema, type EbsVolumeDefinition } from "./ec2/ebs-volume.js";
export {
  Ec2Instance,
  ec2InstanceConfigSchema,
  ec2InstanceSchema,
  type Ec2InstanceDefinition,
} from "./ec2/instance.js";
export { IamPolicy, iamPolicySchema, type IamPolicyDefinition } from "./iam/policy.js";
export { IamRole, iamRoleSchema, type IamRoleDefinition } from "./iam/role.js";
export { S3Bucket, s3BucketSchema, type S3BucketDefinition } from "./s3/bucket.js";
export { SqsQueue, sqsQueueSchema, type SqsQueueDefinition } from "./sqs/queue.js";
export {
  SecurityGroup,
  securityGroupSchema,
  type SecurityGroupDefinition,
} from "./vpc/security-group.js";
export { Subnet, subnetSchema, type SubnetDefinition } from "./vpc/subnet.js";
export { VpcInstance, vpcInstanceSchema, type VpcInstanceDefinition } from "./vpc/vpc.js";
export {
  OWNERSHIP_TAG_KEY,
  OWNERSHIP_TAG_VALUE,
  PCF_NAME_TAG,
  comparableTags,
  hasOwnershipTag,
  normalizeTags,
  tagChanges,
  tagMapSchema,
  tagsFromList,
  tagsToList,
  withOwnershipTag,
  type TagChanges,
  type TagEntry,
  type TagMap,
} from "./tags.js";
export {
  AutoScalingGroup,
  autoScalingGroupSchema,
  type AutoScalingGroupDefinition,
} from "./autoscaling/auto-scaling-group.js";
export {
  LaunchConfiguration,
  launchConfigurationSchema,
  type LaunchConfigurationDefinition,
} from "./autoscaling/launch-configuration.js";
export { RdsInstance, rdsInstanceSchema, type RdsInstanceDefinition } from "./rds/db-instance.js";
export {
  CloudformationStack,
  cloudformationConfigSchema,
  cloudformationStackSchema,
  type CloudformationStackDefinition,
} from "./cloudformation/stack.js";
export {
  SagemakerNotebookInstance,
  sagemakerNotebookInstanceSchema,
  type SagemakerNotebookInstanceDefinition,
} from "./sagemaker/notebook-instance.js";
export { GlacierVault, glacierVaultSchema, type GlacierVaultDefinition } from "./glacier/vault.js";
export {
  EcrRepository,
  ecrRepositorySchema,
  type EcrRepositoryDefinition,
} from "./ecr/repository.js";
export {
  CloudfrontDistribution,
  cloudfrontSchema,
  type CloudfrontDefinition,
} from "./cloudfront/distribution.js";
export {
  LambdaFunction,
  codeSchema,
  lambdaFunctionSchema,
  type LambdaFunctionDefinition,
} from "./lambda/function.js";
export { LambdaPythonFunction, lambdaPythonFunctionSchema } from "./lambda/python-function.js";
export { Alb, albSchema, type AlbDefinition } from "./elb/application-load-balancer.js";
export { Elb, elbSchema, type ElbDefinition } from "./elb/classic-load-balancer.js";
export { SnsTopic, snsTopicSchema, type SnsTopicDefinition } from "./sns/topic.js";
export {
  CloudwatchEvents,
  cloudwatchEventsSchema,
  type CloudwatchEventsDefinition,
} from "./events/rule.js";
export { EfsInstance, efsInstanceSchema, type EfsInstanceDefinition } from "./efs/file-system.js";
export { EcsCluster, ecsClusterSchema, type EcsClusterDefinition } from "./ecs/cluster.js";
export {
  EcsTaskDefinition,
  ecsTaskDefinitionSchema,
  type EcsTaskDefinitionDefinition,
} from "./ecs/task-definition.js";
export {
  EcsService,
  capacityProviderStrategySchema,
  placementConstraintsSchema,
  placementStrategySchema,
  networkConfigurationSchema,
  ecsServiceSchema,
  type EcsServiceDefinition,
} from "./ecs/service.js";
export { EcsTask, ecsTaskSchema } from "./ecs/task.js";
export { EcsInstance, ecsInstanceSchema, type EcsInstanceDefinition } from "./ecs/instance.js";
export {
  Route53HostedZone,
  route53HostedZoneSchema,
  type Route53HostedZoneDefinition,
} from "./route53/hosted-zone.js";
export {
  Route53Record,
  route53RecordSchema,
  type Route53RecordDefinition,
} from "./route53/record.js";
export {
  BatchComputeEnvironment,
  batchComputeEnvironmentSchema,
  type BatchComputeEnvironmentDefinition,
} from "./batch/compute-environment.js";
export { EmrCluster } from "./emr/cluster.js";
export {
  BatchJobQueue,
  batchJobQueueSchema,
  type BatchJobQueueDefinition,
} from "./batch/job-queue.js";
