import { describe, expect, it } from "vitest";
import { agree, listing, plural } from "../src/plural.js";

describe("plural", () => {
  it.each([
    [0, "error", "0 errors"],
    [1, "error", "1 error"],
    [2, "error", "2 errors"],
    [1234, "finding", "1,234 findings"],
  ] as const)("%i %s → %s", (n, word, text) => {
    expect(plural(n, word)).toBe(text);
  });

  it("takes an irregular plural, and the verb agrees separately", () => {
    expect(plural(2, "child", "children")).toBe("2 children");
    expect(`${plural(1, "resource")} ${agree(1, "differs", "differ")}`).toBe("1 resource differs");
    expect(`${plural(2, "resource")} ${agree(2, "differs", "differ")}`).toBe("2 resources differ");
  });

  it("lists items as a sentence does", () => {
    expect(listing([])).toBe("");
    expect(listing(["a"])).toBe("a");
    expect(listing(["a", "b"])).toBe("a and b");
    expect(listing(["a", "b", "c"])).toBe("a, b and c");
  });
});
