/**
 * The most copies one quasiparticle member's `multiplier` may ask for. A larger one is refused
 * before any copy is made (a multiplier of 10^9 would otherwise exhaust memory without a word).
 */
export const MAX_MULTIPLIER = 1000;

/** The most particles one load (a file, or the files of one run) may make, multipliers included. */
export const MAX_PARTICLES = 10_000;

/** The longest `pcf_name`: AWS's limit on a tag value, since the name is kept in the `PCFName` tag. */
export const MAX_NAME_LENGTH = 255;

/**
 * Keys refused anywhere in a definition: assigning them rewrites an object's prototype, and
 * reading them reaches into the runtime instead of the definition.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/** The deepest nesting of objects and lists a definition may have. */
export const MAX_DEPTH = 64;
