import { describe, expect, it } from "vitest";
import { configRepoName, isRepo, ownerRepo, shownUrl } from "../../src/agent/repo-url.js";

describe("repository URLs", () => {
  it.each([
    "acme/deploy",
    "Acme/Deploy",
    "https://github.com/acme/deploy",
    "https://github.com/Acme/Deploy.git",
    "https://github.com/acme/deploy/",
    "https://github.com/acme/deploy.git/",
    "https://x-access-token:secret@github.com/acme/deploy.git",
    "http://ghe.acme.corp/acme/deploy",
    "ssh://git@github.com/acme/deploy.git",
    "ssh://git@github.com:22/acme/deploy.git",
    "git+ssh://git@github.com/acme/deploy",
    "git@github.com:acme/deploy",
    "git@github.com:Acme/deploy.git",
    "  https://github.com/acme/deploy  ",
  ])("%s is acme/deploy", (url) => {
    expect(ownerRepo(url)).toBe("acme/deploy");
    expect(isRepo(url, "Acme/Deploy")).toBe(true);
  });

  it.each([
    "https://github.com/acme/deploy-archive.git",
    "https://github.com/acme/deploy/charts",
    "git@github.com:acme-corp/deploy",
    "https://charts.acme.dev",
    "",
  ])("%s is not acme/deploy", (url) => {
    expect(isRepo(url, "acme/deploy")).toBe(false);
  });

  it("keeps the case a config repo was named in, reducing URLs to owner/repo", () => {
    expect(configRepoName("Acme/Deploy")).toBe("Acme/Deploy");
    expect(configRepoName("git@github.com:Acme/Deploy.git")).toBe("Acme/Deploy");
    expect(configRepoName("https://charts.acme.dev")).toBeUndefined();
    expect(configRepoName("  ")).toBeUndefined();
  });
});

describe("repository URLs in messages", () => {
  it("never show credentials", () => {
    expect(shownUrl("https://x-access-token:ghs_secret@github.com/acme/deploy.git")).toBe(
      "https://github.com/acme/deploy.git",
    );
    expect(shownUrl("git@github.com:acme/deploy.git")).toBe("git@github.com:acme/deploy.git");
  });
});
