import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  RRType,
  Route53Client,
  type Change,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import * as z from "zod";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import type { FieldUpdater, FieldUpdaters } from "../../kit/calls.js";
import type { Observation, OperationErrors, ProvenanceKeys } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { AWSResource, awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { listZones } from "./hosted-zone.js";
import { OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE } from "../tags.js";

/** The `aws_resource` block of a `route53_record` particle: a ResourceRecordSet and its zone. */
export const route53RecordSchema = z
  .strictObject({
    /** The hosted zone's id (`Z123` or `/hostedzone/Z123`). Required: part of the unique key. */
    HostedZoneId: z.string().min(1),
    /** The record's name, with or without the trailing dot. Required: part of the unique key. */
    Name: z.string().min(1).max(1024),
    /** The record type (`A`, `CNAME`, `TXT`). Required: part of the unique key. */
    Type: z.enum(RRType),
    /** Seconds resolvers cache the record. Default: none (required by Route 53 unless AliasTarget). Changes in place. */
    TTL: z.number().int().min(0).max(2147483647).optional(),
    /** `[{ Value }]`, at least one unless AliasTarget. Default: none. Changes in place. */
    ResourceRecords: z
      .array(z.strictObject({ Value: z.string().min(1).max(4000) }))
      .min(1)
      .optional(),
    /** `{ HostedZoneId, DNSName, EvaluateTargetHealth }`: an alias record. Default: none. Changes in place. */
    AliasTarget: z
      .strictObject({
        HostedZoneId: z.string().min(1),
        DNSName: z.string().min(1),
        EvaluateTargetHealth: z.boolean(),
      })
      .optional(),
    /** Route 53 is global: the region of its client only. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
    region_name: regionNameSchema,
    /** `adopt`, `replace_on_change`: see {@link awsCustomConfigSchema}. */
    custom_config: awsCustomConfigSchema.optional(),
  })
  .refine((block) => (block.AliasTarget === undefined) !== (block.ResourceRecords === undefined), {
    message: "expected either ResourceRecords (with TTL) or AliasTarget",
  });

/** What a user writes in the `aws_resource` block of a `route53_record` particle. */
export type Route53RecordDefinition = z.infer<typeof route53RecordSchema>;

/** A record set as listed, with its zone and its ownership record when there is one. */
export interface ListedRecord {
  /** The zone's bare id (`Z123`). */
  readonly zoneId: string;
  readonly set: ResourceRecordSet;
  /** The TXT record that says particle-cloud made `set` (see {@link Route53Record}). */
  readonly owner: ResourceRecordSet | undefined;
}

const CHANGE_ERRORS = {
  notFound: ["NoSuchHostedZone"],
  throttled: ["PriorRequestNotComplete"],
  invalid: ["InvalidChangeBatch", "InvalidInput", "NoSuchHealthCheck"],
};

/** The codes of the record calls, by class. */
const RECORD_ERRORS: OperationErrors = {
  ChangeResourceRecordSets: CHANGE_ERRORS,
  ListResourceRecordSets: { notFound: ["NoSuchHostedZone"], invalid: ["InvalidInput"] },
};

/** The field where the ownership record shows, as the tags of a tagged flavor do. */
const OWNERSHIP_FIELD = "custom_config.ownership";

/** The ownership record's TXT value. */
const OWNER_VALUE = `"${OWNERSHIP_TAG_KEY}=${OWNERSHIP_TAG_VALUE}"`;

/** `/hostedzone/Z123` → `Z123`. */
function bareZoneId(id: string): string {
  return id.replace(/^\/hostedzone\//, "");
}

/** A name as Route 53 lists it, decoded (`\052` → `*`), lower case, with the trailing dot. */
function dnsName(name: string | undefined): string {
  const decoded = (name ?? "")
    .replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
    .toLowerCase();
  return decoded.endsWith(".") ? decoded : `${decoded}.`;
}

/** The ownership record's name for a record `name` of `type`: `_pcf-owner.a.www.example.com.`. */
function ownerName(name: string | undefined, type: string | undefined): string {
  return `_pcf-owner.${(type ?? "").toLowerCase()}.${dnsName(name)}`;
}

/** `zone/name/type`: how list keys and the listed record sets are matched. */
function recordKey(zoneId: string, name: string | undefined, type: string | undefined): string {
  return `${bareZoneId(zoneId)}/${dnsName(name)}/${type ?? ""}`;
}

/** The record set a definition asks for. */
function recordSetOf(desired: Route53RecordDefinition): ResourceRecordSet {
  const { Name, Type, TTL, ResourceRecords, AliasTarget } = desired;
  return {
    Name,
    Type,
    ...(TTL === undefined ? {} : { TTL }),
    ...(ResourceRecords === undefined ? {} : { ResourceRecords }),
    ...(AliasTarget === undefined ? {} : { AliasTarget }),
  };
}

/** The ownership record of a record set. */
function ownerSetOf(set: ResourceRecordSet): ResourceRecordSet {
  return {
    Name: ownerName(set.Name, set.Type),
    Type: "TXT",
    TTL: 300,
    ResourceRecords: [{ Value: OWNER_VALUE }],
  };
}

/**
 * A Route 53 record set, found by its zone, name and type (PCF keyed it by name alone, so an `A`
 * and a `TXT` record of one name were taken for each other). Names are compared as Route 53 lists
 * them: with the trailing dot, in lower case, escapes decoded (`\052` is `*`). It has no stopped
 * form; TTL, ResourceRecords and AliasTarget change in place (UPSERT). Routing policies
 * (SetIdentifier, Weight, Failover, GeoLocation) are not supported, nor PCF's appending of
 * `ec2_instance` parents' addresses to an `A` record (write them with `$inherit$`).
 *
 * Ownership: a record set has no tags. The framework's mark is a TXT record beside it,
 * `_pcf-owner.<type>.<name>` = `"pcf:managed-by=particle-cloud"`, created in the same
 * ChangeResourceRecordSets batch as the record (Route 53 applies a batch whole, so neither exists
 * without the other) and deleted with it. A record without one was made by someone else: it is
 * only read, unless adopted, which writes the mark. The mark shows as `custom_config.ownership`,
 * as tags do for tagged flavors. (Ownership by the zone would not do: one zone holds records of
 * many owners.)
 *
 * Reads are batched: one paged ListResourceRecordSets per zone, which finds the marks too. A zone
 * gone (`NoSuchHostedZone`) means its records are gone.
 *
 * @example
 * ```ts
 * const www = new Route53Record({
 *   pcf_name: "www",
 *   flavor: "route53_record",
 *   aws_resource: {
 *     HostedZoneId: "Z123",
 *     Name: "www.example.com",
 *     Type: "A",
 *     TTL: 300,
 *     ResourceRecords: [{ Value: "10.0.0.1" }],
 *   },
 * });
 * await www.apply();
 * ```
 */
export class Route53Record extends AWSResource<
  Route53RecordDefinition,
  ListedRecord,
  Route53Client
> {
  static override readonly flavor: string = "route53_record";
  static override readonly service: string = "route53";
  static override readonly Client = Route53Client;
  static override readonly definitionSchema = route53RecordSchema;
  static override readonly uniqueKeys: readonly string[] = [
    "aws_resource.HostedZoneId",
    "aws_resource.Name",
    "aws_resource.Type",
  ];
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly fixedFields: readonly string[] = [];
  static override readonly inPlaceFields: readonly string[] = [
    "TTL",
    "ResourceRecords",
    "AliasTarget",
    OWNERSHIP_FIELD,
  ];
  static override readonly readShape = "list-all";
  static override readonly tagging = {
    field: OWNERSHIP_FIELD,
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  static override readonly createOperation: string = "ChangeResourceRecordSets";
  static override readonly operationErrors = RECORD_ERRORS;
  static override readonly actions = {
    read: ["route53:ListResourceRecordSets"],
    start: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
    update: ["route53:ChangeResourceRecordSets"],
    terminate: ["route53:ChangeResourceRecordSets"],
  };

  protected override readonly updaters: FieldUpdaters<
    Route53RecordDefinition,
    ListedRecord,
    Route53Client
  > = {
    TTL: upsert,
    ResourceRecords: upsert,
    AliasTarget: upsert,
  };

  /** The record sets of `keys`, with their marks: ListResourceRecordSets, page by page, per zone. */
  protected override async list(
    client: Route53Client,
    keys: readonly string[],
    { signal }: RunContext,
  ): Promise<ReadonlyMap<string, ListedRecord>> {
    const found = new Map<string, ListedRecord>();
    const zones = new Set(keys.map((key) => key.slice(0, key.indexOf("/"))));
    for (const zoneId of zones) {
      const listed = listedRecords(zoneId, await this.recordSetsOf(client, zoneId, signal));
      for (const key of keys) {
        const record = listed.get(key);
        if (record !== undefined && key.startsWith(`${zoneId}/`)) found.set(key, record);
      }
    }
    return found;
  }

  /**
   * Every record set of every zone of the account, with its mark: ListHostedZones, then
   * ListResourceRecordSets per zone, page by page. Left out: the marks themselves, the SOA and NS
   * records Route 53 keeps at a zone's apex (made and deleted with the zone), and record sets
   * with a routing policy (`SetIdentifier`), which the flavor does not support.
   */
  protected override async listAll(
    client: Route53Client,
    { signal }: RunContext,
  ): Promise<readonly ListedRecord[]> {
    const found: ListedRecord[] = [];
    // One zone after the other, as `list` reads them: Route 53 allows few requests a second.
    for (const zone of await listZones(client, signal)) {
      const zoneId = bareZoneId(zone.Id ?? "");
      const listed = listedRecords(zoneId, await this.recordSetsOf(client, zoneId, signal));
      found.push(...[...listed.values()].filter(({ set }) => isExpressible(set, zone.Name)));
    }
    return found;
  }

  /** A listed record set is running; its mark shows as the ownership tag. */
  protected override observe(
    { zoneId, set, owner }: ListedRecord,
    context: RunContext,
  ): Observation {
    return {
      state: "running",
      definition: {
        HostedZoneId: zoneId,
        Name: set.Name,
        Type: set.Type,
        ...(set.TTL === undefined ? {} : { TTL: set.TTL }),
        ...(set.ResourceRecords === undefined ? {} : { ResourceRecords: set.ResourceRecords }),
        ...(set.AliasTarget === undefined ? {} : { AliasTarget: set.AliasTarget }),
        region_name: this.region(context),
      },
      tags: owner === undefined ? {} : this.ownershipTag,
    };
  }

  /** One ChangeResourceRecordSets batch: CREATE the record set and its mark. */
  protected override async create(
    client: Route53Client,
    desired: Route53RecordDefinition,
    { signal }: RunContext,
  ): Promise<ListedRecord> {
    const set = recordSetOf(desired);
    const owner = ownerSetOf(set);
    const zoneId = bareZoneId(desired.HostedZoneId);
    await change(
      client,
      zoneId,
      [
        { Action: "CREATE", ResourceRecordSet: set },
        { Action: "CREATE", ResourceRecordSet: owner },
      ],
      signal,
    );
    return { zoneId, set, owner };
  }

  /** One ChangeResourceRecordSets batch: DELETE the record set as listed, and its mark. */
  protected override async remove(
    client: Route53Client,
    { zoneId, set, owner }: ListedRecord,
    { signal }: RunContext,
  ): Promise<void> {
    const changes: Change[] = [{ Action: "DELETE", ResourceRecordSet: set }];
    if (owner !== undefined) changes.push({ Action: "DELETE", ResourceRecordSet: owner });
    await change(client, zoneId, changes, signal);
  }

  /** The mark, as listed: the ownership tag, or none. */
  protected override readTags(_client: Route53Client, { owner }: ListedRecord): Promise<TagMap> {
    return Promise.resolve(owner === undefined ? {} : this.ownershipTag);
  }

  /** Writes the mark (adoption); a record has no other tags to write. */
  protected override async writeTags(
    client: Route53Client,
    { zoneId, set }: ListedRecord,
    { set: added }: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    if (added[OWNERSHIP_TAG_KEY] === undefined) return;
    await change(
      client,
      zoneId,
      [{ Action: "UPSERT", ResourceRecordSet: ownerSetOf(set) }],
      signal,
    );
  }

  /** None: a record set has no tags, only its ownership mark, so `pcf nuke` does not find it. */
  protected override get provenanceKeys(): ProvenanceKeys | undefined {
    return undefined;
  }

  /** `zone/name/type`, normalised as Route 53 lists them. */
  protected override get key(): string {
    const { HostedZoneId, Name, Type } = this.desiredStateDefinition;
    return recordKey(String(HostedZoneId), String(Name), String(Type));
  }

  /** Zone, name and type normalised; TTL, values and alias target as written. */
  protected override comparableDefinition(
    definition: Record<string, unknown>,
  ): Record<string, unknown> {
    const { HostedZoneId, Name, Type, TTL, ResourceRecords, AliasTarget } = definition;
    const alias = AliasTarget as Record<string, unknown> | undefined;
    return {
      HostedZoneId: typeof HostedZoneId === "string" ? bareZoneId(HostedZoneId) : HostedZoneId,
      Name: typeof Name === "string" ? dnsName(Name) : Name,
      Type,
      TTL,
      ResourceRecords,
      AliasTarget:
        alias === undefined
          ? undefined
          : {
              HostedZoneId: alias["HostedZoneId"],
              DNSName: typeof alias["DNSName"] === "string" ? dnsName(alias["DNSName"]) : undefined,
              EvaluateTargetHealth: alias["EvaluateTargetHealth"],
            },
    };
  }

  /** Every record set of the zone `zoneId`; none when the zone is gone. */
  private async recordSetsOf(
    client: Route53Client,
    zoneId: string,
    signal: AbortSignal | undefined,
  ): Promise<ResourceRecordSet[]> {
    const sets: ResourceRecordSet[] = [];
    let start: {
      StartRecordName?: string;
      StartRecordType?: RRType;
      StartRecordIdentifier?: string;
    } = {};
    for (;;) {
      let page;
      try {
        page = await client.send(
          new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start }),
          { abortSignal: signal },
        );
      } catch (error) {
        if (this.classifyFailure(error) === "notFound") return [];
        throw error;
      }
      sets.push(...(page.ResourceRecordSets ?? []));
      if (page.IsTruncated !== true) return sets;
      start = {
        ...(page.NextRecordName === undefined ? {} : { StartRecordName: page.NextRecordName }),
        ...(page.NextRecordType === undefined ? {} : { StartRecordType: page.NextRecordType }),
        ...(page.NextRecordIdentifier === undefined
          ? {}
          : { StartRecordIdentifier: page.NextRecordIdentifier }),
      };
    }
  }
}

/** The record sets `sets` of the zone `zoneId` by key, each with its mark when it has one. */
function listedRecords(
  zoneId: string,
  sets: readonly ResourceRecordSet[],
): Map<string, ListedRecord> {
  const byKey = new Map(sets.map((set) => [recordKey(zoneId, set.Name, set.Type), set]));
  return new Map(
    [...byKey].map(([key, set]) => {
      const owner = byKey.get(recordKey(zoneId, ownerName(set.Name, set.Type), "TXT"));
      const isMark = owner?.ResourceRecords?.some(({ Value }) => Value === OWNER_VALUE) === true;
      return [key, { zoneId, set, owner: isMark ? owner : undefined }];
    }),
  );
}

/**
 * Whether a record set of the zone `zoneName` is one a particle can stand for: not a mark, not
 * the apex SOA or NS record, without a routing policy.
 */
function isExpressible(set: ResourceRecordSet, zoneName: string | undefined): boolean {
  const isMark = set.Type === "TXT" && dnsName(set.Name).startsWith("_pcf-owner.");
  const isApexRecord =
    (set.Type === "SOA" || set.Type === "NS") && dnsName(set.Name) === dnsName(zoneName);
  return !isMark && !isApexRecord && set.SetIdentifier === undefined;
}

/** ChangeResourceRecordSets of `changes` in the zone `zoneId`, applied whole or not at all. */
async function change(
  client: Route53Client,
  zoneId: string,
  changes: Change[],
  signal: AbortSignal | undefined,
): Promise<void> {
  await client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: changes },
    }),
    { abortSignal: signal },
  );
}

/** UPSERT of the record set the definition asks for: TTL, values and alias target in one call. */
const upsert: FieldUpdater<Route53RecordDefinition, ListedRecord, Route53Client> = (
  client,
  { zoneId },
  desired,
  { signal },
) =>
  change(client, zoneId, [{ Action: "UPSERT", ResourceRecordSet: recordSetOf(desired) }], signal);
