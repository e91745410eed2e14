import type { DefinitionIssue } from "../core/errors.js";
import { escapeText } from "../core/escape.js";
import type { FusedMember } from "../core/fuse.js";
import { Quasiparticle } from "../core/quasiparticle.js";
import { isPlainObject } from "../core/values.js";

const INSTANCE = "ec2_instance";
const RECORD = "route53_record";

/**
 * EC2 instances behind one DNS name, as PCF's premade `ec2_route53`: every `ec2_instance` member
 * (usually one with a `multiplier`) becomes a parent of the one `route53_record` member, an `A`
 * record whose values are the instances' private IPs. The record's `ResourceRecords` get one
 * `$inherit$ec2_instance:<name>$PrivateIpAddress` value per instance (after any it writes itself;
 * `ResourceRecords: []` is fine), so the addresses are resolved when the record applies, after
 * every instance is running; a changed multiplier changes the record's values on the next apply.
 * Members may carry their own names (PCF required the record to take the quasiparticle's).
 *
 * @example
 * ```yaml
 * pcf_name: web
 * flavor: ec2_route53
 * particles:
 *   - { flavor: ec2_instance, pcf_name: web, multiplier: 2, aws_resource: { … } }
 *   - flavor: route53_record
 *     pcf_name: www
 *     aws_resource: { HostedZoneId: Z123, Name: www.example.com, Type: A, TTL: 60, ResourceRecords: [] }
 * ```
 */
export class Ec2Route53 extends Quasiparticle {
  static override readonly flavor: string = "ec2_route53";

  /**
   * Wires the record to the instances: each instance a parent, each instance's private IP a value.
   * Reports a quasiparticle without instances, without exactly one record, or whose record is not
   * of type `A`.
   */
  static prepareMembers(
    members: readonly FusedMember[],
    where: { readonly file: string | undefined; readonly particle: string },
  ): { members: FusedMember[]; issues: DefinitionIssue[] } {
    const instances = members.filter((member) => member.flavor === INSTANCE);
    const records = members.filter((member) => member.flavor === RECORD);
    const issues: DefinitionIssue[] = [];
    const issue = (message: string): void => {
      issues.push({ ...where, field: "particles", message });
    };
    if (instances.length === 0)
      issue(`expected ${INSTANCE} members, whose addresses the record holds`);
    if (records.length !== 1)
      issue(
        `expected one ${RECORD} member, whose A values are the instances' private IPs (found ${records.length})`,
      );
    const [record] = records;
    const block = isPlainObject(record?.aws_resource) ? record.aws_resource : {};
    if (record !== undefined && block["Type"] !== "A")
      issue(
        `the ${RECORD} member ${escapeText(record.pcf_name)} must be of Type A (found ${escapeText(String(block["Type"]))})`,
      );
    if (issues.length > 0 || record === undefined) return { members: [...members], issues };
    const ids = instances.map((instance) => `${INSTANCE}:${instance.pcf_name}`);
    const listOf = (value: unknown): unknown[] =>
      Array.isArray(value) ? (value as unknown[]) : [];
    const written = listOf(block["ResourceRecords"]);
    const wired: FusedMember = {
      ...record,
      parents: [...new Set([...listOf(record.parents), ...ids])],
      aws_resource: {
        ...block,
        ResourceRecords: [
          ...written,
          ...ids.map((id) => ({ Value: `$inherit$${id}$PrivateIpAddress` })),
        ],
      },
    };
    return { members: members.map((member) => (member === record ? wired : member)), issues };
  }
}
