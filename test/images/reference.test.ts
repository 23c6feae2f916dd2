import { describe, expect, it } from "vitest";
import {
  familiarName,
  formatImageReference,
  parseImageReference,
  sameImage,
} from "../../src/images/reference.js";

const sha = `sha256:${"a".repeat(64)}`;

describe("parseImageReference", () => {
  it.each([
    ["nginx", "docker.io", "library/nginx", undefined, undefined],
    ["nginx:1.25", "docker.io", "library/nginx", "1.25", undefined],
    ["library/nginx", "docker.io", "library/nginx", undefined, undefined],
    ["bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", undefined],
    ["docker.io/nginx", "docker.io", "library/nginx", undefined, undefined],
    ["index.docker.io/library/nginx:1", "docker.io", "library/nginx", "1", undefined],
    ["ghcr.io/acme/api:1.4.2", "ghcr.io", "acme/api", "1.4.2", undefined],
    ["ghcr.io/acme/team/api:v1", "ghcr.io", "acme/team/api", "v1", undefined],
    ["localhost/api", "localhost", "api", undefined, undefined],
    ["localhost:5000/api:dev", "localhost:5000", "api", "dev", undefined],
    [
      "registry.example.com:5000/a/b-c__d.e:1.0_rc",
      "registry.example.com:5000",
      "a/b-c__d.e",
      "1.0_rc",
      undefined,
    ],
    ["[::1]:5000/api:1", "[::1]:5000", "api", "1", undefined],
    ["Registry.Example.com/api", "Registry.Example.com", "api", undefined, undefined],
    [`ghcr.io/acme/api@${sha}`, "ghcr.io", "acme/api", undefined, sha],
    [`ghcr.io/acme/api:1.4.2@${sha}`, "ghcr.io", "acme/api", "1.4.2", sha],
    ["a---b/c:x", "docker.io", "a---b/c", "x", undefined],
  ])("parses %s", (text, registry, repository, tag, digest) => {
    const result = parseImageReference(text);
    if (!result.ok) throw new Error(result.errors);
    expect(result.value).toEqual({ registry, repository, tag, digest, name: `${registry}/${repository}` });
  });

  it.each([
    ["", "empty"],
    [" nginx", "whitespace"],
    ["Nginx", "lowercase"],
    ["ghcr.io/Acme/api", "lowercase"],
    ["ghcr.io/acme/api:", "tag"],
    ["ghcr.io/acme/api:-x", "tag"],
    [`ghcr.io/acme/api:${"x".repeat(129)}`, "tag"],
    ["ghcr.io/acme/api@sha256:abc", "digest"],
    [`ghcr.io/acme/api@sha256:${"a".repeat(63)}`, "64 hex"],
    ["ghcr.io/acme//api", "repository"],
    ["ghcr.io/acme/api_", "repository"],
    ["-bad.io/api", "registry"],
    ["a".repeat(64), "image ID"],
    [`${"a".repeat(250)}/bbbbbb`, "longer than 255"],
    ["ghcr.io/acme/api:1:2", "repository"],
  ])("rejects %j with a reason", (text, reason) => {
    const result = parseImageReference(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toContain(reason);
      expect(result.errors).toContain("invalid image reference");
    }
  });
});

describe("formatImageReference and familiarName", () => {
  it("round-trips the normalised form", () => {
    const parsed = parseImageReference(`nginx:1.25@${sha}`);
    if (!parsed.ok) throw new Error(parsed.errors);
    expect(formatImageReference(parsed.value)).toBe(`docker.io/library/nginx:1.25@${sha}`);
    expect(familiarName(parsed.value)).toBe("nginx");
  });
});

describe("sameImage", () => {
  it.each([
    ["nginx", "docker.io/library/nginx:1.25", true],
    ["index.docker.io/library/nginx", `nginx@${sha}`, true],
    ["ghcr.io/acme/api", "ghcr.io/acme/api:1.4.2", true],
    ["ghcr.io/acme/api", "ghcr.io/acme/api-worker", false],
    ["ghcr.io/acme/api", "docker.io/acme/api", false],
    ["ghcr.io/acme/api", "acme/api", false],
    ["not a ref", "not a ref", false],
  ])("%s vs %s → %s", (a, b, same) => {
    expect(sameImage(a, b)).toBe(same);
  });
});
