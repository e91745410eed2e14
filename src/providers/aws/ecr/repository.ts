import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  ECRClient,
  EncryptionType,
  ImageTagMutability,
  ListTagsForResourceCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  TagResourceCommand,
  UntagResourceCommand,
  paginateDescribeRepositories,
  type Repository,
} from "@aws-sdk/client-ecr";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { writtenTags, type TagChanges, type TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList, tagsToList } from "../tags.js";

/** The `aws_resource` block of an `ecr_repository` particle: CreateRepository's parameters. */
export const ecrRepositorySchema = z.strictObject({
  /** The repository's name (`team/app`). Required: it is the unique key. */
  repositoryName: z
    .string()
    .min(2)
    .max(256)
    .regex(
      /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
      "expected lower-case letters, digits and . _ - / between them",
    ),
  /** Whether tags can be overwritten. Default: not compared; created `MUTABLE`. Changes in place. */
  imageTagMutability: z.enum(ImageTagMutability).optional(),
  /** `{ scanOnPush }`. Default: not compared; created without scanning. Changes in place. */
  imageScanningConfiguration: z.strictObject({ scanOnPush: z.boolean() }).optional(),
  /** `{ encryptionType, kmsKey }`. Default: not compared; AES256. Fixed at creation. */
  encryptionConfiguration: z
    .strictObject({ encryptionType: z.enum(EncryptionType), kmsKey: z.string().min(1).optional() })
    .optional(),
  /**
   * The repository's whole tag set, as `[{ Key, Value }]` (PCF's form) or a map. Tags not listed
   * are removed on update; the ownership tag is always kept. Default: not compared.
   */
  tags: tagInputSchema.optional(),
  /** The repository's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `ecr_repository` particle. */
export type EcrRepositoryDefinition = z.infer<typeof ecrRepositorySchema>;

const NOT_FOUND = ["RepositoryNotFoundException"];

/** The codes of the repository calls, by class. */
const REPOSITORY_ERRORS: OperationErrors = {
  CreateRepository: {
    alreadyExists: ["RepositoryAlreadyExistsException"],
    invalid: [
      "InvalidParameterException",
      "InvalidTagParameterException",
      "LimitExceededException",
    ],
  },
  DeleteRepository: { notFound: NOT_FOUND, inUse: ["RepositoryNotEmptyException"] },
  ListTagsForResource: { notFound: NOT_FOUND },
  TagResource: { notFound: NOT_FOUND },
  UntagResource: { notFound: NOT_FOUND },
  PutImageTagMutability: { notFound: NOT_FOUND },
  PutImageScanningConfiguration: { notFound: NOT_FOUND },
};

/**
 * An ECR repository, found by its name. It has no stopped form: stopping deletes it, which ECR
 * refuses while it holds images (`RepositoryNotEmptyException`), as PCF did. Tag mutability,
 * scan-on-push and tags change in place; the encryption settings are fixed at creation. The
 * ownership tag goes in CreateRepository itself.
 *
 * Reads are batched: one paged DescribeRepositories per region, plus ListTagsForResource per
 * repository only when its definition lists tags (or before changing it, to check ownership).
 *
 * @example
 * ```ts
 * const images = new EcrRepository({
 *   pcf_name: "images",
 *   flavor: "ecr_repository",
 *   aws_resource: { repositoryName: "team/app", tags: [{ Key: "team", Value: "web" }] },
 * });
 * await images.apply();
 * ```
 */
export class EcrRepository extends AWSResource<EcrRepositoryDefinition, Repository, ECRClient> {
  static override readonly flavor: string = "ecr_repository";
  static override readonly service: string = "ecr";
  static override readonly Client = ECRClient;
  static override readonly definitionSchema = ecrRepositorySchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.repositoryName"];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = ["encryptionConfiguration"];
  static override readonly inPlaceFields: readonly string[] = [
    "imageTagMutability",
    "imageScanningConfiguration",
    "tags",
  ];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "tags",
    ownershipWritten: "in-create",
    readFrom: "own-call",
  } as const;
  static override readonly createOperation: string = "CreateRepository";
  static override readonly operationErrors = REPOSITORY_ERRORS;
  static override readonly actions = {
    read: ["ecr:DescribeRepositories", "ecr:ListTagsForResource"],
    start: ["ecr:CreateRepository", "ecr:TagResource"],
    update: [
      "ecr:PutImageTagMutability",
      "ecr:PutImageScanningConfiguration",
      "ecr:TagResource",
      "ecr:UntagResource",
    ],
    terminate: ["ecr:DeleteRepository"],
  };

  protected override readonly updaters: FieldUpdaters<
    EcrRepositoryDefinition,
    Repository,
    ECRClient
  > = {
    imageTagMutability: (client, { repositoryName }, desired, { signal }) =>
      client.send(
        new PutImageTagMutabilityCommand({
          repositoryName,
          imageTagMutability: desired.imageTagMutability ?? ImageTagMutability.MUTABLE,
        }),
        { abortSignal: signal },
      ),
    imageScanningConfiguration: (client, { repositoryName }, desired, { signal }) =>
      client.send(
        new PutImageScanningConfigurationCommand({
          repositoryName,
          imageScanningConfiguration: desired.imageScanningConfiguration ?? { scanOnPush: false },
        }),
        { abortSignal: signal },
      ),
  };

  /** The repositories of `names` that exist: DescribeRepositories, page by page, filtered. */
  protected override async list(
    client: ECRClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, Repository>> {
    // Naming the repositories would fail the whole call on the first one missing.
    const wanted = new Set(names);
    const found = new Map<string, Repository>();
    for (const repository of await listRepositories(client, signal))
      if (repository.repositoryName !== undefined && wanted.has(repository.repositoryName))
        found.set(repository.repositoryName, repository);
    return found;
  }

  /** Every repository of the account's registry in the region: DescribeRepositories, page by page. */
  protected override listAll(
    client: ECRClient,
    { signal }: RunContext,
  ): Promise<readonly Repository[]> {
    return listRepositories(client, signal);
  }

  /** A listed repository is running. */
  protected override observe(repository: Repository, context: RunContext): Observation {
    return {
      state: "running",
      definition: {
        repositoryName: repository.repositoryName,
        repositoryArn: repository.repositoryArn,
        repositoryUri: repository.repositoryUri,
        registryId: repository.registryId,
        imageTagMutability: repository.imageTagMutability ?? ImageTagMutability.MUTABLE,
        imageScanningConfiguration: {
          scanOnPush: repository.imageScanningConfiguration?.scanOnPush ?? false,
        },
        encryptionConfiguration: {
          encryptionType:
            repository.encryptionConfiguration?.encryptionType ?? EncryptionType.AES256,
          ...(repository.encryptionConfiguration?.kmsKey === undefined
            ? {}
            : { kmsKey: repository.encryptionConfiguration.kmsKey }),
        },
        region_name: this.region(context),
      },
    };
  }

  /** CreateRepository with the settings and the tags plus the ownership tag; its answer carries the repository. */
  protected override async create(
    client: ECRClient,
    desired: EcrRepositoryDefinition,
    { signal }: RunContext,
  ): Promise<Repository | undefined> {
    const { repositoryName, imageTagMutability, imageScanningConfiguration } = desired;
    const { encryptionConfiguration, tags } = desired;
    const { repository } = await client.send(
      new CreateRepositoryCommand({
        repositoryName,
        ...(imageTagMutability === undefined ? {} : { imageTagMutability }),
        ...(imageScanningConfiguration === undefined ? {} : { imageScanningConfiguration }),
        ...(encryptionConfiguration === undefined ? {} : { encryptionConfiguration }),
        tags: ownedTagList(writtenTags(tags) ?? {}, this.provenanceTags),
      }),
      { abortSignal: signal },
    );
    return repository?.repositoryArn === undefined ? undefined : repository;
  }

  /** DeleteRepository without `force`: ECR refuses while the repository holds images. */
  protected override async remove(
    client: ECRClient,
    { repositoryName }: Repository,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new DeleteRepositoryCommand({ repositoryName }), { abortSignal: signal });
  }

  protected override async readTags(
    client: ECRClient,
    { repositoryArn }: Repository,
    { signal }: RunContext,
  ): Promise<TagMap> {
    const { tags = [] } = await client.send(
      new ListTagsForResourceCommand({ resourceArn: repositoryArn }),
      { abortSignal: signal },
    );
    return tagsFromList(tags);
  }

  protected override async writeTags(
    client: ECRClient,
    { repositoryArn: resourceArn }: Repository,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    if (remove.length > 0)
      await client.send(new UntagResourceCommand({ resourceArn, tagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new TagResourceCommand({ resourceArn, tags: tagsToList(set) }), {
        abortSignal: signal,
      });
  }

  /** The name and the settings written, with ECR's defaults; the tags as a sorted set. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { repositoryName, imageTagMutability, imageScanningConfiguration, tags } = definition;
    return {
      repositoryName,
      imageTagMutability,
      imageScanningConfiguration,
      encryptionConfiguration: definition["encryptionConfiguration"],
      tags: this.comparableTagsOf(tags),
    };
  }
}

/** Every repository of the account's registry in the region: DescribeRepositories, page by page. */
async function listRepositories(client: ECRClient, signal: AbortSignal): Promise<Repository[]> {
  const repositories: Repository[] = [];
  for await (const page of paginateDescribeRepositories({ client }, {}, { abortSignal: signal }))
    repositories.push(...(page.repositories ?? []));
  return repositories;
}
