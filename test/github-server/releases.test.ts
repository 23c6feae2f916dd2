import { afterEach, describe, expect, it } from "vitest";
import type { GitHubServer } from "../support/github/server.js";
import { installationOctokit, startServer } from "./helpers.js";

let server: GitHubServer;
afterEach(async () => {
  await server?.close();
});

describe("releases", () => {
  it("finds a published release by its tag, and answers 404 for a draft or an unknown tag", async () => {
    server = await startServer();
    server.createRepo("acme/api", { files: { "README.md": "# api\n" } });
    server.createRelease("acme/api", { tag: "1.5.0", name: "api 1.5.0", body: "## Fixes\n- #12" });
    server.createRelease("acme/api", { tag: "1.6.0", draft: true });
    const octokit = await installationOctokit(server);
    const { data } = await octokit.rest.repos.getReleaseByTag({ owner: "acme", repo: "api", tag: "1.5.0" });
    expect(data).toMatchObject({
      tag_name: "1.5.0",
      name: "api 1.5.0",
      body: "## Fixes\n- #12",
      draft: false,
      html_url: `${server.url}/acme/api/releases/tag/1.5.0`,
    });
    for (const tag of ["1.6.0", "9.9.9"])
      await expect(
        octokit.rest.repos.getReleaseByTag({ owner: "acme", repo: "api", tag }),
      ).rejects.toMatchObject({
        status: 404,
      });
  });
});
