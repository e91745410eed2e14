import {
  CreateFileSystemCommand,
  DeleteFileSystemCommand,
  EFSClient,
  LifeCycleState,
  PerformanceMode,
  TagResourceCommand,
  ThroughputMode,
  UntagResourceCommand,
  UpdateFileSystemCommand,
  paginateDescribeFileSystems,
  type FileSystemDescription,
} from "@aws-sdk/client-efs";
import * as z from "zod";
import { PcfError } from "../../../core/errors.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED, type State } from "../../../core/state.js";
import { isPlainObject, setPath } from "../../../core/values.js";
import type { CallFailure, FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import { required } from "../../kit/create-once.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { idempotencyToken } from "../../kit/idempotency-token.js";
import { writtenTags, type TagChanges, type TagMap } from "../../kit/tags.js";
import { byName, type Named } from "../ec2-describe.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList, tagsToList } from "../tags.js";

/** The tag that holds `custom_config.instance_name`, by which the file system is found (PCF's). */
const NAME_TAG = "Name";
/** EFS takes creation tokens of at most 64 characters. */
const CREATION_TOKEN_MAX = 64;

/** The `aws_resource` block of an `efs_instance` particle: CreateFileSystem's parameters. */
export const efsInstanceSchema = z
  .strictObject({
    /**
     * The create's idempotency token (1 to 64 characters). Default: derived from the particle and
     * the create's input, so a create sent again makes no second file system. Fixed at creation.
     */
    CreationToken: z.string().min(1).max(CREATION_TOKEN_MAX).optional(),
    /** `generalPurpose` or `maxIO`. Default `generalPurpose`. Fixed at creation. */
    PerformanceMode: z.enum(PerformanceMode).optional(),
    /** Encrypts the file system at rest. Default false. Fixed at creation. */
    Encrypted: z.boolean().optional(),
    /**
     * The KMS key that encrypts it (id, ARN or alias; needs `Encrypted: true`). Default: the EFS
     * default key. Creation only, not compared: AWS answers with the ARN whatever form was written.
     */
    KmsKeyId: z.string().min(1).optional(),
    /** `bursting`, `provisioned` or `elastic`. Default `bursting`. Changes in place (UpdateFileSystem). */
    ThroughputMode: z.enum(ThroughputMode).optional(),
    /** The throughput of `provisioned` mode, in MiB/s. Default: none. Changes in place (UpdateFileSystem). */
    ProvisionedThroughputInMibps: z.number().min(1).optional(),
    /** The zone of a One Zone file system (`us-east-1a`). Default: Regional. Fixed at creation. */
    AvailabilityZoneName: z.string().min(1).optional(),
    /**
     * Turns on automatic backups at creation. Default: off (on for One Zone). Creation only, not
     * compared: DescribeFileSystems does not return it.
     */
    Backup: z.boolean().optional(),
    /**
     * The file system's whole tag set, as `[{ Key, Value }]` (PCF's form) or a map; the `Name` tag
     * is `custom_config.instance_name`. Tags not listed are removed on update; the ownership tag
     * is always kept. Default: not compared.
     */
    Tags: tagInputSchema.optional(),
    /** The file system's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
    region_name: regionNameSchema,
    /**
     * `instance_name` (required, the unique key): kept in the `Name` tag, by which the file system
     * is found. `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}.
     */
    custom_config: z.strictObject({
      ...awsCustomConfigSchema.shape,
      instance_name: z.string().min(1).max(256),
    }),
  })
  .refine((block) => block.KmsKeyId === undefined || block.Encrypted === true, {
    message: "expected Encrypted: true with a KmsKeyId",
    path: ["Encrypted"],
  })
  .refine(
    (block) => {
      const name = writtenTags(block.Tags)?.[NAME_TAG];
      return name === undefined || name === block.custom_config.instance_name;
    },
    {
      message: "expected no Name tag other than custom_config.instance_name, which it holds",
      path: ["Tags"],
    },
  );

/** What a user writes in the `aws_resource` block of an `efs_instance` particle. */
export type EfsInstanceDefinition = z.infer<typeof efsInstanceSchema>;

const NOT_FOUND = ["FileSystemNotFound"];

/** The codes of the file system calls, by class. */
const FILE_SYSTEM_ERRORS: OperationErrors = {
  CreateFileSystem: {
    alreadyExists: ["FileSystemAlreadyExists"],
    invalid: [
      "BadRequest",
      "FileSystemLimitExceeded",
      "InsufficientThroughputCapacity",
      "ThroughputLimitExceeded",
      "UnsupportedAvailabilityZone",
    ],
  },
  DeleteFileSystem: { notFound: NOT_FOUND, inUse: ["FileSystemInUse"] },
  UpdateFileSystem: {
    notFound: NOT_FOUND,
    wrongState: ["IncorrectFileSystemLifeCycleState"],
    invalid: [
      "BadRequest",
      "InsufficientThroughputCapacity",
      "ThroughputLimitExceeded",
      "TooManyRequests",
    ],
  },
  TagResource: { notFound: NOT_FOUND },
  UntagResource: { notFound: NOT_FOUND },
};

/** The life-cycle states that count, by precedence among namesakes; a deleted one does not. */
const COUNTED_STATES: readonly (readonly string[])[] = [
  [LifeCycleState.CREATING, LifeCycleState.AVAILABLE, LifeCycleState.UPDATING],
  [LifeCycleState.DELETING],
  [LifeCycleState.ERROR],
];

/** The fields compared besides the tags: those fixed at creation and those UpdateFileSystem changes. */
const FIXED_FILE_SYSTEM_FIELDS = [
  "CreationToken",
  "PerformanceMode",
  "Encrypted",
  "AvailabilityZoneName",
];
const THROUGHPUT_FIELDS = ["ThroughputMode", "ProvisionedThroughputInMibps"];

/**
 * An EFS file system, found by its `Name` tag (= `custom_config.instance_name`, PCF's key). It
 * has no stopped form: stopping deletes it, which EFS refuses while it has mount targets
 * (`FileSystemInUse`). Throughput mode and provisioned throughput change in place with one
 * UpdateFileSystem, and the tags with TagResource / UntagResource; the token, performance mode,
 * encryption and zone are fixed at creation. Creating, updating and deleting read `pending`;
 * a file system in state `error` reads `terminated` (it counts as gone).
 *
 * CreateFileSystem carries every tag, the `Name` and ownership tags included, under a creation
 * token derived from the particle and the create (see `idempotencyToken`) unless the definition
 * writes one: a create sent again is answered `FileSystemAlreadyExists`, and the kit finds the
 * file system by its name and ownership tag instead of making a second one.
 *
 * Reads are batched: one paged DescribeFileSystems per region, whose answer carries the tags.
 *
 * @example
 * ```ts
 * const shared = new EfsInstance({
 *   pcf_name: "shared",
 *   flavor: "efs_instance",
 *   aws_resource: { custom_config: { instance_name: "shared" }, PerformanceMode: "generalPurpose" },
 * });
 * await shared.apply();
 * ```
 */
export class EfsInstance extends AWSResource<
  EfsInstanceDefinition,
  Named<FileSystemDescription>,
  EFSClient
> {
  static override readonly flavor: string = "efs_instance";
  static override readonly service: string = "elasticfilesystem";
  static override readonly Client = EFSClient;
  static override readonly definitionSchema = efsInstanceSchema;
  static override readonly uniqueKeys: readonly string[] = [
    "aws_resource.custom_config.instance_name",
  ];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = FIXED_FILE_SYSTEM_FIELDS;
  static override readonly inPlaceFields: readonly string[] = [...THROUGHPUT_FIELDS, "Tags"];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "CreateFileSystem";
  static override readonly operationErrors = FILE_SYSTEM_ERRORS;
  // DeleteFileSystem answers an empty 204: one that never reached the service looks the same.
  static override readonly confirmsDeleteByRead: boolean = true;
  static override readonly actions = {
    read: ["elasticfilesystem:DescribeFileSystems"],
    start: ["elasticfilesystem:CreateFileSystem", "elasticfilesystem:TagResource"],
    update: [
      "elasticfilesystem:UpdateFileSystem",
      "elasticfilesystem:TagResource",
      "elasticfilesystem:UntagResource",
    ],
    terminate: ["elasticfilesystem:DeleteFileSystem", "elasticfilesystem:DescribeFileSystems"],
  };

  /** One UpdateFileSystem for the throughput mode and the provisioned throughput. */
  private readonly updateThroughput: FieldUpdater<
    EfsInstanceDefinition,
    FileSystemDescription,
    EFSClient
  > = (client, { FileSystemId }, { ThroughputMode, ProvisionedThroughputInMibps }, { signal }) =>
    client.send(
      new UpdateFileSystemCommand({
        FileSystemId,
        ...(ThroughputMode === undefined ? {} : { ThroughputMode }),
        ...(ProvisionedThroughputInMibps === undefined ? {} : { ProvisionedThroughputInMibps }),
      }),
      { abortSignal: signal },
    );

  protected override readonly updaters: FieldUpdaters<
    EfsInstanceDefinition,
    FileSystemDescription,
    EFSClient
  > = Object.fromEntries(THROUGHPUT_FIELDS.map((field) => [field, this.updateThroughput]));

  /** The `Name` tag value: the unique key (`custom_config.instance_name`). */
  get instanceName(): string {
    return this.key;
  }

  /**
   * The file systems of `names`, by `Name` tag: DescribeFileSystems, page by page (it takes no
   * tag filter). Among namesakes the living one counts first, then one being deleted, then a broken one.
   */
  protected override async list(
    client: EFSClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Named<FileSystemDescription>>> {
    const wanted = new Set(names);
    const listed = await describeFileSystems(client, (name) => wanted.has(name), signal);
    return new Map(
      COUNTED_STATES.toReversed().flatMap((states) => [
        ...byName(
          listed.filter((fileSystem) => states.includes(fileSystem.LifeCycleState ?? "")),
          nameOf,
        ),
      ]),
    );
  }

  /**
   * Every file system of the region that carries a `Name` tag and is neither on its way out nor
   * broken: DescribeFileSystems, page by page. File systems without the tag are left out: the
   * flavor finds a file system by it, so it could never read them.
   */
  protected override async listAll(
    client: EFSClient,
    { signal }: RunContext,
  ): Promise<readonly FileSystemDescription[]> {
    const [counted = []] = COUNTED_STATES;
    const found = await describeFileSystems(client, () => true, signal);
    return found.filter((fileSystem) => counted.includes(fileSystem.LifeCycleState ?? ""));
  }

  /** The generic block, its `Name` tag as `custom_config.instance_name` rather than among the tags. */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const { [NAME_TAG]: name, ...tags } = ownTags ?? {};
    return setPath(
      super.discoveredResource(observation, tags),
      "custom_config.instance_name",
      name,
    );
  }

  /**
   * The one file system of the name.
   * @throws PcfError `DUPLICATE_RESOURCE` when others of the same standing carry it too.
   */
  protected override complete(
    _client: EFSClient,
    listed: Named<FileSystemDescription>,
    context: RunContext,
  ): Promise<Named<FileSystemDescription>> {
    const { namesakes = [], ...fileSystem } = listed;
    if (namesakes.length === 0) return Promise.resolve(listed);
    const ids = [fileSystem, ...namesakes].map(({ FileSystemId = "?" }) => FileSystemId);
    return Promise.reject(
      new PcfError(
        "DUPLICATE_RESOURCE",
        `${ids.length} file systems carry the tag ${NAME_TAG}=${this.instanceName} (${ids.join(", ")}): ` +
          `keep one and remove the tag from the others, e.g. \`aws efs untag-resource --region ${this.region(context)} ` +
          `--resource-id ${ids[1] ?? "?"} --tag-keys ${NAME_TAG}\`, or delete them`,
        { particle: this.id, field: "aws_resource.custom_config.instance_name" },
      ),
    );
  }

  /** Creating, updating or deleting: `pending`; available: `running`; broken: `terminated`. */
  protected override observe(fileSystem: FileSystemDescription, context: RunContext): Observation {
    return {
      state: stateOf(fileSystem.LifeCycleState),
      definition: {
        ...(JSON.parse(JSON.stringify(fileSystem)) as object),
        region_name: this.region(context),
      },
      tags: tagsFromList(fileSystem.Tags),
    };
  }

  /** CreateFileSystem with every tag plus `Name` and the ownership tag, under the creation token. */
  protected override async create(
    client: EFSClient,
    desired: EfsInstanceDefinition,
    { signal }: RunContext,
  ): Promise<FileSystemDescription> {
    const { PerformanceMode, Encrypted, KmsKeyId, ThroughputMode } = desired;
    const { ProvisionedThroughputInMibps, AvailabilityZoneName, Backup } = desired;
    const input = {
      PerformanceMode,
      Encrypted,
      KmsKeyId,
      ThroughputMode,
      ProvisionedThroughputInMibps,
      AvailabilityZoneName,
      Backup,
      Tags: ownedTagList(this.namedTags(writtenTags(desired.Tags) ?? {}), this.provenanceTags),
    };
    const CreationToken =
      desired.CreationToken ?? idempotencyToken(this.id, input, { maxLength: CREATION_TOKEN_MAX });
    const { $metadata: _metadata, ...fileSystem } = await client.send(
      new CreateFileSystemCommand({ ...input, CreationToken }),
      { abortSignal: signal },
    );
    required(fileSystem.FileSystemId, "file system id");
    return fileSystem;
  }

  /** DeleteFileSystem: EFS refuses while mount targets remain. */
  protected override async remove(
    client: EFSClient,
    { FileSystemId }: FileSystemDescription,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteFileSystemCommand({ FileSystemId }), { abortSignal: signal });
  }

  /** The way out of a delete refused for the mount targets. */
  protected override removalHint(failure: CallFailure): Promise<string> {
    return Promise.resolve(
      failure === "inUse" ? " (it still has mount targets: delete them first)" : "",
    );
  }

  protected override async writeTags(
    client: EFSClient,
    { FileSystemId: ResourceId }: FileSystemDescription,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    if (remove.length > 0)
      await client.send(new UntagResourceCommand({ ResourceId, TagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new TagResourceCommand({ ResourceId, Tags: tagsToList(set) }), {
        abortSignal: signal,
      });
  }

  /** The written tags plus `Name`; `undefined` when the definition lists none. */
  protected override wantedTags(): TagMap | undefined {
    const written = writtenTags(this.desiredStateDefinition["Tags"]);
    return written === undefined ? undefined : this.namedTags(written);
  }

  /**
   * The fields fixed at creation and the throughput, and the tags: of a definition, those it
   * lists plus `Name` (when it lists any); of a read, the live ones.
   */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const fields = [...FIXED_FILE_SYSTEM_FIELDS, ...THROUGHPUT_FIELDS];
    const tags = writtenTags(definition["Tags"]);
    const isDefinition = isPlainObject(definition["custom_config"]);
    return {
      ...Object.fromEntries(fields.map((field) => [field, definition[field]])),
      Tags: this.comparableTagsOf(isDefinition && tags !== undefined ? this.namedTags(tags) : tags),
    };
  }

  /** `efs_instance "shared" (fs-…)`. */
  protected override resourceLabel(): string {
    const id = this.live?.FileSystemId;
    return `${this.flavor} "${this.instanceName}"${id === undefined ? "" : ` (${id})`}`;
  }

  /** `tags` with the `Name` tag. */
  private namedTags(tags: TagMap): Record<string, string> {
    return { ...tags, [NAME_TAG]: this.instanceName };
  }
}

/**
 * The file systems of the region whose `Name` tag `isWanted` (those without one are skipped):
 * DescribeFileSystems, page by page (it takes no tag filter).
 */
async function describeFileSystems(
  client: EFSClient,
  isWanted: (name: string) => boolean,
  signal: AbortSignal,
): Promise<FileSystemDescription[]> {
  const listed: FileSystemDescription[] = [];
  for await (const page of paginateDescribeFileSystems({ client }, {}, { abortSignal: signal }))
    for (const fileSystem of page.FileSystems ?? []) {
      const name = nameOf(fileSystem);
      if (name !== undefined && isWanted(name)) listed.push(fileSystem);
    }
  return listed;
}

/** The `Name` tag of a file system. */
function nameOf(fileSystem: FileSystemDescription): string | undefined {
  return tagsFromList(fileSystem.Tags)[NAME_TAG];
}

/** PCF's mapping, with `updating` pending and a broken file system gone. */
function stateOf(lifeCycleState: string | undefined): State {
  if (lifeCycleState === LifeCycleState.AVAILABLE) return "running";
  if (lifeCycleState === LifeCycleState.ERROR) return "terminated";
  return "pending";
}
