import {
  type BatchClient,
  CEType,
  CRAllocationStrategy,
  CRType,
  CreateComputeEnvironmentCommand,
  DeleteComputeEnvironmentCommand,
  UpdateComputeEnvironmentCommand,
  paginateDescribeComputeEnvironments,
  type ComputeEnvironmentDetail,
} from "@aws-sdk/client-batch";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { isPlainObject } from "../../../core/values.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import type { TagMap } from "../../kit/tags.js";
import { iamNameOf } from "../iam-name.js";
import { actionsOf, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { normalizeTags, tagMapSchema, withOwnershipTag } from "../tags.js";
import {
  BATCH_CLIENT_ERROR,
  BATCH_DESCRIBE_LIMIT,
  BatchResource,
  batchStateOf,
  batchStateSchema,
  isDeleted,
} from "./batch-resource.js";

/** The members of `computeResources` that UpdateComputeEnvironment changes for every allocation strategy. */
const UPDATABLE_RESOURCES = ["minvCpus", "maxvCpus"] as const;

/** CreateComputeEnvironment's `computeResources`, for MANAGED environments. */
const computeResourcesSchema = z.strictObject({
  /** `EC2`, `SPOT`, `FARGATE` or `FARGATE_SPOT`. Required. Fixed at creation. */
  type: z.enum(CRType),
  /** How instance types are chosen (`BEST_FIT_PROGRESSIVE`, …). Default: `BEST_FIT`. Fixed at creation. */
  allocationStrategy: z.enum(CRAllocationStrategy).optional(),
  /** The fewest vCPUs kept. Default: 0. Changes in place. */
  minvCpus: z.int().min(0).optional(),
  /** The most vCPUs used. Required. Changes in place. */
  maxvCpus: z.int().min(0),
  /** The vCPUs wanted at creation. Default: `minvCpus`. Never compared: Batch scales it itself. */
  desiredvCpus: z.int().min(0).optional(),
  /** The instance types (`m5.large`, `optimal`). Default: none (EC2 and SPOT need some). Fixed at creation. */
  instanceTypes: z.array(z.string().min(1)).optional(),
  /** The AMI of the instances. Default: Batch's ECS-optimized AMI. Fixed at creation. */
  imageId: z.string().min(1).optional(),
  /** The subnets the instances or tasks run in. Default: none. Fixed at creation. */
  subnets: z.array(z.string().min(1)).optional(),
  /** Their security groups. Default: none. Fixed at creation. */
  securityGroupIds: z.array(z.string().min(1)).optional(),
  /** The EC2 key pair of the instances. Default: none. Fixed at creation. */
  ec2KeyPair: z.string().min(1).optional(),
  /** The instance profile of the instances (name or ARN). Default: none. Fixed at creation. */
  instanceRole: z.string().min(1).optional(),
  /** Tags of the instances Batch launches (not of the environment). Default: none. Fixed at creation. */
  tags: tagMapSchema.optional(),
  /** The placement group of the instances. Default: none. Fixed at creation. */
  placementGroup: z.string().min(1).optional(),
  /** The highest Spot price, in percent of On-Demand. Default: 100. Fixed at creation. */
  bidPercentage: z.int().min(0).max(100).optional(),
  /** The Spot Fleet role (SPOT with `BEST_FIT`). Default: none. Fixed at creation. */
  spotIamFleetRole: z.string().min(1).optional(),
  /** `{ launchTemplateId | launchTemplateName, version }`. Default: none. Fixed at creation. */
  launchTemplate: z
    .strictObject({
      launchTemplateId: z.string().min(1).optional(),
      launchTemplateName: z.string().min(1).optional(),
      version: z.string().min(1).optional(),
    })
    .optional(),
  /** `[{ imageType, imageIdOverride }]`: the AMIs per image type. Default: `ECS_AL2`. Fixed at creation. */
  ec2Configuration: z
    .array(
      z.strictObject({
        imageType: z.string().min(1),
        imageIdOverride: z.string().min(1).optional(),
        imageKubernetesVersion: z.string().min(1).optional(),
      }),
    )
    .optional(),
});

/** The `aws_resource` block of a `batch_compute_environment` particle: CreateComputeEnvironment's parameters. */
export const batchComputeEnvironmentSchema = z.strictObject({
  /** The environment's name: 1–128 letters, digits, `-` and `_`. Required: it is the unique key. */
  computeEnvironmentName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, "expected up to 128 letters, digits, - and _"),
  /** `MANAGED` (Batch runs the capacity) or `UNMANAGED`. Required. Fixed at creation. */
  type: z.enum(CEType),
  /** See {@link batchStateSchema}: the particle's state decides. */
  state: batchStateSchema,
  /** The vCPUs of an UNMANAGED environment with fair-share queues. Default: not compared; 0. Changes in place. */
  unmanagedvCpus: z.int().min(0).optional(),
  /**
   * The capacity of a MANAGED environment (required for it). Compared only on the members
   * written; `minvCpus` and `maxvCpus` change in place, the others are fixed at creation.
   */
  computeResources: computeResourcesSchema.optional(),
  /**
   * The role Batch acts with: its name (`path/name`) or ARN, compared by name. Default: not
   * compared; Batch's service-linked role. Changes in place.
   */
  serviceRole: z.string().min(1).optional(),
  /**
   * The environment's whole tag set, as a map. Tags not listed are removed on update; the
   * ownership tag is always kept. Default: not compared.
   */
  tags: tagMapSchema.optional(),
  /** The environment's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of a `batch_compute_environment` particle. */
export type BatchComputeEnvironmentDefinition = z.infer<typeof batchComputeEnvironmentSchema>;

/** Batch reports every failure as ClientException; none can be told apart by its code. */
const ENVIRONMENT_ERRORS: OperationErrors = {
  CreateComputeEnvironment: { invalid: BATCH_CLIENT_ERROR },
  DescribeComputeEnvironments: { invalid: BATCH_CLIENT_ERROR },
  UpdateComputeEnvironment: { invalid: BATCH_CLIENT_ERROR },
  DeleteComputeEnvironment: { invalid: BATCH_CLIENT_ERROR },
  TagResource: { invalid: BATCH_CLIENT_ERROR },
  UntagResource: { invalid: BATCH_CLIENT_ERROR },
};

/** UpdateComputeEnvironment with the updatable capacity members as written. */
const updateCapacity: FieldUpdater<
  BatchComputeEnvironmentDefinition,
  ComputeEnvironmentDetail,
  BatchClient
> = (client, { computeEnvironmentArn }, { computeResources }, { signal }) =>
  client.send(
    new UpdateComputeEnvironmentCommand({
      computeEnvironment: computeEnvironmentArn,
      computeResources: Object.fromEntries(
        UPDATABLE_RESOURCES.flatMap((member) =>
          computeResources?.[member] === undefined ? [] : [[member, computeResources[member]]],
        ),
      ),
    }),
    { abortSignal: signal },
  );

/**
 * The capacity as compared: without `desiredvCpus`, lists of names sorted, roles by name (AWS
 * answers ARNs), tags as strings.
 */
function comparableResources(resources: unknown): unknown {
  if (!isPlainObject(resources)) return resources;
  const { desiredvCpus: _desired, tags, instanceRole, spotIamFleetRole, ...rest } = resources;
  const roles = {
    ...(instanceRole === undefined ? {} : { instanceRole: iamNameOf(instanceRole) }),
    ...(spotIamFleetRole === undefined ? {} : { spotIamFleetRole: iamNameOf(spotIamFleetRole) }),
  };
  const sorted = Object.fromEntries(
    Object.entries(rest).map(([member, value]) => [
      member,
      Array.isArray(value) && value.every((item) => typeof item === "string")
        ? [...value].sort()
        : value,
    ]),
  );
  return isPlainObject(tags)
    ? { ...sorted, ...roles, tags: normalizeTags(tags as Record<string, string>) }
    : { ...sorted, ...roles };
}

/**
 * A Batch compute environment, found by its name. ENABLED reads running and DISABLED stopped
 * (its stopped form: stop disables it, start enables it again); CREATING, UPDATING and DELETING
 * read pending; DELETED counts as gone. An INVALID environment reads by its state, its
 * `statusReason` in the observed definition: an update of the service role can repair it.
 *
 * The service role, `unmanagedvCpus`, `computeResources.minvCpus` / `maxvCpus` and the tags
 * change in place (UpdateComputeEnvironment, TagResource); the type and the other capacity
 * members are fixed at creation. The capacity is compared on the members the file writes only:
 * AWS answers more. The ownership tag goes in CreateComputeEnvironment itself. Terminate
 * disables the environment first (Batch deletes only disabled ones), then deletes it and waits
 * until it is gone; Batch refuses while a job queue still uses it.
 *
 * Reads are batched: one DescribeComputeEnvironments per region naming up to 100 environments,
 * whose answer carries the tags.
 *
 * PCF: its `state` field is accepted and not compared (the particle's state decides); the
 * service role is compared by name, and the capacity on the written members only, so that a
 * MANAGED environment converges.
 *
 * @example
 * ```ts
 * const capacity = new BatchComputeEnvironment({
 *   pcf_name: "capacity",
 *   flavor: "batch_compute_environment",
 *   aws_resource: {
 *     computeEnvironmentName: "capacity",
 *     type: "MANAGED",
 *     computeResources: { type: "FARGATE", maxvCpus: 16, subnets: ["subnet-1"], securityGroupIds: ["sg-1"] },
 *   },
 * });
 * await capacity.apply();
 * ```
 */
export class BatchComputeEnvironment extends BatchResource<
  BatchComputeEnvironmentDefinition,
  ComputeEnvironmentDetail
> {
  static override readonly flavor: string = "batch_compute_environment";
  static override readonly definitionSchema = batchComputeEnvironmentSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.computeEnvironmentName"];
  static override readonly fixedFields: readonly string[] = [
    "type",
    ...Object.keys(computeResourcesSchema.shape)
      .filter(
        (member) =>
          member !== "desiredvCpus" && !(UPDATABLE_RESOURCES as readonly string[]).includes(member),
      )
      .map((member) => `computeResources.${member}`),
  ];
  static override readonly inPlaceFields: readonly string[] = [
    "serviceRole",
    "unmanagedvCpus",
    ...UPDATABLE_RESOURCES.map((member) => `computeResources.${member}`),
    "tags",
  ];
  static override readonly createOperation: string = "CreateComputeEnvironment";
  static override readonly operationErrors = ENVIRONMENT_ERRORS;
  static override readonly actions = {
    ...actionsOf("batch", {
      read: "DescribeComputeEnvironments",
      stop: "UpdateComputeEnvironment",
      terminate: "UpdateComputeEnvironment DeleteComputeEnvironment DescribeComputeEnvironments",
    }),
    start: [
      "batch:CreateComputeEnvironment",
      "batch:TagResource",
      "batch:UpdateComputeEnvironment",
      "iam:PassRole",
    ],
    update: [
      "batch:UpdateComputeEnvironment",
      "batch:TagResource",
      "batch:UntagResource",
      "iam:PassRole",
    ],
  };

  protected override readonly updaters: FieldUpdaters<
    BatchComputeEnvironmentDefinition,
    ComputeEnvironmentDetail,
    BatchClient
  > = {
    serviceRole: (client, { computeEnvironmentArn }, { serviceRole }, { signal }) =>
      client.send(
        new UpdateComputeEnvironmentCommand({
          computeEnvironment: computeEnvironmentArn,
          serviceRole,
        }),
        { abortSignal: signal },
      ),
    unmanagedvCpus: (client, { computeEnvironmentArn }, { unmanagedvCpus }, { signal }) =>
      client.send(
        new UpdateComputeEnvironmentCommand({
          computeEnvironment: computeEnvironmentArn,
          unmanagedvCpus: unmanagedvCpus ?? 0,
        }),
        { abortSignal: signal },
      ),
    ...Object.fromEntries(
      UPDATABLE_RESOURCES.map((member) => [`computeResources.${member}`, updateCapacity]),
    ),
  };

  /** The environments of `names` that exist: DescribeComputeEnvironments, 100 names a call. */
  protected override async list(
    client: BatchClient,
    names: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, ComputeEnvironmentDetail>> {
    const found = new Map<string, ComputeEnvironmentDetail>();
    for (let start = 0; start < names.length; start += BATCH_DESCRIBE_LIMIT) {
      const input = { computeEnvironments: names.slice(start, start + BATCH_DESCRIBE_LIMIT) };
      for (const environment of await describeEnvironments(client, input, signal))
        found.set(String(environment.computeEnvironmentName), environment);
    }
    return found;
  }

  /**
   * Every environment of the region: DescribeComputeEnvironments without names, page by page.
   * DELETED ones, which Batch lists for a while, are left out.
   */
  protected override listAll(
    client: BatchClient,
    { signal }: RunContext,
  ): Promise<readonly ComputeEnvironmentDetail[]> {
    return describeEnvironments(client, {}, signal);
  }

  /** See {@link batchStateOf}; the capacity as answered. */
  protected override observe(
    environment: ComputeEnvironmentDetail,
    context: RunContext,
  ): Observation {
    return {
      state: batchStateOf(environment),
      definition: {
        computeEnvironmentName: environment.computeEnvironmentName,
        computeEnvironmentArn: environment.computeEnvironmentArn,
        type: environment.type,
        state: environment.state,
        status: environment.status,
        statusReason: environment.statusReason,
        unmanagedvCpus: environment.unmanagedvCpus ?? 0,
        ...(environment.computeResources === undefined
          ? {}
          : { computeResources: environment.computeResources }),
        ...(environment.serviceRole === undefined ? {} : { serviceRole: environment.serviceRole }),
        ecsClusterArn: environment.ecsClusterArn,
        region_name: this.region(context),
      },
      tags: environment.tags ?? {},
    };
  }

  /** CreateComputeEnvironment, ENABLED, with the tags plus the ownership tag. */
  protected override async create(
    client: BatchClient,
    desired: BatchComputeEnvironmentDefinition,
    { signal }: RunContext,
  ): Promise<undefined> {
    const { computeEnvironmentName, type, unmanagedvCpus, computeResources, serviceRole } = desired;
    let resources = {};
    if (computeResources !== undefined) {
      const { tags: instanceTags, ...members } = computeResources;
      resources = {
        computeResources: {
          ...members,
          ...(instanceTags === undefined ? {} : { tags: normalizeTags(instanceTags) }),
        },
      };
    }
    await client.send(
      new CreateComputeEnvironmentCommand({
        computeEnvironmentName,
        type,
        state: "ENABLED",
        ...(unmanagedvCpus === undefined ? {} : { unmanagedvCpus }),
        ...resources,
        ...(serviceRole === undefined ? {} : { serviceRole }),
        tags: withOwnershipTag(normalizeTags(desired.tags ?? {}), this.provenanceTags),
      }),
      { abortSignal: signal },
    );
    return undefined;
  }

  protected override arnOf(environment: ComputeEnvironmentDetail): string | undefined {
    return environment.computeEnvironmentArn;
  }

  /** UpdateComputeEnvironment of the state. */
  protected override async setState(
    client: BatchClient,
    { computeEnvironmentArn }: ComputeEnvironmentDetail,
    state: "ENABLED" | "DISABLED",
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(
      new UpdateComputeEnvironmentCommand({ computeEnvironment: computeEnvironmentArn, state }),
      { abortSignal: signal },
    );
  }

  /** DeleteComputeEnvironment: Batch refuses while a job queue uses the environment. */
  protected override async sendDelete(
    client: BatchClient,
    { computeEnvironmentArn }: ComputeEnvironmentDetail,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(
      new DeleteComputeEnvironmentCommand({ computeEnvironment: computeEnvironmentArn }),
      { abortSignal: signal },
    );
  }

  /**
   * The generic block, its capacity cut to the members a definition takes (AWS answers more)
   * and without `desiredvCpus`, which Batch scales itself.
   */
  protected override discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const block = super.discoveredResource(observation, ownTags);
    const resources = block["computeResources"];
    if (!isPlainObject(resources)) return block;
    const members = Object.keys(computeResourcesSchema.shape).filter(
      (member) => member !== "desiredvCpus" && resources[member] !== undefined,
    );
    return {
      ...block,
      computeResources: Object.fromEntries(members.map((member) => [member, resources[member]])),
    };
  }

  /** The name, type, written capacity members, role by name and tags; `state` is not compared. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { computeEnvironmentName, type, unmanagedvCpus, computeResources, serviceRole, tags } =
      definition;
    return {
      computeEnvironmentName,
      type,
      unmanagedvCpus,
      computeResources: comparableResources(computeResources),
      serviceRole: iamNameOf(serviceRole),
      tags: this.comparableTagsOf(tags),
    };
  }
}

/** The named, not DELETED environments DescribeComputeEnvironments gives for `input`, page by page. */
async function describeEnvironments(
  client: BatchClient,
  input: { readonly computeEnvironments?: string[] },
  signal: AbortSignal,
): Promise<ComputeEnvironmentDetail[]> {
  const environments: ComputeEnvironmentDetail[] = [];
  for await (const page of paginateDescribeComputeEnvironments({ client }, input, {
    abortSignal: signal,
  }))
    for (const environment of page.computeEnvironments ?? [])
      if (environment.computeEnvironmentName !== undefined && !isDeleted(environment))
        environments.push(environment);
  return environments;
}
