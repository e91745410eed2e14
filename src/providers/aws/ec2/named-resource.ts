import { EC2Client, type Tag } from "@aws-sdk/client-ec2";
import type { RunContext } from "../../../core/run-context.js";
import { isPlainObject, readPath } from "../../../core/values.js";
import type { Observation } from "../../kit/facts.js";
import type { TagChanges, TagMap } from "../../kit/tags.js";
import { discoveredEc2Block, onlyOfName, type Named } from "../ec2-describe.js";
import { writeEc2Tags } from "../ec2-tags.js";
import { AWSResource } from "../resource.js";

/**
 * The base of the EC2 flavors found by their `PCFName` tag, the value of their one unique key
 * (instances, volumes): one filtered Describe per region, whose answer carries the tags; the
 * ownership tag written by the create call itself; tag changes sent by DeleteTags / CreateTags.
 *
 * @typeParam D - The parsed `aws_resource` block.
 * @typeParam L - What EC2 describes (`Instance`, `Volume`).
 */
export abstract class Ec2NamedResource<
  D extends Record<string, unknown>,
  L extends { readonly Tags?: Tag[] | undefined },
> extends AWSResource<D, Named<L>, EC2Client> {
  static override readonly service: string = "ec2";
  static override readonly Client = EC2Client;
  static override readonly readShape = "describe-by-tag";
  static override readonly tagging = {
    field: "Tags",
    ownershipWritten: "in-create",
    readFrom: "list-answer",
  } as const;

  /** What the resources are called in messages, in the plural (`volumes`). */
  protected abstract readonly kind: string;
  /** The id of `live` (`vol-…`). */
  protected abstract readonly idOf: (live: L) => string | undefined;
  /** The tags `definition` asks for, `PCFName` included; `undefined` when it lists none. */
  protected abstract readonly requestedTags: (
    definition: Record<string, unknown>,
  ) => TagMap | undefined;

  /** Where a discovered definition writes the resource's own tags (`Tags`, `custom_config.tags`). */
  protected abstract readonly discoveredTagField: string;
  /**
   * The fields of an observed resource that a discovered definition writes, in the form the
   * definition takes them (the create call's), its tags aside.
   */
  protected abstract discoveredFields(observed: Record<string, unknown>): Record<string, unknown>;

  /** The `PCFName` tag value: the unique key (`custom_config.instance_name`). */
  get pcfName(): string {
    const [key = ""] = (this.constructor as typeof Ec2NamedResource).uniqueKeys;
    return String(readPath({ [this.resourceKey ?? ""]: this.desiredStateDefinition }, key));
  }

  /**
   * The one resource under the name (`listed`), as the resource block's live form: everything
   * EC2 describes, and the region.
   * @throws PcfError `DUPLICATE_RESOURCE` when others carry the name (see `onlyNamed`).
   */
  protected described(listed: Named<L>, context: RunContext): [L, Record<string, unknown>] {
    const region = this.region(context);
    const [field = ""] = (this.constructor as typeof Ec2NamedResource).uniqueKeys;
    const live = onlyOfName(listed, (item) => this.idOf(item), {
      kind: this.kind,
      name: this.pcfName,
      particle: this.id,
      field,
      region,
    });
    return [live, { ...(JSON.parse(JSON.stringify(live)) as object), region_name: region }];
  }

  /**
   * The {@link Ec2NamedResource.discoveredFields} of the observation, its `PCFName` tag as the
   * unique key and its other own tags in {@link Ec2NamedResource.discoveredTagField}.
   */
  protected override discoveredResource(
    { definition }: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const type = this.constructor as typeof Ec2NamedResource;
    const [key = ""] = type.uniqueKeys;
    return discoveredEc2Block(this.discoveredFields(definition), {
      schema: type.definitionSchema,
      tagField: this.discoveredTagField,
      ownTags,
      alwaysKept: this.discoveryKeptKeys,
      nameField: key.slice(`${this.resourceKey ?? ""}.`.length),
    });
  }

  /** The comparable tags: of a definition, those it asks for (when any); of a read, the live ones. */
  protected comparableTagsIn(definition: Record<string, unknown>): [string, string][] | undefined {
    const isDefinition = isPlainObject(definition["custom_config"]);
    return this.comparableTagsOf(
      isDefinition ? this.requestedTags(definition) : definition["Tags"],
    );
  }

  protected override wantedTags(): TagMap | undefined {
    return this.requestedTags(this.desiredStateDefinition);
  }

  protected override writeTags(
    client: EC2Client,
    live: L,
    changes: TagChanges,
    { signal }: RunContext,
  ): Promise<void> {
    return writeEc2Tags(client, this.idOf(live) ?? "", changes, signal);
  }

  /** `ebs_volume "data" (vol-…)`. */
  protected override resourceLabel(): string {
    const id = this.live === undefined ? undefined : this.idOf(this.live);
    return `${this.flavor} "${this.pcfName}"${id === undefined ? "" : ` (${id})`}`;
  }
}
