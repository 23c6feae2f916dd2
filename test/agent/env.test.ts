import { describe, expect, it } from "vitest";
import { run } from "../../src/agent/command.js";
import { agentEnvSchema, clusterSecret } from "../../src/agent/env.js";

const base = {
  FERRY_URL: "https://ferry.example.com",
  FERRY_CLUSTER: "prod-eu-1",
  FERRY_CLUSTER_SECRET: "0123456789abcdef",
  FERRY_NAMESPACE: "ferry",
};

describe("agent environment", () => {
  it("parses durations and defaults", () => {
    const env = agentEnvSchema.parse({ ...base, HEALTHY_HOLD: "10s", POD_NAME: "agent-0" });
    expect(env).toMatchObject({
      HEALTHY_HOLD: 10_000,
      COMPARISON_ERROR_GRACE: 120_000,
      PROGRESSING_GRACE: 120_000,
      LEASE_DURATION: 15_000,
      FERRY_LEASE_NAME: "ferry-agent",
      FERRY_WATCH: ["applications", "kustomizations", "helmreleases", "ocirepositories", "externalartifacts"],
      POD_NAME: "agent-0",
    });
    expect(env.KUBECONFIG).toBeUndefined();
  });

  it("takes the Argo CD UI's https address, so drift issues can link the Application", () => {
    expect(
      agentEnvSchema.parse({ ...base, FERRY_ARGOCD_URL: "https://argocd.acme.test" }).FERRY_ARGOCD_URL,
    ).toBe("https://argocd.acme.test");
  });

  it("reads the secret from a file, trimmed", () => {
    const { FERRY_CLUSTER_SECRET: _, ...rest } = base;
    const env = agentEnvSchema.parse({ ...rest, FERRY_CLUSTER_SECRET_FILE: "/var/run/ferry/secret" });
    expect(clusterSecret(env, () => "from-the-mounted-file\n")).toBe("from-the-mounted-file");
  });

  it.each([
    [{ FERRY_URL: "not a url" }, "FERRY_URL"],
    [{ FERRY_CLUSTER: "Prod EU" }, "FERRY_CLUSTER"],
    [{ HEALTHY_HOLD: "5 seconds" }, "HEALTHY_HOLD"],
    [{ PROGRESSING_GRACE: "2 minutes" }, "PROGRESSING_GRACE"],
    [{ FERRY_WATCH: "applications,pods" }, "FERRY_WATCH"],
    [{ FERRY_CLUSTER_SECRET_FILE: "/x" }, "FERRY_CLUSTER_SECRET"],
    [{ FERRY_ARGOCD_URL: "http://argocd.acme.test" }, "FERRY_ARGOCD_URL"],
    [{ FERRY_ARGOCD_URL: "argocd.acme.test" }, "FERRY_ARGOCD_URL"],
  ])("refuses %o naming %s", (override, key) => {
    const result = agentEnvSchema.safeParse({ ...base, ...override });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path[0])).toContain(key);
  });

  it("`ferry agent` exits 2 on a bad environment", async () => {
    const write = process.stderr.write;
    process.stderr.write = () => true;
    try {
      expect(await run([], { FERRY_URL: "nope" })).toBe(2);
    } finally {
      process.stderr.write = write;
    }
  });
});
