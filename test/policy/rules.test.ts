import { describe, expect, it } from "vitest";
import type { FerryConfig } from "../../src/config/schema.js";
import { policyRules } from "../../src/policy/rules/index.js";
import { check, config, emptyConfig, goodDeployment, markedLines, yaml } from "./helpers.js";

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const everyRuleOn = config({
  environments: [{ name: "prod", paths: ["**"] }],
  policy: {
    "digest-pinned": "error",
    "allowed-registries": ["ghcr.io/acme"],
    "required-labels": { severity: "warning", labels: ["team"] },
  },
});

/** A one-container pod with the given container fields and pod fields (both as YAML lines). */
function pod(container: string, podFields = "", kind = "Pod"): string {
  const indent = (text: string, n: number) =>
    text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => " ".repeat(n) + l)
      .join("\n");
  return `apiVersion: v1
kind: ${kind}
metadata:
  name: p
  labels: { team: a }
spec:
  securityContext: { runAsNonRoot: true }
${podFields === "" ? "" : `${indent(podFields, 2)}\n`}  containers:
    - name: app
${indent(container, 6)}
`;
}

const resources = "resources: { requests: { cpu: 1m, memory: 1Mi }, limits: { cpu: 1m, memory: 1Mi } }";
const pinned = `image: ghcr.io/acme/app:1.0@${digest}`;

interface Case {
  name: string;
  text: string;
  config?: FerryConfig;
}

const table: Record<string, { failing: Case[]; passing: Case[] }> = {
  "no-latest-tag": {
    failing: [
      { name: "untagged", text: pod(`image: ghcr.io/acme/app # <-\n${resources}`) },
      { name: "latest", text: pod(`image: nginx:latest # <-\n${resources}`) },
      {
        name: "init container on latest",
        text: pod(
          `${pinned}\n${resources}`,
          `initContainers:\n  - name: init\n    image: busybox:latest # <-`,
        ),
      },
    ],
    passing: [
      { name: "tagged", text: pod(`image: nginx:1.27\n${resources}`) },
      { name: "digest without tag", text: pod(`image: nginx@${digest}\n${resources}`) },
    ],
  },
  "allowed-registries": {
    failing: [
      { name: "Docker Hub", text: pod(`image: nginx:1.27 # <-\n${resources}`), config: everyRuleOn },
      {
        name: "a sibling path",
        text: pod(`image: ghcr.io/acme-evil/app:1.0 # <-\n${resources}`),
        config: everyRuleOn,
      },
    ],
    passing: [
      { name: "under the prefix", text: pod(`${pinned}\n${resources}`), config: everyRuleOn },
      { name: "no registries configured", text: pod(`image: nginx:1.27\n${resources}`) },
    ],
  },
  "digest-pinned": {
    failing: [
      { name: "tag only", text: pod(`image: ghcr.io/acme/app:1.0 # <-\n${resources}`), config: everyRuleOn },
    ],
    passing: [
      { name: "pinned", text: pod(`${pinned}\n${resources}`), config: everyRuleOn },
      { name: "off by default", text: pod(`image: ghcr.io/acme/app:1.0\n${resources}`) },
    ],
  },
  "resources-required": {
    failing: [
      { name: "no resources", text: pod(`image: nginx:1.27`).replace("- name: app", "- name: app # <-") },
      {
        name: "no limits",
        text: pod(`image: nginx:1.27\nresources: # <-\n  requests: { cpu: 1m, memory: 1Mi }`),
      },
    ],
    passing: [{ name: "all four", text: pod(`image: nginx:1.27\n${resources}`) }],
  },
  "no-privileged": {
    failing: [
      {
        name: "privileged",
        text: pod(`image: nginx:1.27\n${resources}\nsecurityContext:\n  privileged: true # <-`),
      },
      {
        name: "allowPrivilegeEscalation",
        text: pod(`image: nginx:1.27\n${resources}\nsecurityContext:\n  allowPrivilegeEscalation: true # <-`),
      },
    ],
    passing: [
      {
        name: "explicitly not",
        text: pod(
          `image: nginx:1.27\n${resources}\nsecurityContext: { privileged: false, allowPrivilegeEscalation: false }`,
        ),
      },
    ],
  },
  "no-host-namespaces": {
    failing: [
      { name: "hostNetwork", text: pod(`image: nginx:1.27\n${resources}`, "hostNetwork: true # <-") },
      {
        name: "hostPID and hostIPC",
        text: pod(`image: nginx:1.27\n${resources}`, "hostPID: true # <-\nhostIPC: true # <-"),
      },
    ],
    passing: [{ name: "false", text: pod(`image: nginx:1.27\n${resources}`, "hostNetwork: false") }],
  },
  "run-as-non-root": {
    failing: [
      {
        name: "nothing set",
        text: pod(`image: nginx:1.27\n${resources}`)
          .replace("  securityContext: { runAsNonRoot: true }\n", "")
          .replace("- name: app", "- name: app # <-"),
      },
      {
        name: "container overrides the pod with false",
        text: pod(`image: nginx:1.27\n${resources}\nsecurityContext:\n  runAsNonRoot: false # <-`),
      },
      {
        name: "runAsUser 0",
        text: pod(`image: nginx:1.27\n${resources}\nsecurityContext:\n  runAsUser: 0 # <-`),
      },
    ],
    passing: [
      { name: "pod-level runAsNonRoot", text: pod(`image: nginx:1.27\n${resources}`) },
      {
        name: "container runAsUser 1000",
        text: pod(`image: nginx:1.27\n${resources}\nsecurityContext: { runAsUser: 1000 }`).replace(
          "  securityContext: { runAsNonRoot: true }\n",
          "",
        ),
      },
    ],
  },
  "no-plaintext-secrets": {
    failing: [
      {
        name: "Secret with data",
        text: yaml`
          apiVersion: v1
          kind: Secret
          metadata: { name: s }
          data: # <-
            password: aHVudGVyMg==
        `,
      },
      {
        name: "Secret with stringData",
        text: yaml`
          apiVersion: v1
          kind: Secret
          metadata: { name: s }
          stringData: # <-
            password: hunter2
        `,
      },
      {
        name: "GitHub token in env",
        text: pod(
          `image: nginx:1.27\n${resources}\nenv:\n  - name: GH\n    value: ghp_${"a".repeat(36)} # <-`,
        ),
      },
      {
        name: "AWS key in env",
        text: pod(
          `image: nginx:1.27\n${resources}\nenv:\n  - name: AWS\n    value: AKIAIOSFODNN7EXAMPLE # <-`,
        ),
      },
      {
        name: "Slack token in env",
        text: pod(
          `image: nginx:1.27\n${resources}\nenv:\n  - name: SLACK\n    value: xoxb-1234567890-abcdefghij # <-`,
        ),
      },
      {
        name: "private key in a ConfigMap",
        text: yaml`
          apiVersion: v1
          kind: ConfigMap
          metadata: { name: c }
          data:
            key.pem: | # <-
              -----BEGIN RSA PRIVATE KEY-----
              MIIB
        `,
      },
    ],
    passing: [
      {
        name: "Secret with no data (filled by a controller)",
        text: yaml`
          apiVersion: v1
          kind: Secret
          metadata: { name: s }
          type: Opaque
        `,
      },
      {
        name: "ordinary env values and secretKeyRef",
        text: pod(
          `image: nginx:1.27\n${resources}\nenv:\n  - name: LOG\n    value: debug\n  - name: T\n    valueFrom: { secretKeyRef: { name: s, key: t } }`,
        ),
      },
    ],
  },
  "required-labels": {
    failing: [
      {
        name: "missing team",
        text: goodDeployment
          .replace("    team: payments\n", "")
          .replace("  name: api\n  labels:\n", "  name: api\n  labels: # <-\n"),
        config: everyRuleOn,
      },
    ],
    passing: [
      { name: "present", text: goodDeployment, config: everyRuleOn },
      { name: "no labels configured", text: goodDeployment.replace("    team: payments\n", "") },
    ],
  },
};

describe("policy rules", () => {
  it("the table covers every rule", () => {
    expect(Object.keys(table).sort()).toEqual(policyRules.map((r) => r.id).sort());
  });

  for (const [rule, { failing, passing }] of Object.entries(table)) {
    describe(rule, () => {
      it.each(failing)("fails: $name, on the marked line", async ({ text, config: cfg }) => {
        const findings = (await check(text, { config: cfg ?? emptyConfig })).filter((f) => f.rule === rule);
        expect(findings.map((f) => f.line)).toEqual(markedLines(text));
        for (const finding of findings) expect(finding.file).toBe("deploy/app.yaml");
      });
      it.each(passing)("passes: $name", async ({ text, config: cfg }) => {
        const findings = (await check(text, { config: cfg ?? emptyConfig })).filter((f) => f.rule === rule);
        expect(findings).toEqual([]);
      });
    });
  }

  it("the good Deployment passes every rule, each turned on", async () => {
    expect(await check(goodDeployment, { config: everyRuleOn })).toEqual([]);
  });

  it("never repeats the secret in the message", async () => {
    const token = `ghp_${"b".repeat(36)}`;
    const findings = await check(
      pod(`image: nginx:1.27\n${resources}\nenv:\n  - name: GH\n    value: ${token}`),
    );
    const secret = findings.find((f) => f.rule === "no-plaintext-secrets");
    expect(secret?.message).toContain("GitHub token");
    expect(secret?.message).not.toContain(token);
  });
});
