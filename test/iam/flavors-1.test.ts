import { AWS_CONFORMANCE, AWS_CONFORMANCE_SHARDS } from "../conformance/aws/index.js";
import { shardOf } from "../conformance/suite.js";
import { IAM_GAPS } from "./known-gaps.js";
import { registerLeastPrivilege } from "./least-privilege.js";

// Shard 0 of the AWS specs; flavors-2.test.ts runs the others.
registerLeastPrivilege(shardOf(AWS_CONFORMANCE, { shard: 0, shards: AWS_CONFORMANCE_SHARDS }), {
  testFileUrl: import.meta.url,
  gaps: IAM_GAPS,
});
