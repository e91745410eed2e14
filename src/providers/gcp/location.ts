import { PcfError } from "../../core/errors.js";
import type { RunContext } from "../../core/run-context.js";
import { readGcpOptions } from "./options.js";

/**
 * Where a GCP particle's resource lives: its project and, for Compute, its zone. Each comes
 * from the definition's `custom_config` (as in PCF), else the provider options, else the
 * environment.
 */

/**
 * The project: `custom_config.project`, else `providerOptions.gcp.projectId`, else
 * `GOOGLE_CLOUD_PROJECT`, else `GCLOUD_PROJECT`.
 * @throws PcfError `DEFINITION_INVALID` naming the particle when none is set.
 */
export function resolveProject(context: RunContext, configured: unknown, particle: string): string {
  const project =
    nonEmpty(configured) ??
    readGcpOptions(context).projectId ??
    nonEmpty(process.env["GOOGLE_CLOUD_PROJECT"]) ??
    nonEmpty(process.env["GCLOUD_PROJECT"]);
  if (project !== undefined) return project;
  throw new PcfError(
    "DEFINITION_INVALID",
    "no GCP project: set custom_config.project, providerOptions.gcp.projectId (--gcp-project) or GOOGLE_CLOUD_PROJECT",
    { particle, field: "gcp_resource.custom_config.project" },
  );
}

/**
 * The zone: `custom_config.zone`, else `providerOptions.gcp.zone`, else `CLOUDSDK_COMPUTE_ZONE`.
 * @throws PcfError `DEFINITION_INVALID` naming the particle when none is set.
 */
export function resolveZone(context: RunContext, configured: unknown, particle: string): string {
  const zone =
    nonEmpty(configured) ??
    readGcpOptions(context).zone ??
    nonEmpty(process.env["CLOUDSDK_COMPUTE_ZONE"]);
  if (zone !== undefined) return zone;
  throw new PcfError(
    "DEFINITION_INVALID",
    "no GCP zone: set custom_config.zone, providerOptions.gcp.zone (--gcp-zone) or CLOUDSDK_COMPUTE_ZONE",
    { particle, field: "gcp_resource.custom_config.zone" },
  );
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
