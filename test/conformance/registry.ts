import type { CatalogueEntry } from "../../src/catalogue.js";
import { AWS_CONFORMANCE } from "./aws/index.js";
import { AZURE_CONFORMANCE } from "./azure/index.js";
import { GCP_CONFORMANCE } from "./gcp/index.js";
import type { ConformanceSpec } from "./spec.js";

/** The providers whose flavors need no cloud, and so no emulator: the suite does not cover them. */
export const UNCOVERED_PROVIDERS: readonly CatalogueEntry["provider"][] = ["core", "local"];

/** Every cloud flavor's conformance spec, by provider: the registry the catalogue test checks. */
export const CONFORMANCE: Readonly<
  Partial<Record<CatalogueEntry["provider"], readonly ConformanceSpec[]>>
> = {
  aws: AWS_CONFORMANCE,
  azure: AZURE_CONFORMANCE,
  gcp: GCP_CONFORMANCE,
};
