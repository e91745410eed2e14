import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);

describe("docs/writing-a-particle.md", () => {
  it("shows the model flavor whole, as it is in the source", async () => {
    const page = await readFile(new URL("docs/writing-a-particle.md", root), "utf8");
    const marker = "<!-- model: src/providers/aws/logs/log-group.ts -->";
    const fence = "````";
    const start = page.indexOf(`${fence}ts\n`, page.indexOf(marker));
    expect(page.indexOf(marker)).toBeGreaterThan(0);
    const body = start + fence.length + 3;
    const shown = page.slice(body, page.indexOf(`${fence}\n`, body));
    const source = await readFile(new URL("src/providers/aws/logs/log-group.ts", root), "utf8");
    expect(shown).toBe(source);
  });
});
