import { AZURE_CONFORMANCE } from "./azure/index.js";
import { registerConformance } from "./suite.js";

for (const spec of AZURE_CONFORMANCE) registerConformance(spec);
