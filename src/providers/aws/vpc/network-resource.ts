import { EC2Client, type ResourceType, type Tag, type TagSpecification } from "@aws-sdk/client-ec2";
import { PcfError } from "../../../core/errors.js";
import type { Particle } from "../../../core/particle.js";
import { isReference, parseInherit } from "../../../core/references.js";
import type { RunContext } from "../../../core/run-context.js";
import { STOPPED_IS_TERMINATED } from "../../../core/state.js";
import { readPath } from "../../../core/values.js";
import type { CallFailure } from "../../kit/calls.js";
import type { Observation } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { discoveredEc2Block, onlyOfName, type Named } from "../ec2-describe.js";
import { writeEc2Tags, writtenEc2Tags } from "../ec2-tags.js";
import { AWSResource } from "../resource.js";
import {
  PCF_NAME_TAG,
  comparableTagInput,
  tagMapOf,
  tagSpecifications,
  tagsFromList,
  type TagEntry,
} from "../tags.js";

/**
 * The base of the VPC flavors (`vpc_instance`, `subnet`, `security_group`): EC2 resources with
 * no stopped form, tagged by their create call, whose tags come in the describe answer and
 * change by CreateTags / DeleteTags. A definition writes them as `custom_config.Tags`; they
 * compare as `Tags`. A VPC and a subnet carry their name as the `PCFName` tag.
 *
 * @typeParam D - The parsed `aws_resource` block.
 * @typeParam L - The describe item (`Vpc`).
 */
export abstract class NetworkResource<
  D extends Record<string, unknown>,
  L extends { readonly Tags?: Tag[] | undefined },
> extends AWSResource<D, Named<L>, EC2Client> {
  static override readonly service: string = "ec2";
  static override readonly Client = EC2Client;
  static override readonly equivalentStates = STOPPED_IS_TERMINATED;
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;
  /** What to do when a delete is refused because something still uses the resource. */
  static readonly inUseHint: string = "";
  /** What the resources are, in the plural (`VPCs`), for messages. */
  static readonly kind: string = "";
  /** True when the resource's name (its unique key) is its `PCFName` tag. */
  static readonly isNamedByTag: boolean = false;

  /** The id of `live` (`VpcId`), as the tagging calls take it. */
  protected abstract idOf(live: L): string | undefined;

  /** The tags that name the resource, kept beside the written ones: `PCFName`, or none. */
  protected get nameTags(): TagMap {
    const { isNamedByTag } = this.constructor as typeof NetworkResource;
    return isNamedByTag ? { [PCF_NAME_TAG]: this.key } : {};
  }

  protected override writeTags(
    client: EC2Client,
    live: L,
    changes: TagChanges,
    context: RunContext,
  ) {
    return writeEc2Tags(client, this.idOf(live) ?? "", changes, context.signal);
  }

  /** `custom_config.Tags` and the naming tags, when the definition lists tags. */
  protected override wantedTags(): TagMap | undefined {
    return writtenEc2Tags(this.desiredStateDefinition, this.nameTags);
  }

  /** The flavor's {@link NetworkResource.inUseHint} for a delete refused as in use. */
  protected override removalHint(
    failure: CallFailure,
    _client: EC2Client,
    _live: L,
    _context: RunContext,
  ): Promise<string> {
    const { inUseHint } = this.constructor as typeof NetworkResource;
    return Promise.resolve(failure === "inUse" ? ` (${inUseHint})` : "");
  }

  /** The written tags plus the naming tags, as they compare; `undefined` when none are written. */
  protected comparableTags(definition: Record<string, unknown>): TagEntry[] | undefined {
    return comparableTagInput(readPath(definition, "custom_config.Tags"), this.nameTags);
  }

  /**
   * What a read of `live` observed: the describe item itself (but its tag list) with
   * `extra`, `region_name`, and `custom_config` holding `config` and the tags as a map.
   */
  protected observed(
    { Tags, ...item }: Named<L>,
    state: Observation["state"],
    context: RunContext,
    { config = {}, ...extra }: { config?: Record<string, unknown> } & Record<string, unknown> = {},
  ): Observation {
    const tags = tagsFromList(Tags);
    const { namesakes: _namesakes, ...fields } = item;
    const custom_config = { ...config, Tags: tags };
    return {
      state,
      definition: { ...fields, ...extra, region_name: this.region(context), custom_config },
      tags,
    };
  }

  /**
   * The {@link NetworkResource.discoveredFields} of the observation, with a `custom_config` of
   * its own: the `PCFName` tag as the name (for a resource named by it) and the other own tags
   * as `Tags`.
   */
  protected override discoveredResource(
    { definition }: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const { isNamedByTag, uniqueKeys, definitionSchema } = this
      .constructor as typeof NetworkResource;
    const { custom_config: _config, ...fields } = definition;
    const [key = ""] = uniqueKeys;
    return discoveredEc2Block(this.discoveredFields(fields), {
      schema: definitionSchema,
      tagField: "custom_config.Tags",
      ownTags,
      alwaysKept: this.discoveryKeptKeys,
      nameField: isNamedByTag ? key.slice(`${this.resourceKey ?? ""}.`.length) : undefined,
    });
  }

  /**
   * The observed fields (but `custom_config`) a discovered definition writes, in the form the
   * create call takes them; by default all of them (those the schema does not declare are then
   * left out).
   */
  protected discoveredFields(observed: Record<string, unknown>): Record<string, unknown> {
    return observed;
  }

  /**
   * The only resource of `listed`'s name.
   * @throws PcfError `DUPLICATE_RESOURCE` naming every resource carrying it (see `onlyNamed`).
   */
  protected override complete(_client: EC2Client, listed: Named<L>, context: RunContext) {
    const { kind, uniqueKeys } = this.constructor as typeof NetworkResource;
    return Promise.resolve<Named<L> | undefined>(
      onlyOfName(listed, (item) => this.idOf(item), {
        kind,
        name: this.key,
        particle: this.id,
        field: uniqueKeys[0] ?? "",
        region: this.region(context),
      }),
    );
  }

  /** `TagSpecifications` for the create call: the written tags, the naming tags, the ownership tag. */
  protected tagSpecifications(resourceType: ResourceType): TagSpecification[] {
    const written = tagMapOf(readPath(this.desiredStateDefinition, "custom_config.Tags"));
    return tagSpecifications(resourceType, { ...written, ...this.nameTags }, this.provenanceTags);
  }

  /** Whether the resource belongs to a VPC named by `VpcId` or a `vpc_instance` parent. */
  protected get isScopedToVpc(): boolean {
    return this.desiredStateDefinition["VpcId"] !== undefined || this.vpcParents.length > 0;
  }

  /**
   * The id of the VPC the resource belongs to: `VpcId` as written when it is a literal; else, for
   * an `$inherit$` reference not yet resolved, the value in the parent it names; else, with no
   * `VpcId`, the `VpcId` of the one `vpc_instance` parent (PCF's rule). A parent not read yet is
   * read first (joining a read under way). `undefined` when none is known.
   */
  protected async vpcId(context: RunContext): Promise<string | undefined> {
    const written = this.desiredStateDefinition["VpcId"];
    if (typeof written === "string" && !isReference(written)) return written;
    const reference = parseInherit(written);
    const [only, ...others] = this.vpcParents;
    const parent =
      reference === undefined
        ? written === undefined && others.length === 0
          ? only
          : undefined
        : [...this.parents].find((candidate) => candidate.id === reference.parentId);
    if (parent === undefined || (await parent.getState(context)) === "terminated") return undefined;
    const value = readPath(parent.currentStateDefinition, reference?.sourcePath ?? "VpcId");
    return typeof value === "string" ? value : undefined;
  }

  /**
   * {@link NetworkResource.vpcId}, for a create.
   * @throws PcfError `DEFINITION_INVALID` saying `why` when it is unknown.
   */
  protected async requiredVpcId(context: RunContext, why: string): Promise<string> {
    const vpcId = await this.vpcId(context);
    if (vpcId !== undefined) return vpcId;
    throw new PcfError("DEFINITION_INVALID", `no VpcId: ${why}`, {
      particle: this.id,
      field: "aws_resource.VpcId",
    });
  }

  private get vpcParents(): Particle[] {
    return [...this.parents].filter((parent) => parent.flavor === "vpc_instance");
  }
}
