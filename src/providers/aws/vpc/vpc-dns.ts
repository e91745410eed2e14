import {
  DescribeVpcAttributeCommand,
  ModifyVpcAttributeCommand,
  VpcAttributeName,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import * as z from "zod";
import type { FieldUpdater } from "../../kit/calls.js";

/** A VPC DNS attribute as a definition writes it: `true`, or ModifyVpcAttribute's own `{ Value: true }`. @internal */
export const dnsAttributeSchema = z.union([z.boolean(), z.strictObject({ Value: z.boolean() })]);

/** The definition fields of the VPC DNS attributes, with the names DescribeVpcAttribute takes. */
const DNS_ATTRIBUTES = {
  EnableDnsHostnames: VpcAttributeName.enableDnsHostnames,
  EnableDnsSupport: VpcAttributeName.enableDnsSupport,
} as const;

/** A definition field holding a DNS attribute. */
export type DnsField = keyof typeof DNS_ATTRIBUTES;

/** The DNS fields, in the order their updaters run. @internal */
export const DNS_FIELDS = Object.keys(DNS_ATTRIBUTES) as DnsField[];

/** A VPC's DNS attributes as read, for the fields its definition sets. */
export type DnsValues = Partial<Record<DnsField, boolean>>;

/** A written DNS attribute (`true` or `{ Value: true }`) as a boolean; `undefined` when not set. @internal */
export function dnsValue(value: unknown): boolean | undefined {
  const parsed = dnsAttributeSchema.safeParse(value);
  if (!parsed.success) return undefined;
  return typeof parsed.data === "boolean" ? parsed.data : parsed.data.Value;
}

/** The DNS attributes listed in `fields` as booleans: one DescribeVpcAttribute each, at once. @internal */
export async function readDnsAttributes(
  client: EC2Client,
  VpcId: string,
  fields: readonly DnsField[],
  abortSignal: AbortSignal,
): Promise<DnsValues> {
  const values = await Promise.all(
    fields.map(async (field) => {
      const command = new DescribeVpcAttributeCommand({ VpcId, Attribute: DNS_ATTRIBUTES[field] });
      return [field, (await client.send(command, { abortSignal }))[field]?.Value] as const;
    }),
  );
  return Object.fromEntries(values);
}

/**
 * The attributes of `desired` that differ from `current`, in an order EC2 accepts: DNS support
 * is turned on before host names and off after them, as host names need support.
 * @internal
 */
export function dnsChanges(
  desired: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>>,
): { readonly field: DnsField; readonly value: boolean }[] {
  const changes = DNS_FIELDS.flatMap((field) => {
    const value = dnsValue(desired[field]);
    return value === undefined || value === current[field] ? [] : [{ field, value }];
  });
  const isSupportFirst = dnsValue(desired["EnableDnsSupport"]) === true;
  return changes.sort((a, b) =>
    a.field === b.field ? 0 : (a.field === "EnableDnsSupport") === isSupportFirst ? -1 : 1,
  );
}

/**
 * The updater of DNS attribute `field`: `(client, VPC, desired, context)`. EC2 sets one attribute
 * per call, and host names need DNS support, so the first attribute that differs (in
 * {@link DNS_FIELDS} order) sends every DNS change in the order {@link dnsChanges} gives; the
 * other then has nothing left to send.
 * @internal
 */
export function dnsUpdater(
  field: DnsField,
): FieldUpdater<Readonly<Record<string, unknown>>, { VpcId?: string; dns?: DnsValues }, EC2Client> {
  return async (client, { VpcId, dns = {} }, desired, { signal }) => {
    const changes = dnsChanges(desired, dns);
    if (DNS_FIELDS.find((name) => changes.some((change) => change.field === name)) !== field)
      return;
    for (const { field: name, value } of changes)
      await client.send(new ModifyVpcAttributeCommand({ VpcId, [name]: { Value: value } }), {
        abortSignal: signal,
      });
  };
}
