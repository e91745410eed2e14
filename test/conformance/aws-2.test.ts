import { AWS_CONFORMANCE } from "./aws/index.js";
import { registerConformance, shardOf } from "./suite.js";

for (const spec of shardOf(AWS_CONFORMANCE, { shard: 1, shards: 2 })) registerConformance(spec);
