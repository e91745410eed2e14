import { AWS_CONFORMANCE, AWS_CONFORMANCE_SHARDS } from "./aws/index.js";
import { registerConformance, shardOf } from "./suite.js";

// Shard 0 of the AWS specs; aws-2.test.ts registers the others.
for (const spec of shardOf(AWS_CONFORMANCE, { shard: 0, shards: AWS_CONFORMANCE_SHARDS }))
  registerConformance(spec);
