import {
  AddTagsToVaultCommand,
  CreateVaultCommand,
  DeleteVaultCommand,
  GlacierClient,
  ListTagsForVaultCommand,
  RemoveTagsFromVaultCommand,
  paginateListVaults,
  type DescribeVaultOutput as Vault,
} from "@aws-sdk/client-glacier";
import * as z from "zod";
import type { AwsClientClass } from "../clients.js";
import type { AwsClient } from "../options.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { readPath } from "../../../core/values.js";
import type { CallFailure } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { tagMapSchema } from "../tags.js";

/** The `aws_resource` block of a `glacier_vault` particle: CreateVault's parameters, plus PCF's tags. */
export const glacierVaultSchema = z.strictObject({
  /** The vault's name (up to 255 of `a-z A-Z 0-9 _ - .`). Required: it is the unique key. */
  vaultName: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[a-zA-Z0-9_.-]+$/, "expected letters, digits and _ - ."),
  /**
   * The account that owns the vault: `-` (the caller's) or the caller's own 12-digit id; the
   * vaults are listed in the caller's account. Default `-`. Not compared.
   */
  accountId: z
    .string()
    .regex(/^(-|\d{12})$/, "expected - or a 12-digit account id")
    .optional(),
  /** The vault's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /**
   * `Tags`: the vault's whole tag set, as a map (PCF keeps vault tags here). Tags not listed are
   * removed on update; the `pcf:managed-by` ownership tag is always kept. Default: no tags are
   * compared, and the vault carries only the ownership tag. `adopt`: see {@link awsCustomConfigSchema}.
   */
  custom_config: awsCustomConfigSchema.extend({ Tags: tagMapSchema.optional() }).optional(),
});

/** What a user writes in the `aws_resource` block of a `glacier_vault` particle. */
export type GlacierVaultDefinition = z.infer<typeof glacierVaultSchema>;

const NOT_FOUND = ["ResourceNotFoundException"];
const INVALID = ["InvalidParameterValueException", "MissingParameterValueException"];

/**
 * The Glacier client as the provider takes clients. Every Glacier input has a required member
 * (`accountId`), so the SDK's types do not see its middleware stack as one that takes any input;
 * at run time it is the same stack as every other client's.
 */
type VaultClient = GlacierClient & AwsClient;

/** The codes of the vault calls, by class. */
const VAULT_ERRORS: OperationErrors = {
  CreateVault: { invalid: [...INVALID, "LimitExceededException"] },
  ListVaults: { invalid: INVALID },
  // DeleteVault's only parameters are checked at load: its InvalidParameterValueException is the
  // refusal of a vault that holds archives (or was written since its last inventory).
  DeleteVault: { notFound: NOT_FOUND, inUse: ["InvalidParameterValueException"] },
  ListTagsForVault: { notFound: NOT_FOUND, invalid: INVALID },
  AddTagsToVault: { notFound: NOT_FOUND, invalid: [...INVALID, "LimitExceededException"] },
  RemoveTagsFromVault: { notFound: NOT_FOUND, invalid: INVALID },
};

/**
 * An S3 Glacier vault, found by its name in the caller's account (`accountId`, default `-`). It
 * has no stopped form: stopping deletes it, as PCF did (stopped ≡ terminated). Glacier deletes
 * only a vault with no archives as of its last inventory and no writes since (inventories run
 * about daily); otherwise the delete is refused (`inUse`), and nothing is deleted for it.
 *
 * Only the tags (`custom_config.Tags`, PCF's place) change in place, with AddTagsToVault and
 * RemoveTagsFromVault (PCF never applied a change). CreateVault takes no tags, so the ownership
 * tag is written right after it: a run killed between the two leaves an untagged vault, which the
 * next run tags as its own only when it finds it right after its own create.
 *
 * Reads are batched: one paged ListVaults per region, plus ListTagsForVault per vault (the
 * ownership tag is written after the create, so tags are always read).
 *
 * @example
 * ```ts
 * const archive = new GlacierVault({
 *   pcf_name: "archive",
 *   flavor: "glacier_vault",
 *   aws_resource: { vaultName: "archive", custom_config: { Tags: { team: "data" } } },
 * });
 * await archive.apply();
 * ```
 */
export class GlacierVault extends AWSResource<GlacierVaultDefinition, Vault, VaultClient> {
  static override readonly flavor: string = "glacier_vault";
  static override readonly service: string = "glacier";
  static override readonly Client = GlacierClient as unknown as AwsClientClass<VaultClient>;
  static override readonly definitionSchema = glacierVaultSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.vaultName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly inPlaceFields: readonly string[] = ["custom_config.Tags"];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "custom_config.Tags",
    ownershipWritten: "after-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateVault";
  static override readonly operationErrors = VAULT_ERRORS;
  // DeleteVault answers a bodiless 204: one that never reached the service looks the same.
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: ["glacier:ListVaults", "glacier:ListTagsForVault"],
    start: ["glacier:CreateVault", "glacier:AddTagsToVault", "glacier:ListTagsForVault"],
    update: ["glacier:AddTagsToVault", "glacier:RemoveTagsFromVault"],
    terminate: ["glacier:DeleteVault", "glacier:ListVaults"],
  };

  /** The vaults of `names` in the caller's account: ListVaults, page by page, filtered. */
  protected override async list(
    client: VaultClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Vault>> {
    const wanted = new Set(names);
    const found = new Map<string, Vault>();
    for (const vault of await listVaults(client, signal))
      if (vault.VaultName !== undefined && wanted.has(vault.VaultName))
        found.set(vault.VaultName, vault);
    return found;
  }

  /** Every vault of the caller's account in the region: ListVaults, page by page. */
  protected override listAll(
    client: VaultClient,
    { signal }: RunContext,
  ): Promise<readonly Vault[]> {
    return listVaults(client, signal);
  }

  /** A listed vault is running. */
  protected override observe(vault: Vault, context: RunContext): Observation {
    return {
      state: "running",
      definition: {
        vaultName: vault.VaultName,
        VaultARN: vault.VaultARN,
        CreationDate: vault.CreationDate,
        LastInventoryDate: vault.LastInventoryDate,
        NumberOfArchives: vault.NumberOfArchives,
        SizeInBytes: vault.SizeInBytes,
        region_name: this.region(context),
      },
    };
  }

  /** CreateVault (it takes no tags; the kit writes them after); its answer carries only the location. */
  protected override async create(
    client: VaultClient,
    { vaultName }: GlacierVaultDefinition,
    { signal }: RunContext,
  ): Promise<Vault | undefined> {
    await client.send(new CreateVaultCommand({ accountId: this.accountId, vaultName }), {
      abortSignal: signal,
    });
    return undefined;
  }

  /** DeleteVault: Glacier refuses while the vault holds archives. */
  protected override async remove(
    client: VaultClient,
    { VaultName: vaultName }: Vault,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteVaultCommand({ accountId: this.accountId, vaultName }), {
      abortSignal: signal,
    });
  }

  /** The way out of a delete refused because the vault is not empty. */
  protected override removalHint(failure: CallFailure): Promise<string> {
    return Promise.resolve(
      failure === "inUse"
        ? " (it holds archives, or was written since its last inventory: delete its archives, wait for the next inventory (about a day), then terminate again)"
        : "",
    );
  }

  protected override async readTags(
    client: VaultClient,
    { VaultName: vaultName }: Vault,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const { Tags = {} } = await client.send(
      new ListTagsForVaultCommand({ accountId: this.accountId, vaultName }),
      { abortSignal: signal },
    );
    return Tags;
  }

  protected override async writeTags(
    client: VaultClient,
    { VaultName: vaultName }: Vault,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const accountId = this.accountId;
    if (remove.length > 0)
      await client.send(new RemoveTagsFromVaultCommand({ accountId, vaultName, TagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new AddTagsToVaultCommand({ accountId, vaultName, Tags: set }), {
        abortSignal: signal,
      });
  }

  /** The name and the tags, as a sorted set; nothing else of a vault can change. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const tags = this.comparableTagsOf(readPath(definition, "custom_config.Tags"));
    return {
      vaultName: definition["vaultName"],
      ...(tags === undefined ? {} : { custom_config: { Tags: tags } }),
    };
  }

  /** The definition's `accountId`, default `-` (the caller's account). */
  private get accountId(): string {
    const written = this.desiredStateDefinition["accountId"];
    return typeof written === "string" ? written : "-";
  }
}

/** Every vault of the caller's account in the region: ListVaults, page by page. */
async function listVaults(client: VaultClient, signal: AbortSignal): Promise<Vault[]> {
  const vaults: Vault[] = [];
  const pages = paginateListVaults({ client }, { accountId: "-" }, { abortSignal: signal });
  for await (const page of pages) vaults.push(...(page.VaultList ?? []));
  return vaults;
}
