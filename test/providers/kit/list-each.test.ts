import { describe, expect, it } from "vitest";
import { ListFailures, listEach } from "../../../src/providers/kit/list-each.js";

/** A read of one key: `gone` is not found, `broken` fails, any other key is found as itself. */
function readKey(key: string): Promise<string | undefined> {
  if (key === "gone") return Promise.resolve(undefined);
  if (key === "broken") return Promise.reject(new Error(`cannot read ${key}`));
  return Promise.resolve(`live ${key}`);
}

async function failureOf(run: Promise<unknown>): Promise<ListFailures> {
  try {
    await run;
  } catch (error) {
    if (error instanceof ListFailures) return error;
    throw error;
  }
  throw new Error("expected the list to fail");
}

describe("listEach", () => {
  it("gives the keys found, by key, and leaves out the gone ones", async () => {
    const found = await listEach(["a", "gone", "b"], readKey);

    expect([...found]).toEqual([
      ["a", "live a"],
      ["b", "live b"],
    ]);
  });

  it("reads a key given twice once", async () => {
    const read: string[] = [];

    await listEach(["a", "a"], (key) => {
      read.push(key);
      return readKey(key);
    });

    expect(read).toEqual(["a"]);
  });

  it("throws what the other keys found with the error of each key that failed", async () => {
    const failure = await failureOf(listEach(["a", "broken", "gone"], readKey));

    expect([...failure.found]).toEqual([["a", "live a"]]);
    expect([...failure.failures.keys()]).toEqual(["broken"]);
    expect(failure.message).toBe("cannot read broken");
    expect(failure.cause).toBe(failure.failures.get("broken"));
  });
});
