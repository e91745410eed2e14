import { describe, expect, it } from "vitest";
import { PcfError } from "../../src/index.js";
import { loadNamingMissingPackage, missingPackageOf } from "../../src/missing-package.js";
import packageJson from "../../package.json" with { type: "json" };

/** A package that is never installed: importing it fails the way a missing SDK does. */
const ABSENT = "pcf-test-package-that-is-not-installed";

/** What Node throws for an import of `name` when it is not installed. */
async function importFailure(name: string): Promise<unknown> {
  return import(name).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("a flavor whose SDK is not installed", () => {
  it("reads the package's name from Node's own import failure", async () => {
    expect(missingPackageOf(await importFailure(ABSENT))).toBe(ABSENT);
    expect(missingPackageOf(await importFailure(`@pcf-test/${ABSENT}/deep/path.js`))).toBe(
      `@pcf-test/${ABSENT}`,
    );
  });

  it("fails with one line naming the package and the command that installs the supported range", async () => {
    const node = (await importFailure(ABSENT)) as Error;
    const failure = Object.assign(new Error(node.message.replace(ABSENT, "@azure/storage-blob")), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    const error = await loadNamingMissingPackage("blob", () => Promise.reject(failure)).catch(
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(PcfError);
    const range = packageJson.peerDependencies["@azure/storage-blob"];
    expect(error).toMatchObject({
      code: "PACKAGE_MISSING",
      where: { field: "flavor" },
      message: `flavor "blob" needs the package @azure/storage-blob, which is not installed: npm install @azure/storage-blob@${range}`,
    });
    expect((error as Error).message).not.toContain("\n");
  });

  it("names a package this one declares no range for without a range", async () => {
    const error = await loadNamingMissingPackage("custom", () => import(ABSENT)).catch(
      (reason: unknown) => reason,
    );
    expect((error as Error).message).toMatch(new RegExp(`: npm install ${ABSENT}$`));
  });

  it("passes any other failure on as it came", async () => {
    const failure = new Error("the module threw while loading");
    await expect(loadNamingMissingPackage("x", () => Promise.reject(failure))).rejects.toBe(
      failure,
    );
    const relative = await importFailure("./no-such-module-here.js");
    expect(missingPackageOf(relative)).toBeUndefined();
  });
});
