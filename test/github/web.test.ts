import { describe, expect, it } from "vitest";
import { webOriginOf } from "../../src/github/web.js";

describe("webOriginOf", () => {
  it.each([
    ["https://api.github.com", "https://github.com"],
    ["https://api.acme.ghe.com", "https://acme.ghe.com"],
    ["https://ghe.acme.test/api/v3", "https://ghe.acme.test"],
    ["http://127.0.0.1:3000/api/v3", "http://127.0.0.1:3000"],
  ])("%s → %s", (api, web) => {
    expect(webOriginOf(api)).toBe(web);
  });
});
