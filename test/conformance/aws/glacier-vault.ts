import {
  AddTagsToVaultCommand,
  CreateVaultCommand,
  DescribeVaultCommand,
  GlacierClient,
  ListTagsForVaultCommand,
} from "@aws-sdk/client-glacier";
import type { ParticleDefinition } from "../../../src/index.js";
import type { AwsClient } from "../../../src/providers/aws/options.js";
import { GlacierVault } from "../../../src/providers/aws/glacier/vault.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec, ConformanceStep, KnownGap } from "../spec.js";

/** The SDK's types do not see Glacier's middleware stack as any client's (see `vault.ts`). */
const glacier = verificationClient(
  GlacierClient as unknown as new (config: object) => GlacierClient & AwsClient,
  import.meta.url,
);

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function vault(label: string, team = "data"): ParticleDefinition {
  return definitionOf("glacier_vault", label, {
    vaultName: name(label),
    custom_config: { Tags: { team } },
  });
}

/**
 * moto implements no vault tags: ListTagsForVault, AddTagsToVault and RemoveTagsFromVault answer
 * a 404 HTML page (`GET /-/vaults/NAME/tags`, `POST /-/vaults/NAME/tags?operation=add`). The
 * ownership tag is written and read by them, so every step that makes or reads a vault fails:
 * in the framework's calls (`ListTagsForVault: the answer did not parse`), or in the second
 * client's read of the tags (`Unexpected token '<'`).
 */
const NO_VAULT_TAGS =
  "moto implements no vault tags: ListTagsForVault and AddTagsToVault answer a 404 HTML page";

const FRAMEWORK_READ = /ListTagsForVault: the answer did not parse \(Unexpected token '<'/;

function gap(step: ConformanceStep, failure: RegExp, reason = NO_VAULT_TAGS): KnownGap {
  return { step, reason, failure };
}

const KNOWN_GAPS: readonly KnownGap[] = [
  ...(["create", "no-op", "update", "terminate", "terminate-gone", "lost-answer"] as const).map(
    (step) => gap(step, FRAMEWORK_READ),
  ),
  gap(
    "discover",
    FRAMEWORK_READ,
    "moto implements no vault tags: ListVaults lists the vault, but ListTagsForVault, which discovery reads each listed vault's tags with, answers a 404 HTML page",
  ),
  gap(
    "census",
    FRAMEWORK_READ,
    "moto implements no vault tags: the inventory cannot tell whose a listed vault is, ListTagsForVault answering a 404 HTML page",
  ),
  gap("drift", /^Unexpected token '<', "<!doctype "/),
  gap("foreign", /^Unexpected token '<', "<!doctype "/),
  // Plan cannot read the tags, so it gives no note naming `pcf apply --adopt`.
  gap("adopt", /the given combination of arguments \(undefined and string\) is invalid/),
  gap(
    "killed-before-tags",
    /expected false to be true/,
    "moto answers CreateVault without its Location header: the answer check refuses it, so the run is never killed after an answer",
  ),
];

/** glacier_vault: only the tags change in place; no stopped form. */
export const glacierVaultSpec: ConformanceSpec = {
  flavor: GlacierVault,
  testFileUrl: import.meta.url,
  definition: (label) => vault(label),
  verify: async (label) => {
    const found = await glacier
      .send(new DescribeVaultCommand({ accountId: "-", vaultName: name(label) }))
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === "ResourceNotFoundException") return undefined;
        throw error;
      });
    if (found === undefined) return undefined;
    const { Tags = {} } = await glacier.send(
      new ListTagsForVaultCommand({ accountId: "-", vaultName: name(label) }),
    );
    return { vaultName: found.VaultName, team: Tags["team"] };
  },
  drift: {
    apply: async (label) => {
      await glacier.send(
        new AddTagsToVaultCommand({
          accountId: "-",
          vaultName: name(label),
          Tags: { team: "elsewhere" },
        }),
      );
    },
    field: "team",
  },
  update: { definition: (label) => vault(label, "ml"), expected: { team: "ml" } },
  replace: "none",
  stop: "none",
  createForeign: async (label) => {
    await glacier.send(new CreateVaultCommand({ accountId: "-", vaultName: name(label) }));
  },
  createOperation: "CreateVault",
  knownGaps: KNOWN_GAPS,
};
