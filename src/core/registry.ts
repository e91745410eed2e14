import { PcfError } from "./errors.js";
import { suggest } from "./suggest.js";

/** Anything the registry can hold: a class with a static `flavor` (particles and quasiparticles). */
export interface FlavorClass {
  readonly flavor: string;
}

/** Loads a flavor's class on first use, so a program imports only the SDKs its definitions need. */
export type FlavorLoader<C extends FlavorClass = FlavorClass> = () => Promise<C>;

/**
 * Maps flavor strings to particle and quasiparticle classes. Entries are classes or lazy loaders.
 * Registering a flavor twice is an error: two packages claiming one flavor is a conflict to fix,
 * not to resolve silently.
 */
export class FlavorRegistry {
  private readonly entries = new Map<string, RegistryEntry>();

  /** Registers a class under its static `flavor`. @throws PcfError `DUPLICATE_FLAVOR`. */
  register(type: FlavorClass): void {
    this.claim(type.flavor, { type });
  }

  /** Registers a loader for `flavor`, run on first use. @throws PcfError `DUPLICATE_FLAVOR`. */
  registerLazy(flavor: string, load: FlavorLoader): void {
    this.claim(flavor, { load });
  }

  /** True when `flavor` is registered. */
  has(flavor: string): boolean {
    return this.entries.has(flavor);
  }

  /** Every registered flavor, sorted. */
  flavors(): string[] {
    return [...this.entries.keys()].sort();
  }

  /**
   * The class for `flavor`, loading it if needed.
   * @throws PcfError `UNKNOWN_FLAVOR` with the closest registered names.
   */
  async resolve(flavor: string): Promise<FlavorClass> {
    const entry = this.entries.get(flavor);
    if (entry === undefined) {
      throw new PcfError(
        "UNKNOWN_FLAVOR",
        `unknown flavor "${flavor}"${suggest(flavor, this.flavors())}`,
        { field: "flavor" },
      );
    }
    if ("type" in entry) return entry.type;
    const type = await entry.load();
    if (type.flavor !== flavor) {
      throw new PcfError(
        "UNKNOWN_FLAVOR",
        `the module registered for "${flavor}" exports flavor "${type.flavor}"`,
        { field: "flavor" },
      );
    }
    this.entries.set(flavor, { type });
    return type;
  }

  private claim(flavor: string, entry: RegistryEntry): void {
    const existing = this.entries.get(flavor);
    const isSame =
      existing !== undefined &&
      "type" in existing &&
      "type" in entry &&
      existing.type === entry.type;
    if (existing !== undefined && !isSame) {
      throw new PcfError("DUPLICATE_FLAVOR", `flavor "${flavor}" is already registered`, {
        field: "flavor",
      });
    }
    this.entries.set(flavor, entry);
  }
}

/** The process-wide registry the loader uses by default; built-in flavors are added to it lazily. */
export const flavorRegistry = new FlavorRegistry();

type RegistryEntry = { readonly type: FlavorClass } | { readonly load: FlavorLoader };
