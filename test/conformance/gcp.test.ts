import { GCP_CONFORMANCE } from "./gcp/index.js";
import { registerConformance } from "./suite.js";

// The GCP flavors, against the GCP test server (test/support/gcp-server/).
for (const spec of GCP_CONFORMANCE) registerConformance(spec);
