import type { BlobServiceClient, ContainerItem, PublicAccessType } from "@azure/storage-blob";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import { commonPrefix } from "../../kit/common-prefix.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { readAzureOptions } from "../options.js";
import {
  AzureResource,
  OWNERSHIP_METADATA,
  azureCustomConfigSchema,
  storageAccountSchema,
} from "../resource.js";
import { whileBeingDeleted } from "./recreate-wait.js";

/** The public access levels of a container: anonymous reads of everything, of blobs, or none. */
const ACCESS_LEVELS = ["container", "blob", "none"] as const;

/** A container's public access level, `none` for private. */
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** How long a create waits for a deleted namesake to be gone, by default (see `recreateWaitMs`). */
const DEFAULT_RECREATE_WAIT_MS = 120_000;

/** The `azure_resource` block of a `blob` particle: PCF's fields, plus metadata and the access level. */
export const blobContainerSchema = z.strictObject({
  /**
   * The container's name: 3 to 63 lower-case letters, digits and single hyphens, starting and
   * ending with a letter or digit. Required: it is the unique key.
   */
  name: z
    .string()
    .regex(
      /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/,
      "expected 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit",
    ),
  /** The account's resource group. Informative: the Blob data plane needs none. */
  resource_group: z.string().min(1).optional(),
  /**
   * The storage account. Default: `providerOptions.azure.account`, `AZURE_STORAGE_ACCOUNT`, the
   * connection string's account.
   */
  storage_account: storageAccountSchema.optional(),
  /** PCF's switch: `true` is public access level `container`. Default false (private). */
  public: z.boolean().optional(),
  /** The public access level, which wins over `public` when both are set. Default from `public`. */
  public_access: z.enum(ACCESS_LEVELS).optional(),
  /**
   * The container's whole metadata, as a map; keys are C# identifiers. Keys not listed are
   * removed on update; the `pcf_managed_by` ownership entry is always kept. Default: not compared.
   */
  metadata: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a C# identifier (letters, digits, _)"),
      z.string(),
    )
    .optional(),
  /** `adopt`, `replace_on_change`: see {@link azureCustomConfigSchema}. */
  custom_config: azureCustomConfigSchema.optional(),
});

/** What a user writes in the `azure_resource` block of a `blob` particle. */
export type BlobContainerDefinition = z.infer<typeof blobContainerSchema>;

/** The codes of the container calls, by class. */
const CONTAINER_ERRORS: OperationErrors = {
  CreateContainer: {
    alreadyExists: ["ContainerAlreadyExists"],
    wrongState: ["ContainerBeingDeleted"],
    invalid: ["InvalidResourceName", "InvalidMetadata", "PublicAccessNotPermitted"],
  },
  // A container already being deleted is gone as far as a delete is concerned.
  DeleteContainer: {
    notFound: ["ContainerNotFound", "ContainerBeingDeleted"],
    inUse: ["LeaseIdMissing"],
  },
  SetContainerMetadata: { notFound: ["ContainerNotFound"], invalid: ["InvalidMetadata"] },
  GetContainerAcl: { notFound: ["ContainerNotFound"] },
  SetContainerAcl: { notFound: ["ContainerNotFound"], invalid: ["PublicAccessNotPermitted"] },
};

/** The prefix of the Azure RBAC data actions on containers. */
const CONTAINERS = "Microsoft.Storage/storageAccounts/blobServices/containers";

/**
 * An Azure Blob Storage container (PCF's `blob`), found by its name in its storage account. A
 * container has no stopped form: stopping deletes it, with its blobs. The metadata and the public
 * access level change in place; nothing is fixed at creation but the name. The ownership entry
 * `pcf_managed_by=particle_cloud` goes in the create call itself.
 *
 * Reads are batched: one ListContainers per account (paged) with metadata, over the longest
 * prefix common to the names; its answer carries the metadata and the access level.
 *
 * @example
 * ```ts
 * const logs = new BlobContainer({
 *   pcf_name: "logs",
 *   flavor: "blob",
 *   azure_resource: { name: "logs", storage_account: "acmelogs", metadata: { team: "web" } },
 * });
 * await logs.apply();
 * ```
 */
export class BlobContainer extends AzureResource<BlobContainerDefinition, ContainerItem> {
  static override readonly flavor: string = "blob";
  static override readonly service: string = "blob";
  static override readonly definitionSchema = blobContainerSchema;
  static override readonly uniqueKeys: readonly string[] = ["azure_resource.name"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly inPlaceFields: readonly string[] = ["public_access", "metadata"];
  static override readonly readShape = "list-by-prefix";
  static override readonly tagging = {
    field: "metadata",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "CreateContainer";
  static override readonly operationErrors = CONTAINER_ERRORS;
  static override readonly actions = {
    read: [`${CONTAINERS}/read`],
    start: [`${CONTAINERS}/write`],
    update: [`${CONTAINERS}/write`],
    terminate: [`${CONTAINERS}/delete`],
  };

  protected override readonly updaters: FieldUpdaters<
    BlobContainerDefinition,
    ContainerItem,
    BlobServiceClient
  > = {
    // Setting the level replaces the stored access policies too: they are read and sent back.
    public_access: async (client, { name }, desired, { signal }) => {
      const container = client.getContainerClient(name);
      const { signedIdentifiers } = await container.getAccessPolicy({ abortSignal: signal });
      await container.setAccessPolicy(sdkAccess(accessLevelOf(desired)), signedIdentifiers, {
        abortSignal: signal,
      });
    },
  };

  /** The containers of `names` that exist: ListContainers with metadata over their common prefix. */
  protected override async list(
    client: BlobServiceClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, ContainerItem>> {
    const wanted = new Set(names);
    const found = new Map<string, ContainerItem>();
    for await (const item of containersOf(client, commonPrefix(names), signal))
      if (wanted.has(item.name)) found.set(item.name, item);
    return found;
  }

  /**
   * Every container of the account: ListContainers with metadata, page by page. The system
   * containers (`$logs`, `$web`, `$root`, which Azure makes for logging, static websites and the
   * root) are left out: their names are not container names a definition can take.
   */
  protected override async listAll(
    client: BlobServiceClient,
    { signal }: RunContext,
  ): Promise<readonly ContainerItem[]> {
    const items: ContainerItem[] = [];
    for await (const item of containersOf(client, "", signal))
      if (blobContainerSchema.shape.name.safeParse(item.name).success) items.push(item);
    return items;
  }

  /** A listed container is running; its metadata are its tags. */
  protected override observe(item: ContainerItem, context: RunContext): Observation {
    const access: AccessLevel = item.properties.publicAccess ?? "none";
    const metadata = item.metadata ?? {};
    return {
      state: "running",
      definition: {
        name: item.name,
        storage_account: this.account(context),
        public: access === "container",
        public_access: access,
        metadata,
      },
      tags: metadata,
    };
  }

  /**
   * Creates the container with its metadata plus the ownership entry and its access level,
   * waiting while Azure still deletes a namesake; its answer carries nothing.
   */
  protected override async create(
    client: BlobServiceClient,
    desired: BlobContainerDefinition,
    context: RunContext,
  ): Promise<undefined> {
    const container = client.getContainerClient(desired.name);
    const access = sdkAccess(accessLevelOf(desired));
    await whileBeingDeleted(
      () =>
        container.create({
          metadata: { ...desired.metadata, ...OWNERSHIP_METADATA },
          ...(access === undefined ? {} : { access }),
          abortSignal: context.signal,
        }),
      {
        waitMs: readAzureOptions(context).recreateWaitMs ?? DEFAULT_RECREATE_WAIT_MS,
        signal: context.signal,
        onRetry: (attempt, nextDelayMs) =>
          context.emit({
            type: "call.retry",
            particle: this.id,
            call: `create ${this.resourceLabel()}`,
            attempt,
            nextDelayMs,
            reason: "container-being-deleted",
          }),
      },
    );
    return undefined;
  }

  /** Deletes the container, with its blobs. */
  protected override async remove(
    client: BlobServiceClient,
    { name }: ContainerItem,
    { signal }: RunContext,
  ): Promise<void> {
    await client.getContainerClient(name).delete({ abortSignal: signal });
  }

  /** Sets the whole metadata: the live set with `changes` applied (the ownership entry kept). */
  protected override async writeTags(
    client: BlobServiceClient,
    { name, metadata }: ContainerItem,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    const current: TagMap = this.liveTags ?? metadata ?? {};
    const next = Object.fromEntries(
      Object.entries({ ...current, ...set }).filter(([key]) => !remove.includes(key)),
    );
    await client.getContainerClient(name).setMetadata(next, { abortSignal: signal });
  }

  /** The name, the access level (from `public_access`, else `public`) and the metadata when written. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    return {
      name: definition["name"],
      public_access: accessLevelOf(definition),
      metadata: this.comparableTagsOf(definition["metadata"]),
    };
  }
}

/** The containers whose names start with `prefix` (`""`: all), with their metadata, page by page. */
function containersOf(
  client: BlobServiceClient,
  prefix: string,
  signal: AbortSignal,
): AsyncIterableIterator<ContainerItem> {
  return client.listContainers({
    includeMetadata: true,
    ...(prefix === "" ? {} : { prefix }),
    abortSignal: signal,
  });
}

/** The access level a block asks for: `public_access`, else `container` when `public`, else `none`. */
function accessLevelOf(block: Readonly<Record<string, unknown>>): AccessLevel {
  const level = block["public_access"];
  if (typeof level === "string" && (ACCESS_LEVELS as readonly string[]).includes(level))
    return level as AccessLevel;
  return block["public"] === true ? "container" : "none";
}

/** The SDK's form of a level: `undefined` for private. */
function sdkAccess(level: AccessLevel): PublicAccessType | undefined {
  return level === "none" ? undefined : level;
}
