/**
 * The bundled `local` provider: particles on this machine, no cloud needed. Imported as
 * `particle-cloud/local`; its settings go under `providerOptions.local` ({@link LocalProviderOptions}).
 */
export { LocalFile, localFileSchema, type LocalFileDefinition } from "./file.js";
export type { LocalProviderOptions } from "./options.js";
export { LocalProcess, localProcessSchema, type LocalProcessDefinition } from "./process.js";
