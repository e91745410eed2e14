import type { ConformanceSpec } from "../spec.js";
import { autoScalingGroupSpec } from "./auto-scaling-group.js";
import { cloudformationSpec } from "./cloudformation.js";
import { cloudfrontSpec } from "./cloudfront.js";
import { albSpec } from "./alb.js";
import { batchComputeEnvironmentSpec } from "./batch-compute-environment.js";
import { batchJobQueueSpec } from "./batch-job-queue.js";
import { elbSpec } from "./elb.js";
import { emrClusterSpec } from "./emr-cluster.js";
import { cloudwatchEventsSpec } from "./cloudwatch-events.js";
import { cloudwatchLogsSpec } from "./cloudwatch-logs.js";
import { dynamodbTableSpec } from "./dynamodb-table.js";
import { ebsVolumeSpec } from "./ebs-volume.js";
import { ecrRepositorySpec } from "./ecr-repository.js";
import { efsInstanceSpec } from "./efs-instance.js";
import { ecsClusterSpec } from "./ecs-cluster.js";
import { ecsServiceSpec } from "./ecs-service.js";
import { ecsTaskSpec } from "./ecs-task.js";
import { ecsInstanceSpec } from "./ecs-instance.js";
import { ecsTaskDefinitionSpec } from "./ecs-task-definition.js";
import { ec2InstanceSpec } from "./ec2-instance.js";
import { glacierVaultSpec } from "./glacier-vault.js";
import { iamPolicySpec } from "./iam-policy.js";
import { iamRoleSpec } from "./iam-role.js";
import { kmsKeySpec } from "./kms-key.js";
import { rdsInstanceSpec } from "./rds-instance.js";
import { lambdaFunctionSpec } from "./lambda-function.js";
import { launchConfigurationSpec } from "./launch-configuration.js";
import { lambdaPythonFunctionSpec } from "./lambda-python-function.js";
import { route53HostedZoneSpec } from "./route53-hosted-zone.js";
import { route53RecordSpec } from "./route53-record.js";
import { s3BucketSpec } from "./s3-bucket.js";
import { sagemakerNotebookInstanceSpec } from "./sagemaker-notebook-instance.js";
import { securityGroupSpec } from "./security-group.js";
import { snsTopicSpec } from "./sns-topic.js";
import { sqsQueueSpec } from "./sqs-queue.js";
import { subnetSpec } from "./subnet.js";
import { vpcInstanceSpec } from "./vpc-instance.js";

/** Every AWS flavor's conformance spec: the registry the catalogue test checks. */
export const AWS_CONFORMANCE: readonly ConformanceSpec[] = [
  sqsQueueSpec,
  cloudwatchLogsSpec,
  iamPolicySpec,
  iamRoleSpec,
  s3BucketSpec,
  dynamodbTableSpec,
  kmsKeySpec,
  vpcInstanceSpec,
  subnetSpec,
  securityGroupSpec,
  ebsVolumeSpec,
  ec2InstanceSpec,
  ecrRepositorySpec,
  snsTopicSpec,
  efsInstanceSpec,
  cloudwatchEventsSpec,
  ecsClusterSpec,
  ecsTaskDefinitionSpec,
  ecsServiceSpec,
  ecsTaskSpec,
  ecsInstanceSpec,
  route53HostedZoneSpec,
  route53RecordSpec,
  autoScalingGroupSpec,
  rdsInstanceSpec,
  lambdaFunctionSpec,
  cloudformationSpec,
  albSpec,
  elbSpec,
  sagemakerNotebookInstanceSpec,
  launchConfigurationSpec,
  glacierVaultSpec,
  batchComputeEnvironmentSpec,
  batchJobQueueSpec,
  emrClusterSpec,
  cloudfrontSpec,
  lambdaPythonFunctionSpec,
];

/** How many test files (`aws-1.test.ts`, `aws-2.test.ts`) share the specs, to run on two workers. */
export const AWS_CONFORMANCE_SHARDS = 2;
