import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PcfError, messageOf } from "./errors.js";
import type { FusedMember } from "./fuse.js";
import type { ParticleDefinition } from "./particle.js";

/**
 * Replaces `"./module.js#export"` callback functions by the exported functions, each module path
 * resolved against `baseDir`.
 * @throws PcfError `DEFINITION_INVALID` naming the particle and field when a module does not load
 * or does not export that function.
 * @internal
 */
export async function loadCallbacks(
  definition: FusedMember,
  baseDir: string,
): Promise<ParticleDefinition["callbacks"]> {
  const callbacks = definition.callbacks as ParticleDefinition["callbacks"];
  if (callbacks === undefined) return undefined;
  const entries = await Promise.all(
    Object.entries(callbacks).map(async ([transition, callback]) => {
      if (typeof callback.function !== "string") return [transition, callback] as const;
      const [modulePath = "", exportName = "default"] = callback.function.split("#");
      const url = pathToFileURL(
        isAbsolute(modulePath) ? modulePath : resolve(baseDir, modulePath),
      ).href;
      const where = {
        particle: `${definition.flavor}:${definition.pcf_name}`,
        field: `callbacks.${transition}.function`,
      };
      let exported: unknown;
      try {
        exported = ((await import(url)) as Record<string, unknown>)[exportName];
      } catch (error) {
        throw new PcfError(
          "DEFINITION_INVALID",
          `cannot load callback module ${modulePath}: ${messageOf(error)}`,
          where,
          { cause: error },
        );
      }
      if (typeof exported !== "function")
        throw new PcfError(
          "DEFINITION_INVALID",
          `${modulePath} exports no function "${exportName}"`,
          where,
        );
      return [
        transition,
        { ...callback, function: exported as (...args: never[]) => unknown },
      ] as const;
    }),
  );
  return Object.fromEntries(entries) as ParticleDefinition["callbacks"];
}
