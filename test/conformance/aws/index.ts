import type { ConformanceSpec } from "../spec.js";
import { cloudwatchLogsSpec } from "./cloudwatch-logs.js";
import { iamPolicySpec } from "./iam-policy.js";
import { iamRoleSpec } from "./iam-role.js";
import { sqsQueueSpec } from "./sqs-queue.js";

/** Every AWS flavor's conformance spec: the registry the catalogue test checks. */
export const AWS_CONFORMANCE: readonly ConformanceSpec[] = [
  sqsQueueSpec,
  cloudwatchLogsSpec,
  iamPolicySpec,
  iamRoleSpec,
];
