import { adoptCommand } from "../../core/adoption.js";
import type { DefinitionDifference } from "../../core/diff.js";
import { PcfError, listNames } from "../../core/errors.js";
import { Particle, type TransitionName } from "../../core/particle.js";
import type { RunContext } from "../../core/run-context.js";
import { readPath, setPath } from "../../core/values.js";
import type { PollResult } from "../../core/wait.js";
import { readByLocation } from "./batched-read.js";
import {
  createFailureOf,
  type CallFailure,
  type FieldUpdater,
  type FieldUpdaters,
} from "./calls.js";
import { createOnce, required } from "./create-once.js";
import {
  discoveredBlock,
  discoveredDefinition,
  provenanceOf,
  type DiscoveredResource,
} from "./discovery.js";
import {
  provenanceKeyList,
  type ActionFacts,
  type Observation,
  type OperationErrors,
  type ProvenanceKeys,
  type ReadShape,
  type TagFacts,
} from "./facts.js";
import {
  hasNoTagChanges,
  isOwnedBy,
  tagChanges,
  writtenTags,
  type TagChanges,
  type TagMap,
} from "./tags.js";

/**
 * Transitions that change or remove a live resource, and so need it to be ours (or adopted).
 * `start` counts too: on a live resource (a stopped instance, a disabled key) it changes one.
 */
const GUARDED_TRANSITIONS: ReadonlySet<TransitionName> = new Set([
  "start",
  "stop",
  "terminate",
  "update",
]);

/** Deletes sent at most while a flavor that confirms its deletes still finds the resource. */
const DELETE_ATTEMPTS = 3;

/**
 * The base of a declared flavor: the flavor states its facts as static data and writes its cloud
 * calls as functions that return what they saw (`list`, `observe`, `create`, `remove`, field
 * updaters); the kit runs the lifecycle from them, the same way for every flavor and provider:
 *
 * - reads batched per location (region, project): one `list` for all the particles there, one
 *   client per location per run, a failure failing only the particles it covers;
 * - what each read observed assigned to its particle (state, live definition, tags, ownership);
 * - creates sent once and looked for by unique key before any resend (see `createOnce`), with
 *   the settings the create call cannot take applied by the field updaters right after;
 * - the ownership guard on `start`, `stop`, `terminate` and `update`, and `isForeign` for plan;
 * - "unless gone" reads and deletes, errors classified per operation
 *   ({@link DeclaredResource.operationErrors}) and wrapped naming the particle and the call;
 * - updates routed field by field to the flavor's updaters and the tags to `writeTags`;
 * - waits through the run's waiter, which emits `wait.poll` events.
 *
 * A provider (`AWSResource`, `LocalResource`) supplies locations, clients, error classification
 * and the ownership tag; a flavor extends the provider's base. Subclasses may still override any transition.
 *
 * @typeParam D - The parsed resource block.
 * @typeParam L - What the cloud returns for one resource (`LogGroup`).
 * @typeParam C - The client the calls use.
 */
export abstract class DeclaredResource<D extends Record<string, unknown>, L, C> extends Particle {
  /**
   * The cloud API the flavor calls (`ec2`, `logs`): clouds throttle per API and location, so
   * that is the engine's concurrency scope. `undefined` falls back to the flavor.
   */
  static readonly service: string | undefined = undefined;
  /**
   * Fields of the resource block that change in place, in the order they are updated: top-level
   * names or dot paths (`custom_config.Tags`), a difference in or under one being routed to it.
   */
  static readonly inPlaceFields: readonly string[] = [];
  /** How the API finds the resources (informative: the kit always makes one `list` per location). */
  static readonly readShape: ReadShape = "get-each";
  /** Where the tags live and how ownership is recorded; `undefined`: the resource has no tags. */
  static readonly tagging: TagFacts | undefined = undefined;
  /** The cloud actions each transition calls. */
  static readonly actions: ActionFacts = {};
  /** The operation that creates the resource (`CreateLogGroup`), as error tables name it. */
  static readonly createOperation: string = "";
  /** The error codes of the flavor's operations, by class. */
  static readonly operationErrors: OperationErrors = {};
  /**
   * True when a delete's answer carries nothing, so that a lost one looks like success: the kit
   * then reads the resource after each delete and sends it again while it is still there.
   */
  static readonly confirmsDeleteByRead: boolean = false;

  /** The resource as the last read or create returned it; `undefined` when gone or unread. */
  protected live: L | undefined = undefined;
  /** Its tags, when read. */
  protected liveTags: TagMap | undefined = undefined;
  /** Whether the live resource carries the ownership tag; `undefined` until tags are read. */
  protected isOwned: boolean | undefined = undefined;
  /** Updaters of the in-place fields other than the tags (which go to `writeTags`). */
  protected readonly updaters: FieldUpdaters<D, L, C> = {};

  // The provider's part.

  /** Where the particle's resource lives (a region): reads batch per location. */
  protected abstract location(context: RunContext): string;
  /** The run's client for `location`; single-attempt (no retries) for creates. */
  protected abstract clientIn(
    location: string,
    context: RunContext,
    options: { readonly isSingleAttempt: boolean },
  ): Promise<C>;
  /** Classifies a failed call, using the flavor's {@link DeclaredResource.operationErrors}. */
  protected abstract classifyFailure(error: unknown): CallFailure;
  /**
   * The framework error for a failed call `what` (`create log group audit`), naming `particles`
   * (default this one).
   */
  protected abstract callError(
    error: unknown,
    what: string,
    particles?: readonly string[],
  ): PcfError;
  /** The ownership tag every resource the framework creates carries. */
  protected abstract get ownershipTag(): TagMap;

  /**
   * The keys of the provider's provenance tags (see {@link DeclaredResource.provenanceTags});
   * `undefined` (the default) where its resources carry none.
   */
  protected get provenanceKeys(): ProvenanceKeys | undefined {
    return undefined;
  }

  /**
   * Tags that say where a resource came from: its field, its particle (`flavor:pcf_name`) and its
   * dependency depth (see `Particle.dependencyDepth`), written beside the ownership tag at create
   * and with every tag change, so `pcf inventory` and `pcf nuke` find and order a field's
   * resources from the cloud alone. They are never compared (a plan never shows them) and a tag
   * update never removes them. Not part of ownership: a resource another field made is still
   * ours. None for a particle of an unnamed field, or where the provider declares no keys.
   */
  protected get provenanceTags(): TagMap {
    const keys = this.provenanceKeys;
    if (keys === undefined || this.fieldName === undefined) return {};
    return {
      [keys.field]: this.fieldName,
      [keys.particle]: this.id,
      [keys.depth]: String(this.dependencyDepth),
    };
  }

  /** The tags every create and tag change writes: the ownership tag and the provenance tags. */
  protected get writtenOwnership(): TagMap {
    return { ...this.ownershipTag, ...this.provenanceTags };
  }
  /** How error messages name the resource (`log group /app/audit`). */
  protected abstract resourceLabel(): string;
  /** The desired definition, parsed now that references are resolved. */
  protected abstract desiredDefinition(): D;

  // The flavor's part.

  /**
   * The live resources of `keys` (see {@link DeclaredResource.key}) in one location, by key.
   * `known` holds what the particles of `keys` last saw of theirs (created or read), for APIs
   * whose list lags behind creates and deletes but that can read a known resource directly.
   * Throws `ListFailures` (see `listEach`) to fail only the particles of the keys it could not read.
   */
  protected abstract list(
    client: C,
    keys: readonly string[],
    context: RunContext,
    known: ReadonlyMap<string, L>,
  ): Promise<ReadonlyMap<string, L>>;
  /** What `live` says: its state and its definition in the resource block's shape. */
  protected abstract observe(live: L, context: RunContext): Observation;
  /** Creates the resource; gives it when the answer carries it, else the kit looks it up. */
  protected abstract create(client: C, desired: D, context: RunContext): Promise<L | undefined>;
  /** Deletes the live resource; a not-found failure means it is already gone. */
  protected abstract remove(client: C, live: L, context: RunContext): Promise<void>;

  /**
   * Every live resource of this flavor in one location, each as complete as `observe` needs:
   * the flavor's batched read without a filter, for `pcf discover`, `pcf inventory` and `pcf nuke`.
   * `undefined` (the default): the flavor cannot list its resources without knowing their keys.
   */
  protected listAll(_client: C, _context: RunContext): Promise<readonly L[] | undefined> {
    return Promise.resolve(undefined);
  }

  /**
   * The resource block `pcf discover` writes for an observed resource (see `discoveredBlock`):
   * a definition made of it must plan with no changes. Flavors whose observed form is not one a
   * definition takes (a key kept in `custom_config`, tags in another form) override it.
   */
  protected discoveredResource(
    observation: Observation,
    ownTags: TagMap | undefined,
  ): Record<string, unknown> {
    const type = this.constructor as typeof DeclaredResource;
    return discoveredBlock(observation.definition, {
      schema: type.definitionSchema,
      tagField: type.tagging?.field,
      ownTags,
      alwaysKept: this.discoveryKeptKeys,
    });
  }

  /**
   * The key of a discovered resource block, as reads key resources (see
   * {@link DeclaredResource.key}): its unique-key values joined by `/`. Flavors whose reads key
   * wider (a service by its cluster and name) override both.
   */
  protected discoveredKey(resource: Record<string, unknown>): string {
    const type = this.constructor as typeof DeclaredResource;
    const block = { [this.resourceKey ?? ""]: resource };
    return type.uniqueKeys.map((path) => String(readPath(block, path))).join("/");
  }

  /** Keys `discoveredResource` keeps though the schema does not declare them; the provider's (`region_name`). */
  protected get discoveryKeptKeys(): readonly string[] {
    return [];
  }

  /** The live tags, for flavors whose tags are read in a call of their own. */
  protected readTags(_client: C, _live: L, _context: RunContext): Promise<TagMap> {
    return Promise.reject(
      new Error(`${this.flavor} declares tags read by a call but has no readTags`),
    );
  }

  /** Sends tag changes (the ownership tag is always kept in `set`). */
  protected writeTags(
    _client: C,
    _live: L,
    _changes: TagChanges,
    _context: RunContext,
  ): Promise<void> {
    return Promise.reject(new Error(`${this.flavor} declares tags but has no writeTags`));
  }

  /**
   * Completes what `list` found under the particle's key, before it is observed (in reads and
   * in the look-up after a create): reads what the list answer lacks and the particle's own
   * definition asks for (an attribute with a call of its own), or picks the particle's own among
   * namesakes (the one in its parent), throwing to fail this particle alone (several claim its
   * name). `undefined`: none is the particle's. The default gives `live` unchanged.
   */
  protected complete(_client: C, live: L, _context: RunContext): Promise<L | undefined> {
    return Promise.resolve(live);
  }

  /**
   * Why `remove` failed (classified as `failure`) and the way out, appended to the error
   * (` (still in it: …; delete them first)`) where the flavor can tell; `""` by default.
   */
  protected removalHint(
    _failure: CallFailure,
    _client: C,
    _live: L,
    _context: RunContext,
  ): Promise<string> {
    return Promise.resolve("");
  }

  /** Stops the live resource, for flavors with a stopped form. */
  protected halt(_client: C, _live: L, _context: RunContext): Promise<void> {
    return Promise.reject(new Error(`${this.flavor} has a stopped form but no halt`));
  }

  /**
   * Starts the stopped live resource, for flavors with a stopped form; also brings back a live
   * resource observed `terminated` (a key pending deletion), for flavors that observe one.
   */
  protected resume(_client: C, _live: L, _context: RunContext): Promise<void> {
    return Promise.reject(new Error(`${this.flavor} has a stopped form but no resume`));
  }

  /**
   * Every live resource of this flavor in this particle's location, as definitions (see
   * `discoverFlavor`, which calls it on a particle that stands for none); `undefined` when the
   * flavor cannot list them.
   * @internal
   */
  async discoverHere(context: RunContext): Promise<readonly DiscoveredResource[] | undefined> {
    const type = this.constructor as typeof DeclaredResource;
    const location = this.location(context);
    const client = await this.clientIn(location, context, { isSingleAttempt: false });
    const lives = await this.step(`list every ${this.flavor} in ${location}`, () =>
      this.listAll(client, context),
    );
    if (lives === undefined) return undefined;
    const framework = new Set([
      ...Object.keys(this.ownershipTag),
      ...provenanceKeyList(this.provenanceKeys),
    ]);
    return Promise.all(
      lives.map(async (live) => {
        const observation = this.observe(live, context);
        const tags =
          type.tagging === undefined
            ? undefined
            : (observation.tags ??
              (await this.step(`read the tags of a ${this.flavor}`, () =>
                this.readTags(client, live, context),
              )));
        const ownTags =
          tags === undefined
            ? undefined
            : Object.fromEntries(
                Object.entries(tags).filter(
                  ([key]) => !framework.has(key) && !key.startsWith("aws:"),
                ),
              );
        const resource = this.discoveredResource(observation, ownTags);
        const key = this.discoveredKey(resource);
        const found = {
          flavor: this.flavor,
          key,
          location,
          state: observation.state,
          resource,
          tags,
          isOwned: tags === undefined ? undefined : isOwnedBy(tags, this.ownershipTag),
          provenance: provenanceOf(tags, this.provenanceKeys),
        };
        return { ...found, definition: discoveredDefinition(found, this.resourceKey) };
      }),
    );
  }

  // The lifecycle, run by the kit.

  /** Reads every particle of `particles` of this flavor with one `list` per location. */
  static override async syncAll(
    particles: readonly Particle[],
    context: RunContext,
  ): Promise<void> {
    await readByLocation(
      particles.filter(
        (particle): particle is DeclaredResource<Record<string, unknown>, unknown, unknown> =>
          particle instanceof DeclaredResource,
      ),
      context,
    );
  }

  /** Reads this particle's resource (a batch of one). */
  override async syncState(context: RunContext): Promise<void> {
    await (this.constructor as typeof DeclaredResource).syncAll([this], context);
  }

  /**
   * Creates the resource (or starts a stopped one, or brings back one observed `terminated` that
   * can still come back) and applies what the create call cannot set.
   */
  protected override async _start(context: RunContext): Promise<void> {
    const client = await this.clientIn(this.location(context), context, { isSingleAttempt: false });
    // A stopped resource, or one on its way out that can come back (a key pending deletion: the
    // flavor counts it live), is resumed; one observed terminated otherwise is created anew.
    const canResume =
      this.state === "stopped" || (this.state === "terminated" && this.hasLiveResource);
    if (this.live !== undefined && canResume) {
      await this.step(`start ${this.resourceLabel()}`, () =>
        this.resume(client, this.live as L, context),
      );
      return;
    }
    const desired = this.desiredDefinition();
    const live = await this.createOnce(client, desired, context);
    const tags = this.wantedTags();
    this.take(
      live,
      tags === undefined ? undefined : { ...tags, ...this.writtenOwnership },
      context,
    );
    // What the create call could not take (a log group's retention) is set by the updaters now.
    this.isOwned = true;
    const pending = this.differingFields(false);
    await this.runUpdaters(client, live, desired, pending, context);
    const updated = pending.reduce(
      (definition, field) => setPath(definition, field, readPath(desired, field)),
      this.currentStateDefinition,
    );
    // An answer that shows the resource still pending (an instance launching) proves nothing
    // final: the engine's batched reads follow it from here, as for any transition.
    if (this.state === "pending") this.currentStateDefinition = updated;
    else this.recordState(this.state ?? "running", updated, context);
  }

  /** Deletes the resource; one already gone is fine. */
  protected override async _terminate(context: RunContext): Promise<void> {
    const live = this.live;
    if (live !== undefined) {
      const client = await this.clientIn(this.location(context), context, {
        isSingleAttempt: false,
      });
      const type = this.constructor as typeof DeclaredResource;
      const attempts = type.confirmsDeleteByRead ? DELETE_ATTEMPTS : 1;
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        await this.unlessGone(
          `delete ${this.resourceLabel()}`,
          () => this.remove(client, live, context),
          (failure) => this.removalHint(failure, client, live, context),
        );
        if (!type.confirmsDeleteByRead) break;
        const still = await this.step(`look for ${this.resourceLabel()}`, () =>
          this.listOwn(client, context),
        );
        // Still listed after the last attempt: nothing is recorded, and the engine's read decides.
        if (still !== undefined) {
          if (attempt === attempts) return;
          continue;
        }
        break;
      }
    }
    this.live = undefined;
    this.recordState("terminated", {}, context);
  }

  /** Stops the resource (flavors with a stopped form); one gone meanwhile is left to the next read. */
  protected override async _stop(context: RunContext): Promise<void> {
    const live = this.live;
    if (live === undefined) return;
    const client = await this.clientIn(this.location(context), context, { isSingleAttempt: false });
    await this.unlessGone(`stop ${this.resourceLabel()}`, () => this.halt(client, live, context));
  }

  /** Brings each in-place field that differs to the definition, in the declared order. */
  protected override async _update(context: RunContext): Promise<void> {
    const live = this.live;
    if (live === undefined) return super._update(context);
    const client = await this.clientIn(this.location(context), context, { isSingleAttempt: false });
    await this.runUpdaters(
      client,
      live,
      this.desiredDefinition(),
      this.differingFields(true),
      context,
    );
  }

  /**
   * Refuses `start`, `stop`, `terminate` and `update` on a live resource the framework did not
   * create, unless `custom_config.adopt` is true.
   * @throws PcfError `TRANSITION_FAILED` when the resource is not ours.
   */
  protected override async beforeTransition(
    transition: TransitionName,
    context: RunContext,
  ): Promise<void> {
    if (
      !GUARDED_TRANSITIONS.has(transition) ||
      !this.hasLiveResource ||
      this.isAdopted ||
      (await this.readOwnership(context))
    )
      return;
    const [key, value] = Object.entries(this.ownershipTag)[0] ?? ["", ""];
    throw new PcfError(
      "TRANSITION_FAILED",
      `refusing to ${transition}: ${this.resourceLabel()} exists but was not created by particle-cloud ` +
        `(it has no ${key}=${value} tag); adopt it with \`${adoptCommand(this)}\` or custom_config.adopt: true`,
      { particle: this.id, field: `${this.resourceKey ?? "resource"}.custom_config.adopt` },
    );
  }

  /** A live resource whose read showed no ownership tag, not adopted. */
  override get isForeign(): boolean {
    return this.hasLiveResource && this.isOwned === false && !this.isAdopted;
  }

  /**
   * Whether the last read found a resource a transition would change: any state but
   * `terminated`. Flavors whose gone resource can come back (a KMS key pending deletion) override it.
   */
  protected get hasLiveResource(): boolean {
    return this.state !== undefined && this.state !== "terminated";
  }

  /** Whether the resource is adopted: `custom_config.adopt` is true, or the run's `adopt` names it. */
  protected get isAdopted(): boolean {
    return (
      this.isAdoptionRequested ||
      readPath(this.desiredStateDefinition, "custom_config.adopt") === true
    );
  }

  /**
   * The base differences, plus the ownership tag when an adopted resource lacks it: adopting
   * writes it, so that later runs own the resource without being told again.
   */
  override definitionDifferences(): DefinitionDifference[] {
    const differences = super.definitionDifferences();
    const field = (this.constructor as typeof DeclaredResource).tagging?.field;
    if (field === undefined || !this.isAdopted || this.isOwned !== false || !this.hasLiveResource)
      return differences;
    return [
      ...differences,
      ...Object.entries(this.ownershipTag).map(([key, value]) => ({
        path: `${field}.${key}`,
        desired: value,
        current: this.liveTags?.[key],
      })),
    ];
  }

  /** The particle's key in `list` answers: its unique-key values, joined by `/`. */
  protected get key(): string {
    const type = this.constructor as typeof DeclaredResource;
    const block = { [this.resourceKey ?? ""]: this.desiredStateDefinition };
    return type.uniqueKeys.map((path) => String(readPath(block, path))).join("/");
  }

  /**
   * Whether the live resource is ours: what the last read told, else its tags read now. A
   * resource found gone meanwhile counts as ours: there is nothing left to protect.
   */
  protected async readOwnership(context: RunContext): Promise<boolean> {
    if (this.isOwned !== undefined) return this.isOwned;
    const live = this.live;
    if (live === undefined || (this.constructor as typeof DeclaredResource).tagging === undefined)
      return true;
    const client = await this.clientIn(this.location(context), context, { isSingleAttempt: false });
    const tags = await this.tagsOf(client, live, context);
    return tags === undefined || this.isOwned === true;
  }

  /** Waits until `isDone` holds for the resource as listed (`undefined`: gone), polling with backoff. */
  protected async waitUntil(
    context: RunContext,
    what: string,
    isDone: (live: L | undefined) => boolean,
  ): Promise<L | undefined> {
    const client = await this.clientIn(this.location(context), context, { isSingleAttempt: false });
    const type = this.constructor as typeof DeclaredResource;
    return context.waitFor(
      async (): Promise<PollResult<L | undefined>> => {
        const live = await this.lookUp(client, context);
        return isDone(live) ? { done: true, value: live } : { done: false };
      },
      { ...type.waitOptions, particle: this.id, description: `${this.resourceLabel()} to ${what}` },
    );
  }

  /** Runs `call`, wrapping its failure as `what` (`update retentionInDays of log group x`). */
  protected async step<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.callError(error, what);
    }
  }

  /**
   * Runs `call`: `undefined` when it failed because the resource is gone; any other failure is
   * wrapped as `what` followed by `hint(failure)`.
   */
  protected async unlessGone<T>(
    what: string,
    call: () => Promise<T>,
    hint?: (failure: CallFailure) => Promise<string>,
  ): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      const failure = this.classifyFailure(error);
      if (failure === "notFound") return undefined;
      throw this.callError(error, `${what}${(await hint?.(failure)) ?? ""}`);
    }
  }

  /**
   * The comparable form of a tags field (a map or a `{ Key, Value }` list): the tags plus the
   * ownership tag, without the cloud's own `aws:` keys and the provenance tags, sorted;
   * `undefined` when none is written.
   */
  protected comparableTagsOf(tags: unknown): [string, string][] | undefined {
    const written = writtenTags(tags);
    if (written === undefined) return undefined;
    const provenance = new Set(provenanceKeyList(this.provenanceKeys));
    const all: Record<string, string> = { ...this.ownershipTag };
    for (const [key, value] of Object.entries(written))
      if (!key.startsWith("aws:") && !provenance.has(key)) all[key] = value;
    return Object.entries(all).sort(([a], [b]) => a.localeCompare(b));
  }

  /** Assigns a read's result (`undefined`: gone) with the tags it read. @internal */
  private take(live: L | undefined, tags: TagMap | undefined, context: RunContext): void {
    this.live = live;
    this.liveTags = tags;
    this.isOwned = tags === undefined ? undefined : isOwnedBy(tags, this.ownershipTag);
    if (live === undefined) {
      this.state = "terminated";
      this.currentStateDefinition = {};
      return;
    }
    const observed = this.observe(live, context);
    const field = (this.constructor as typeof DeclaredResource).tagging?.field;
    this.state = observed.state;
    this.currentStateDefinition =
      field !== undefined && tags !== undefined && this.wantedTags() !== undefined
        ? setPath(observed.definition, field, tags)
        : observed.definition;
  }

  /** Reads one listed resource of a batch: its tags when needed, then assigns it. @internal */
  async readListed(listed: L | undefined, client: C, context: RunContext): Promise<void> {
    const live =
      listed === undefined
        ? undefined
        : await this.unlessGone(`read ${this.resourceLabel()}`, () =>
            this.complete(client, listed, context),
          );
    if (live === undefined) return this.take(undefined, undefined, context);
    const tagging = (this.constructor as typeof DeclaredResource).tagging;
    const listedTags = this.observe(live, context).tags;
    // Where our own runs can leave the resource untagged (tags written after the create), and
    // where adoption must know, tags are always read, so that plan never calls it unchanged.
    const needsTags =
      tagging?.readFrom === "own-call" &&
      (this.wantedTags() !== undefined ||
        this.isGoingDown ||
        this.isAdopted ||
        tagging.ownershipWritten === "after-create");
    const tags = listedTags ?? (needsTags ? await this.tagsOf(client, live, context) : undefined);
    if (needsTags && tags === undefined) return this.take(undefined, undefined, context);
    this.take(live, tags, context);
  }

  /** The particle's `list`, for the batched read. @internal */
  listIn(
    client: C,
    keys: readonly string[],
    context: RunContext,
    known: ReadonlyMap<string, L>,
  ): Promise<ReadonlyMap<string, L>> {
    return this.list(client, keys, context, known);
  }

  /** What the particle last saw of its resource, for the batched read. @internal */
  get knownLive(): L | undefined {
    return this.live;
  }

  /** The particle's location, for the batched read. @internal */
  locationOf(context: RunContext): string {
    return this.location(context);
  }

  /** The client of a batched read. @internal */
  clientOf(location: string, context: RunContext): Promise<C> {
    return this.clientIn(location, context, { isSingleAttempt: false });
  }

  /** The error of a batched read that failed, naming every particle of `group`. @internal */
  listError(error: unknown, group: readonly Particle[]): PcfError {
    const keys = group.map((member) => (member as this).listKey);
    return this.callError(error, `list ${this.flavor} ${listNames(keys)}`, [
      listNames(group.map((member) => member.id)),
    ]);
  }

  /** The error of a batched read that could not read this particle's key (see `listEach`). @internal */
  readError(error: unknown): PcfError {
    return this.callError(error, `read ${this.resourceLabel()}`);
  }

  /** The particle's key, for the batched read. @internal */
  get listKey(): string {
    return this.key;
  }

  /** True when the particle is going down, so that the guard will need its tags. */
  protected get isGoingDown(): boolean {
    return this.desiredState !== "running";
  }

  /**
   * The tags the definition lists, as a map; `undefined` when it lists none. The default reads
   * the tagging field (a map or a `{ Key, Value }` list); flavors whose tags take another form or
   * come from several fields override it.
   */
  protected wantedTags(): TagMap | undefined {
    const field = (this.constructor as typeof DeclaredResource).tagging?.field;
    return field === undefined
      ? undefined
      : writtenTags(readPath(this.desiredStateDefinition, field));
  }

  /**
   * The tags a tag change writes and never removes: the ownership and provenance tags, over the
   * live provenance tags (which a run of an unnamed field keeps as they are).
   */
  private keptTags(live: TagMap): TagMap {
    const provenance = provenanceKeyList(this.provenanceKeys).filter(
      (key) => live[key] !== undefined,
    );
    return {
      ...Object.fromEntries(provenance.map((key) => [key, live[key] as string])),
      ...this.writtenOwnership,
    };
  }

  /** Reads the tags of `live` and records ownership; `undefined` when the resource is gone. */
  private async tagsOf(client: C, live: L, context: RunContext): Promise<TagMap | undefined> {
    const tags = await this.unlessGone(`read the tags of ${this.resourceLabel()}`, () =>
      this.readTags(client, live, context),
    );
    if (tags !== undefined) {
      this.liveTags = tags;
      this.isOwned = isOwnedBy(tags, this.ownershipTag);
    }
    return tags;
  }

  /** This particle's resource as `list` finds it; `undefined` when it is not there. */
  private async listOwn(client: C, context: RunContext): Promise<L | undefined> {
    const known = new Map<string, L>(this.live === undefined ? [] : [[this.key, this.live]]);
    return (await this.list(client, [this.key], context, known)).get(this.key);
  }

  /** This particle's resource, listed and completed (see `complete`); `undefined` when gone. */
  private async lookUp(client: C, context: RunContext): Promise<L | undefined> {
    const listed = await this.step(`look for ${this.resourceLabel()}`, () =>
      this.listOwn(client, context),
    );
    return listed === undefined
      ? undefined
      : this.unlessGone(`read ${this.resourceLabel()}`, () =>
          this.complete(client, listed, context),
        );
  }

  /** Sends the create once, looking for what it made before any resend. */
  private async createOnce(client: C, desired: D, context: RunContext): Promise<L> {
    const type = this.constructor as typeof DeclaredResource;
    const what = `create ${this.resourceLabel()}`;
    const once = await this.clientIn(this.location(context), context, { isSingleAttempt: true });
    const findCreated = async (): Promise<L | undefined> => {
      const live = await this.lookUp(client, context);
      if (live === undefined) return undefined;
      // A resource with no tags records no ownership: what is under the key is counted as ours.
      if (type.tagging === undefined) return live;
      const tags = this.observe(live, context).tags ?? (await this.tagsOf(client, live, context));
      if (tags === undefined) return undefined;
      if (isOwnedBy(tags, this.ownershipTag)) return live;
      // Found untagged right after this run's own create, under its own key: where the API tags
      // only after the create, this is the resource the lost answer made. It is tagged now.
      if (type.tagging?.ownershipWritten !== "after-create") return undefined;
      await this.writeTags(
        client,
        live,
        tagChanges(tags, { ...this.wantedTags(), ...this.ownershipTag }, this.keptTags(tags)),
        context,
      );
      return live;
    };
    try {
      const { value } = await createOnce({
        create: async () =>
          (await this.create(once, desired, context)) ??
          required(await findCreated(), `${this.resourceLabel()}, looked for after the create`),
        findCreated,
        classify: (error) => createFailureOf(this.classifyFailure(error)),
        signal: context.signal,
        onRetry: (attempt, nextDelayMs, reason) =>
          context.emit({
            type: "call.retry",
            particle: this.id,
            call: what,
            attempt,
            nextDelayMs,
            reason,
          }),
      });
      return value;
    } catch (error) {
      throw this.callError(error, what);
    }
  }

  /**
   * The in-place fields whose desired value differs from the live one, in declared order.
   * @throws PcfError `TRANSITION_FAILED` when `isStrict` and another field differs.
   */
  private differingFields(isStrict: boolean): string[] {
    const type = this.constructor as typeof DeclaredResource;
    const paths = this.definitionDifferences().map((difference) => difference.path);
    const isUnder = (path: string, field: string): boolean =>
      path === field || path.startsWith(`${field}.`);
    const other = paths.filter((path) => !type.inPlaceFields.some((field) => isUnder(path, field)));
    if (isStrict && other.length > 0)
      throw new PcfError(
        "TRANSITION_FAILED",
        `${this.flavor} cannot change ${listNames(other)} in place`,
        { particle: this.id },
      );
    return type.inPlaceFields.filter((field) => paths.some((path) => isUnder(path, field)));
  }

  private async runUpdaters(
    client: C,
    live: L,
    desired: D,
    fields: readonly string[],
    context: RunContext,
  ): Promise<void> {
    const tagField = (this.constructor as typeof DeclaredResource).tagging?.field;
    // An updater that several fields share (one call sets them all) runs once.
    const ran = new Set<FieldUpdater<D, L, C>>();
    for (const field of fields) {
      const what = `update ${field} of ${this.resourceLabel()}`;
      if (field === tagField) {
        // A definition that lists no tags keeps the live ones (adoption adds only the ownership tag).
        const desiredTags = this.wantedTags() ?? this.liveTags ?? {};
        const kept = this.keptTags(this.liveTags ?? {});
        const changes = tagChanges(this.liveTags ?? {}, desiredTags, kept);
        if (hasNoTagChanges(changes)) continue;
        await this.step(what, () => this.writeTags(client, live, changes, context));
        this.liveTags = { ...desiredTags, ...kept };
        this.isOwned = true;
        continue;
      }
      const updater = this.updaters[field];
      if (updater === undefined)
        throw new PcfError(
          "TRANSITION_FAILED",
          `${this.flavor} declares ${field} in place but has no updater`,
          {
            particle: this.id,
          },
        );
      if (ran.has(updater)) continue;
      ran.add(updater);
      await this.step(what, () => updater(client, live, desired, context));
    }
  }
}
