import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RemoveTagsFromResourceCommand,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
  paginateDescribeDBInstances,
  type DBInstance,
} from "@aws-sdk/client-rds";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { DISTINCT_STATES, type State } from "../../../core/state.js";
import { readPath } from "../../../core/values.js";
import type { FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors } from "../../kit/facts.js";
import { writtenTags, type TagChanges } from "../../kit/tags.js";
import { AWSResource, actionsOf, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { ownedTagList, tagInputSchema, tagsFromList, tagsToList } from "../tags.js";

/** The `aws_resource` block of an `rds_instance` particle: CreateDBInstance's parameters, PCF's names. */
export const rdsInstanceSchema = z.strictObject({
  /**
   * The instance's identifier: a letter, then letters, digits and single hyphens, up to 63, not
   * ending in a hyphen. RDS stores it in lower case and this flavor matches it so. Required: it is
   * the unique key, so another identifier is another instance (no rename).
   */
  DBInstanceIdentifier: z
    .string()
    .max(63)
    .regex(
      /^[A-Za-z](?:-?[A-Za-z0-9])*$/,
      "expected a letter, then letters, digits and single hyphens",
    ),
  /** The engine (`mysql`, `postgres`, …). Required. Fixed at creation. */
  Engine: z.string().min(1),
  /** The compute class (`db.t3.micro`). Required. Changes in place. */
  DBInstanceClass: z.string().min(1),
  /** Storage in GiB. Default: not compared; the engine's minimum is required by most engines. Changes in place. */
  AllocatedStorage: z.int().positive().optional(),
  /**
   * The engine version; a prefix (`8.0`) matches the full live version (`8.0.35`). Default: not
   * compared; the engine's default version. Changes in place (an upgrade).
   */
  EngineVersion: z.string().min(1).optional(),
  /** The database created in the instance. Default: not compared; none (engine-dependent). Fixed at creation. */
  DBName: z.string().min(1).optional(),
  /** The master user's name. Default: not compared. Fixed at creation. */
  MasterUsername: z.string().min(1).optional(),
  /** The master user's password. Sent at creation only; never read back, never compared. */
  MasterUserPassword: z.string().min(1).optional(),
  /** The VPC security groups' ids, a set. Default: not compared; the VPC's default group. Changes in place. */
  VpcSecurityGroupIds: z.array(z.string().min(1)).optional(),
  /**
   * The zone. Default: not compared; RDS picks one. Fixed at creation; not compared while the
   * instance is Multi-AZ (a failover moves it).
   */
  AvailabilityZone: z.string().min(1).optional(),
  /** The DB subnet group. Default: not compared; the default VPC. Fixed at creation. */
  DBSubnetGroupName: z.string().min(1).optional(),
  /** The port the engine listens on. Default: not compared; the engine's port. Changes in place. */
  Port: z.int().min(1).max(65535).optional(),
  /** Days of automated backups (0 turns them off), 0 to 35. Default: not compared; 1. Changes in place. */
  BackupRetentionPeriod: z.int().min(0).max(35).optional(),
  /**
   * The KMS key of the storage encryption: its id or ARN (an alias would read as a change, as RDS
   * answers the key's ARN). Default: not compared; the RDS AWS-managed key. Fixed at creation.
   */
  KmsKeyId: z.string().min(1).optional(),
  /** Whether the storage is encrypted. Default: not compared; false. Fixed at creation. */
  StorageEncrypted: z.boolean().optional(),
  /** Whether a standby runs in another zone. Default: not compared; false. Changes in place. */
  MultiAZ: z.boolean().optional(),
  /** The DB parameter group. Default: not compared; the engine's default group. Changes in place. */
  DBParameterGroupName: z.string().min(1).optional(),
  /**
   * The instance's whole tag set, as `[{ Key, Value }]` (PCF's form) or a map. Tags not listed
   * are removed on update; the ownership tag is always kept. Default: not compared.
   */
  Tags: tagInputSchema.optional(),
  /**
   * Whether ModifyDBInstance applies changes now (true) or in the next maintenance window. Not
   * compared: a change left pending counts as made, so it is not sent again. Default true.
   */
  ApplyImmediately: z.boolean().optional(),
  /**
   * Whether terminating skips the final snapshot. Not compared. Default true (PCF never took one);
   * false takes `FinalDBSnapshotIdentifier`.
   */
  SkipFinalSnapshot: z.boolean().optional(),
  /**
   * The final snapshot's identifier, when `SkipFinalSnapshot` is false. Not compared. Default
   * `<DBInstanceIdentifier>-final`.
   */
  FinalDBSnapshotIdentifier: z.string().min(1).max(255).optional(),
  /** The instance's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
  custom_config: awsCustomConfigSchema.optional(),
});

/** What a user writes in the `aws_resource` block of an `rds_instance` particle. */
export type RdsInstanceDefinition = z.infer<typeof rdsInstanceSchema>;

// The SDK names a modelled error by its shape (`DBInstanceNotFoundFault`, wire code
// `DBInstanceNotFound`); `InvalidParameterValue` and `InvalidParameterCombination` are not modelled.
const NOT_FOUND = ["DBInstanceNotFoundFault"];
const WRONG_STATE = ["InvalidDBInstanceStateFault"];
const INVALID = ["InvalidParameterValue", "InvalidParameterCombination"];

/** The codes of the instance calls, by class. */
const INSTANCE_ERRORS: OperationErrors = {
  CreateDBInstance: {
    alreadyExists: ["DBInstanceAlreadyExistsFault"],
    invalid: [
      ...INVALID,
      "InsufficientDBInstanceCapacityFault",
      "InstanceQuotaExceededFault",
      "StorageQuotaExceededFault",
      "DBSubnetGroupNotFoundFault",
      "DBParameterGroupNotFoundFault",
      "DBSecurityGroupNotFoundFault",
      "KMSKeyNotAccessibleFault",
      "InvalidVPCNetworkStateFault",
    ],
  },
  DeleteDBInstance: {
    notFound: NOT_FOUND,
    wrongState: WRONG_STATE,
    alreadyExists: ["DBSnapshotAlreadyExistsFault"],
    invalid: ["SnapshotQuotaExceededFault"],
  },
  ModifyDBInstance: {
    notFound: NOT_FOUND,
    wrongState: WRONG_STATE,
    invalid: [
      ...INVALID,
      "InsufficientDBInstanceCapacityFault",
      "StorageQuotaExceededFault",
      "DBParameterGroupNotFoundFault",
      "DBUpgradeDependencyFailureFault",
    ],
  },
  StopDBInstance: { notFound: NOT_FOUND, wrongState: WRONG_STATE },
  StartDBInstance: {
    notFound: NOT_FOUND,
    wrongState: WRONG_STATE,
    invalid: ["InsufficientDBInstanceCapacityFault"],
  },
  AddTagsToResource: { notFound: NOT_FOUND },
  RemoveTagsFromResource: { notFound: NOT_FOUND },
};

/** Statuses of an instance on its way between two others: the engine waits them out. */
const PENDING_STATUSES: ReadonlySet<string> = new Set([
  "creating",
  "deleting",
  "starting",
  "stopping",
  "modifying",
  "renaming",
  "rebooting",
  "backing-up",
  "maintenance",
  "upgrading",
  "resetting-master-credentials",
  "converting-to-vpc",
  "moving-to-vpc",
]);

/** The fields ModifyDBInstance changes, with what a live instance says of each (pending changes counted). */
const MODIFIABLE = [
  "DBInstanceClass",
  "AllocatedStorage",
  "EngineVersion",
  "BackupRetentionPeriod",
  "MultiAZ",
  "Port",
  "VpcSecurityGroupIds",
  "DBParameterGroupName",
] as const;

type Modifiable = (typeof MODIFIABLE)[number];

/**
 * An RDS DB instance, found by its identifier. It has a stopped form: StopDBInstance and
 * StartDBInstance (AWS starts a stopped instance by itself after seven days). The class, storage,
 * engine version, backup retention, Multi-AZ, port, security groups, parameter group and tags
 * change in place (one ModifyDBInstance, `ApplyImmediately` true unless the definition says
 * otherwise); the engine, identifier, database name, master user, zone, subnet group and storage
 * encryption are fixed at creation. The ownership tag goes in CreateDBInstance itself.
 *
 * Reads are batched: one paged DescribeDBInstances per region, whose answer carries the tags
 * (`TagList`). Statuses between two others (`creating`, `modifying`, `stopping`, `deleting`, …)
 * read `pending`; every other status but `stopped` reads `running`, as the instance is there to
 * be changed (`storage-full` is cured by more `AllocatedStorage`) or terminated.
 *
 * PCF's defects not reproduced: `ApplyImmediately` and `SkipFinalSnapshot` are optional (PCF
 * raised KeyError without them), and `SkipFinalSnapshot: false` does take the final snapshot; a
 * change left pending by `ApplyImmediately: false` is not re-sent on every run; a short
 * `EngineVersion` matches the full live one; a failed StartDBInstance never turns into a create;
 * every status has a state.
 *
 * @example
 * ```ts
 * const db = new RdsInstance({
 *   pcf_name: "db",
 *   flavor: "rds_instance",
 *   aws_resource: {
 *     DBInstanceIdentifier: "orders",
 *     Engine: "postgres",
 *     DBInstanceClass: "db.t3.micro",
 *     AllocatedStorage: 20,
 *     MasterUsername: "admin",
 *     MasterUserPassword: "change-me-please",
 *   },
 * });
 * await db.apply();
 * ```
 */
export class RdsInstance extends AWSResource<RdsInstanceDefinition, DBInstance, RDSClient> {
  static override readonly flavor: string = "rds_instance";
  static override readonly service: string = "rds";
  static override readonly Client = RDSClient;
  static override readonly definitionSchema = rdsInstanceSchema;
  static override readonly uniqueKeys: readonly string[] = ["aws_resource.DBInstanceIdentifier"];
  static override readonly equivalentStates = DISTINCT_STATES;
  static override readonly fixedFields: readonly string[] = [
    "Engine",
    "DBName",
    "MasterUsername",
    "AvailabilityZone",
    "DBSubnetGroupName",
    "KmsKeyId",
    "StorageEncrypted",
  ];
  static override readonly inPlaceFields: readonly string[] = [...MODIFIABLE, "Tags"];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "CreateDBInstance";
  static override readonly operationErrors = INSTANCE_ERRORS;
  static override readonly actions = actionsOf("rds", {
    read: "DescribeDBInstances",
    start: "CreateDBInstance AddTagsToResource ModifyDBInstance StartDBInstance",
    stop: "StopDBInstance",
    update: "ModifyDBInstance AddTagsToResource RemoveTagsFromResource",
    terminate: "DeleteDBInstance",
  });

  protected override readonly updaters: FieldUpdaters<
    RdsInstanceDefinition,
    DBInstance,
    RDSClient
  > = Object.fromEntries(MODIFIABLE.map((field) => [field, modify]));

  /** The instances of `identifiers` that exist: DescribeDBInstances, page by page, filtered. */
  protected override async list(
    client: RDSClient,
    identifiers: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, DBInstance>> {
    // Naming an instance would fail the whole call on the first one missing. RDS lower-cases.
    const wanted = new Map<string, string[]>();
    for (const key of identifiers)
      wanted.set(key.toLowerCase(), [...(wanted.get(key.toLowerCase()) ?? []), key]);
    const found = new Map<string, DBInstance>();
    for (const instance of await describeInstances(client, signal))
      for (const key of wanted.get(instance.DBInstanceIdentifier?.toLowerCase() ?? "") ?? [])
        found.set(key, instance);
    return found;
  }

  /**
   * Every instance of the region: DescribeDBInstances, page by page. Members of an Aurora or
   * Multi-AZ DB cluster are left out: their cluster, which this flavor cannot write, holds them.
   */
  protected override async listAll(
    client: RDSClient,
    { signal }: RunContext,
  ): Promise<readonly DBInstance[]> {
    return (await describeInstances(client, signal)).filter(
      (instance) => instance.DBClusterIdentifier === undefined,
    );
  }

  /** Its state from its status; its settings as written where a prefix or a pending change matches. */
  protected override observe(instance: DBInstance, context: RunContext): Observation {
    const desired = this.desiredStateDefinition;
    const written = (field: string): unknown => readPath(desired, field);
    const engineVersion = instance.PendingModifiedValues?.EngineVersion ?? instance.EngineVersion;
    const wantedVersion = written("EngineVersion");
    const kmsKeyId = instance.KmsKeyId;
    const wantedKey = written("KmsKeyId");
    return {
      state: stateOf(instance.DBInstanceStatus),
      definition: {
        DBInstanceIdentifier: instance.DBInstanceIdentifier,
        DBInstanceArn: instance.DBInstanceArn,
        DBInstanceStatus: instance.DBInstanceStatus,
        Endpoint: instance.Endpoint,
        Engine: instance.Engine,
        DBName: instance.DBName,
        MasterUsername: instance.MasterUsername,
        AvailabilityZone:
          instance.MultiAZ === true ? written("AvailabilityZone") : instance.AvailabilityZone,
        DBSubnetGroupName: instance.DBSubnetGroup?.DBSubnetGroupName,
        StorageEncrypted: instance.StorageEncrypted ?? false,
        ...modifiableOf(instance),
        // A creating instance has no endpoint yet (its port reads 0): it listens where it was asked.
        ...(instance.Endpoint === undefined && written("Port") !== undefined
          ? { Port: written("Port") }
          : {}),
        // `8.0` asks for the newest 8.0.x: the live `8.0.35` is what it asked for.
        EngineVersion:
          typeof wantedVersion === "string" && engineVersion?.startsWith(`${wantedVersion}.`)
            ? wantedVersion
            : engineVersion,
        // A key id written names the key whose ARN (`…:key/<id>`) RDS answers with.
        KmsKeyId:
          typeof wantedKey === "string" && kmsKeyId?.endsWith(`/${wantedKey}`) === true
            ? wantedKey
            : kmsKeyId,
        region_name: this.region(context),
      },
      tags: tagsFromList(instance.TagList),
    };
  }

  /** CreateDBInstance with the settings and the tags plus the ownership tag; its answer carries the instance. */
  protected override async create(
    client: RDSClient,
    desired: RdsInstanceDefinition,
    { signal }: RunContext,
  ): Promise<DBInstance | undefined> {
    const {
      Tags,
      ApplyImmediately: _apply,
      SkipFinalSnapshot: _skip,
      FinalDBSnapshotIdentifier: _final,
      region_name: _region,
      custom_config: _config,
      ...settings
    } = desired;
    const { DBInstance: instance } = await client.send(
      new CreateDBInstanceCommand({
        ...settings,
        Tags: ownedTagList(writtenTags(Tags) ?? {}, this.provenanceTags),
      }),
      { abortSignal: signal },
    );
    return instance?.DBInstanceArn === undefined ? undefined : instance;
  }

  /** DeleteDBInstance, skipping the final snapshot unless the definition asks for one. */
  protected override async remove(
    client: RDSClient,
    { DBInstanceIdentifier }: DBInstance,
    { signal }: RunContext,
  ): Promise<void> {
    const written = (field: string): unknown => readPath(this.desiredStateDefinition, field);
    const isSkipped = written("SkipFinalSnapshot") !== false;
    const snapshot = written("FinalDBSnapshotIdentifier");
    await client.send(
      new DeleteDBInstanceCommand({
        DBInstanceIdentifier,
        SkipFinalSnapshot: isSkipped,
        ...(isSkipped
          ? {}
          : {
              FinalDBSnapshotIdentifier:
                typeof snapshot === "string" ? snapshot : `${DBInstanceIdentifier ?? ""}-final`,
            }),
      }),
      { abortSignal: signal },
    );
  }

  /** StopDBInstance: the storage and the endpoint stay. */
  protected override async halt(
    client: RDSClient,
    { DBInstanceIdentifier }: DBInstance,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new StopDBInstanceCommand({ DBInstanceIdentifier }), {
      abortSignal: signal,
    });
  }

  /** StartDBInstance (never a create: a start that fails fails). */
  protected override async resume(
    client: RDSClient,
    { DBInstanceIdentifier }: DBInstance,
    { signal }: RunContext,
  ): Promise<void> {
    await client.send(new StartDBInstanceCommand({ DBInstanceIdentifier }), {
      abortSignal: signal,
    });
  }

  protected override async writeTags(
    client: RDSClient,
    { DBInstanceArn: ResourceName }: DBInstance,
    { set, remove }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    if (remove.length > 0)
      await client.send(new RemoveTagsFromResourceCommand({ ResourceName, TagKeys: remove }), {
        abortSignal: signal,
      });
    if (Object.keys(set).length > 0)
      await client.send(new AddTagsToResourceCommand({ ResourceName, Tags: tagsToList(set) }), {
        abortSignal: signal,
      });
  }

  /** The settings written (identifier in lower case, security groups a sorted set), the tags as a sorted set. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { DBInstanceIdentifier, VpcSecurityGroupIds, Tags } = definition;
    const fields = [
      "Engine",
      "DBInstanceClass",
      "AllocatedStorage",
      "EngineVersion",
      "DBName",
      "MasterUsername",
      "AvailabilityZone",
      "DBSubnetGroupName",
      "Port",
      "BackupRetentionPeriod",
      "KmsKeyId",
      "StorageEncrypted",
      "MultiAZ",
      "DBParameterGroupName",
    ];
    return {
      DBInstanceIdentifier:
        typeof DBInstanceIdentifier === "string"
          ? DBInstanceIdentifier.toLowerCase()
          : DBInstanceIdentifier,
      ...Object.fromEntries(fields.map((field) => [field, definition[field]])),
      VpcSecurityGroupIds: Array.isArray(VpcSecurityGroupIds)
        ? [...new Set(VpcSecurityGroupIds.map(String))].sort()
        : undefined,
      Tags: this.comparableTagsOf(Tags),
    };
  }
}

/** Every instance of the region: DescribeDBInstances, page by page (naming one fails on a missing one). */
async function describeInstances(client: RDSClient, signal: AbortSignal): Promise<DBInstance[]> {
  const instances: DBInstance[] = [];
  for await (const page of paginateDescribeDBInstances({ client }, {}, { abortSignal: signal }))
    instances.push(...(page.DBInstances ?? []));
  return instances;
}

/** `pending` between two statuses, `stopped` when stopped, else `running`. */
function stateOf(status: string | undefined): State {
  if (status === "stopped") return "stopped";
  return PENDING_STATUSES.has(status ?? "") ? "pending" : "running";
}

/** What the live instance says of the fields ModifyDBInstance changes, changes still pending counted. */
function modifiableOf(instance: DBInstance): Record<Modifiable, unknown> {
  const pending = instance.PendingModifiedValues;
  return {
    DBInstanceClass: pending?.DBInstanceClass ?? instance.DBInstanceClass,
    AllocatedStorage: pending?.AllocatedStorage ?? instance.AllocatedStorage,
    EngineVersion: pending?.EngineVersion ?? instance.EngineVersion,
    BackupRetentionPeriod: pending?.BackupRetentionPeriod ?? instance.BackupRetentionPeriod,
    MultiAZ: pending?.MultiAZ ?? instance.MultiAZ ?? false,
    Port: pending?.Port ?? instance.Endpoint?.Port ?? instance.DbInstancePort,
    VpcSecurityGroupIds: (instance.VpcSecurityGroups ?? [])
      .filter((group) => group.Status !== "removing")
      .flatMap((group) => group.VpcSecurityGroupId ?? [])
      .sort(),
    DBParameterGroupName: instance.DBParameterGroups?.[0]?.DBParameterGroupName,
  };
}

/**
 * One ModifyDBInstance with every modifiable field that the definition writes and that differs
 * from the live one (a version prefix the live version starts with does not differ).
 */
async function modify(
  client: RDSClient,
  live: DBInstance,
  desired: RdsInstanceDefinition,
  { signal }: RunContext,
): Promise<void> {
  const current = modifiableOf(live);
  const changes: Record<string, unknown> = {};
  for (const field of MODIFIABLE) {
    const value = desired[field];
    if (value === undefined) continue;
    const now = current[field];
    const isSame =
      field === "VpcSecurityGroupIds"
        ? JSON.stringify([...new Set(value as string[])].sort()) === JSON.stringify(now)
        : field === "EngineVersion" && typeof now === "string"
          ? now === value || now.startsWith(`${String(value)}.`)
          : now === value;
    if (!isSame) changes[field === "Port" ? "DBPortNumber" : field] = value;
  }
  await client.send(
    new ModifyDBInstanceCommand({
      DBInstanceIdentifier: live.DBInstanceIdentifier,
      ApplyImmediately: desired.ApplyImmediately ?? true,
      ...changes,
    }),
    { abortSignal: signal },
  );
}
