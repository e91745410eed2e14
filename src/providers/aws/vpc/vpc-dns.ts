import {
  DescribeVpcAttributeCommand,
  ModifyVpcAttributeCommand,
  VpcAttributeName,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import * as z from "zod";

/** A VPC DNS attribute as a definition writes it: `true`, or ModifyVpcAttribute's own `{ Value: true }`. @internal */
export const dnsAttributeSchema = z.union([z.boolean(), z.strictObject({ Value: z.boolean() })]);

/** The definition fields of the VPC DNS attributes, with the attribute names DescribeVpcAttribute takes. @internal */
export const DNS_ATTRIBUTES = [
  { field: "EnableDnsHostnames", attribute: VpcAttributeName.enableDnsHostnames },
  { field: "EnableDnsSupport", attribute: VpcAttributeName.enableDnsSupport },
] as const;

/** A definition field holding a DNS attribute. @internal */
export type DnsField = (typeof DNS_ATTRIBUTES)[number]["field"];

/** One DNS attribute to set. @internal */
export interface DnsChange {
  readonly field: DnsField;
  readonly value: boolean;
}

/** A written DNS attribute (`true` or `{ Value: true }`) as a boolean; `undefined` when not set. @internal */
export function dnsValue(value: unknown): boolean | undefined {
  const parsed = dnsAttributeSchema.safeParse(value);
  if (!parsed.success) return undefined;
  return typeof parsed.data === "boolean" ? parsed.data : parsed.data.Value;
}

/** The DNS attributes listed in `fields` as booleans: one DescribeVpcAttribute each, at once. @internal */
export async function readDnsAttributes(
  client: EC2Client,
  vpcId: string,
  fields: readonly DnsField[],
  abortSignal: AbortSignal,
): Promise<Partial<Record<DnsField, boolean>>> {
  const values = await Promise.all(
    DNS_ATTRIBUTES.filter(({ field }) => fields.includes(field)).map(
      async ({ field, attribute }) => {
        const answer = await client.send(
          new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: attribute }),
          { abortSignal },
        );
        return [field, answer[field]?.Value] as const;
      },
    ),
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
): DnsChange[] {
  const changes = DNS_ATTRIBUTES.flatMap(({ field }) => {
    const value = dnsValue(desired[field]);
    return value === undefined || value === current[field] ? [] : [{ field, value }];
  });
  const isSupportFirst = dnsValue(desired["EnableDnsSupport"]) === true;
  return changes.sort((a, b) =>
    a.field === b.field ? 0 : (a.field === "EnableDnsSupport") === isSupportFirst ? -1 : 1,
  );
}

/** ModifyVpcAttribute for each change, one attribute per call as EC2 requires. @internal */
export async function writeDnsAttributes(
  client: EC2Client,
  vpcId: string,
  changes: readonly DnsChange[],
  abortSignal: AbortSignal,
): Promise<void> {
  for (const { field, value } of changes)
    await client.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, [field]: { Value: value } }), {
      abortSignal,
    });
}
