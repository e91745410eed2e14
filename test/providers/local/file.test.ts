import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApplyError } from "../../../src/core/apply-result.js";
import { applyField } from "../../../src/core/engine.js";
import { DefinitionError } from "../../../src/core/errors.js";
import { Field } from "../../../src/core/field.js";
import {
  LocalFile,
  localFileSchema,
  type LocalFileDefinition,
} from "../../../src/providers/local/index.js";

let baseDir: string;

beforeEach(async () => {
  baseDir = await mkdtemp(join(tmpdir(), "pcf-local-file-"));
});

afterEach(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

function localFile(block: LocalFileDefinition, name = "greeting"): LocalFile {
  return new LocalFile({ pcf_name: name, flavor: "local_file", local_resource: block });
}

function options() {
  return { providerOptions: { local: { baseDir } } };
}

async function modeOf(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o7777).toString(8).padStart(4, "0");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function failureOf(run: Promise<unknown>): Promise<ApplyError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof ApplyError) return error;
    throw error;
  }
  throw new Error("expected the apply to fail");
}

describe("LocalFile", () => {
  it("creates the file with its content and mode, parent directories included", async () => {
    const result = await localFile({ path: "a/b/hello.txt", content: "hi\n", mode: "0600" }).apply(
      options(),
    );

    expect(result.particles[0]?.outcome).toBe("converged");
    expect(await readFile(join(baseDir, "a/b/hello.txt"), "utf8")).toBe("hi\n");
    expect(await modeOf(join(baseDir, "a/b/hello.txt"))).toBe("0600");
  });

  it("defaults to empty content and mode 0644, whatever the umask", async () => {
    await localFile({ path: "empty.txt" }).apply(options());

    expect(await readFile(join(baseDir, "empty.txt"), "utf8")).toBe("");
    expect(await modeOf(join(baseDir, "empty.txt"))).toBe("0644");
  });

  it("leaves no temporary file next to the target", async () => {
    await localFile({ path: "only.txt", content: "x" }).apply(options());

    expect(await readdir(baseDir)).toEqual(["only.txt"]);
  });

  it("reports unchanged when applied again", async () => {
    await localFile({ path: "hello.txt", content: "hi", mode: "644" }).apply(options());

    const result = await localFile({ path: "hello.txt", content: "hi", mode: "644" }).apply(
      options(),
    );

    expect(result.particles[0]?.outcome).toBe("unchanged");
  });

  it("updates content and mode in place", async () => {
    await localFile({ path: "hello.txt", content: "old" }).apply(options());

    const result = await localFile({ path: "hello.txt", content: "new", mode: "0640" }).apply(
      options(),
    );

    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(await readFile(join(baseDir, "hello.txt"), "utf8")).toBe("new");
    expect(await modeOf(join(baseDir, "hello.txt"))).toBe("0640");
  });

  it("restores content edited behind its back", async () => {
    const particle = localFile({ path: "hello.txt", content: "mine" });
    await particle.apply(options());
    await writeFile(join(baseDir, "hello.txt"), "theirs");

    const result = await particle.apply(options());

    expect(result.particles[0]?.outcome).toBe("converged");
    expect(await readFile(join(baseDir, "hello.txt"), "utf8")).toBe("mine");
  });

  it("recreates a file deleted behind its back", async () => {
    const particle = localFile({ path: "hello.txt", content: "mine" });
    await particle.apply(options());
    await rm(join(baseDir, "hello.txt"));

    await particle.apply(options());

    expect(await readFile(join(baseDir, "hello.txt"), "utf8")).toBe("mine");
  });

  it("deletes the file when stopped, as stopped means terminated", async () => {
    const particle = localFile({ path: "hello.txt", content: "hi" });
    await particle.apply(options());

    const result = await particle.apply({ ...options(), desiredState: "stopped" });

    expect(result.particles[0]?.outcome).toBe("converged");
    expect(await exists(join(baseDir, "hello.txt"))).toBe(false);
  });

  it("deletes the file when terminated", async () => {
    const particle = localFile({ path: "hello.txt", content: "hi" });
    await particle.apply(options());

    await particle.apply({ ...options(), desiredState: "terminated" });

    expect(await exists(join(baseDir, "hello.txt"))).toBe(false);
  });

  it("succeeds in terminating a file that is already gone", async () => {
    const result = await localFile({ path: "never.txt" }).apply({
      ...options(),
      desiredState: "terminated",
    });

    expect(result.ok).toBe(true);
    expect(result.particles[0]?.outcome).toBe("unchanged");
  });

  it("fails only the file that cannot be read, and converges the others read with it", async () => {
    await mkdir(join(baseDir, "folder"));
    const field = new Field([
      localFile({ path: "folder" }, "unreadable"),
      localFile({ path: "hello.txt", content: "hi" }),
    ]);

    const failure = await failureOf(applyField(field, options()));

    const report = (id: string) => failure.result.particles.find((entry) => entry.particle === id);
    expect(report("local_file:unreadable")?.outcome).toBe("failed");
    expect(report("local_file:unreadable")?.error?.message).toMatch(
      /^read local_file "folder": EISDIR/,
    );
    expect(report("local_file:greeting")?.outcome).toBe("converged");
    expect(await readFile(join(baseDir, "hello.txt"), "utf8")).toBe("hi");
  });

  it("rejects a definition without a path, naming local_resource.path", () => {
    const create = () =>
      new LocalFile({ pcf_name: "x", flavor: "local_file", local_resource: { content: "hi" } });

    expect(create).toThrow(DefinitionError);
    expect(create).toThrow(
      expect.objectContaining({
        issues: [expect.objectContaining({ field: "local_resource.path" })],
      }),
    );
  });

  it("rejects unknown fields and a mode that is not octal in its schema", () => {
    expect(localFileSchema.safeParse({ path: "a", colour: "red" }).success).toBe(false);
    expect(localFileSchema.safeParse({ path: "a", mode: "0999" }).success).toBe(false);
  });

  it("rejects a mode that is not octal when the particle is built, naming the field", async () => {
    expect(() => localFile({ path: "bad.txt", mode: "rw-r--r--" })).toThrow(DefinitionError);
    expect(() => localFile({ path: "bad.txt", mode: "rw-r--r--" })).toThrow(/octal/);
    expect(await exists(join(baseDir, "bad.txt"))).toBe(false);
  });

  it("rejects provider options of the wrong shape", async () => {
    const failure = await failureOf(
      localFile({ path: "a.txt" }).apply({ providerOptions: { local: { basedir: baseDir } } }),
    );

    expect(failure.result.particles[0]?.error?.where.field).toBe("providerOptions.local");
  });
});
