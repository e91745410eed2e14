import { describe, expect, it } from "vitest";
import { escapeText } from "../../src/index.js";

describe("escapeText", () => {
  it.each([
    ["a\nerror: forged", "a\\nerror: forged"],
    ["ok\rx\ty", "ok\\rx\\ty"],
    ["\u001b[31mred\u001b[0m", "\\u001b[31mred\\u001b[0m"],
    ["a\u0000b\u007f\u009b", "a\\u0000b\\u007f\\u009b"],
    ["line\u2028next", "line\\u2028next"],
    ["lone \ud800 and \udc00", "lone \\ud800 and \\udc00"],
  ])("escapes %j as %j", (text, escaped) => {
    expect(escapeText(text)).toBe(escaped);
  });

  it("keeps letters, emoji and paired surrogates as they are", () => {
    expect(escapeText("café 😀 日本 › ok")).toBe("café 😀 日本 › ok");
  });

  it("changes nothing more when applied twice", () => {
    const once = escapeText("a\n\u001b\ud800");
    expect(escapeText(once)).toBe(once);
  });
});
