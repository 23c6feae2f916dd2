import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSettings } from "../src/settings.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
const pkcs1 = rsa.export({ type: "pkcs1", format: "pem" }) as string;
const pkcs8 = rsa.export({ type: "pkcs8", format: "pem" }) as string;
const minimal = { APP_ID: "42", PRIVATE_KEY: pkcs1, WEBHOOK_SECRET: "s" };

/** The message parseSettings stops start-up with. */
function problems(env: Record<string, string | undefined>): string {
  try {
    parseSettings(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("parseSettings accepted the environment");
}

describe("parseSettings", () => {
  it("stops start-up naming every missing variable and what it is, the private key included", () => {
    const message = problems({});
    expect(message).toMatch(/APP_ID: is not set \(the numeric App ID from the app's settings page\)/);
    expect(message).toMatch(/WEBHOOK_SECRET: is not set/);
    expect(message).toMatch(
      /PRIVATE_KEY: is not set \(the app's private key: PRIVATE_KEY holds the PEM text, or PRIVATE_KEY_PATH/,
    );
  });

  it("names a private key problem together with the other variables' problems", () => {
    const message = problems({ APP_ID: "x", PRIVATE_KEY: "nope", FERRY_CLUSTER_SECRETS: "a" });
    for (const name of ["APP_ID", "WEBHOOK_SECRET", "PRIVATE_KEY", "FERRY_CLUSTER_SECRETS"]) {
      expect(message).toMatch(new RegExp(`^  ${name}: `, "m"));
    }
  });

  it("parses the key at start-up: a damaged PEM is named, without quoting it", () => {
    const body = pkcs1.split("\n").slice(1, -2).join("\n");
    const damaged = `-----BEGIN RSA PRIVATE KEY-----\n${body.slice(0, 200)}${body.slice(260)}\n-----END RSA PRIVATE KEY-----\n`;
    const message = problems({ ...minimal, PRIVATE_KEY: damaged });
    expect(message).toMatch(/PRIVATE_KEY: is not a valid private key \(ERR_OSSL_[A-Z_]+\)/);
    expect(message).not.toContain(body.slice(0, 40));
    expect(problems({ ...minimal, PRIVATE_KEY: "ssh-rsa AAAA" })).toMatch(
      /PRIVATE_KEY: is not a PEM private key/,
    );
  });

  it("accepts PKCS#1 and PKCS#8 keys, as text, with \\n escapes, or from PRIVATE_KEY_PATH", () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-settings-"));
    writeFileSync(join(dir, "key.pem"), pkcs8);
    for (const env of [
      { PRIVATE_KEY: pkcs1 },
      { PRIVATE_KEY: pkcs8 },
      { PRIVATE_KEY: pkcs1.replaceAll("\n", "\\n") },
      { PRIVATE_KEY: Buffer.from(pkcs8).toString("base64") },
      { PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: join(dir, "key.pem") },
    ]) {
      const settings = parseSettings({ ...minimal, ...env });
      expect(settings.privateKey).toMatch(/^-----BEGIN (RSA )?PRIVATE KEY-----\n/);
    }
  });

  it("refuses a key that is not RSA", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    expect(problems({ ...minimal, PRIVATE_KEY: ec as string })).toMatch(
      /PRIVATE_KEY: holds an ec key; a GitHub App key is RSA/,
    );
  });

  it("says which file PRIVATE_KEY_PATH could not read", () => {
    expect(
      problems({ ...minimal, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: "/nonexistent/key.pem" }),
    ).toMatch(/PRIVATE_KEY_PATH: \/nonexistent\/key.pem is unreadable \(ENOENT\)/);
  });

  it("sets the HTTP timeouts, and refuses a headers timeout longer than the request timeout", () => {
    expect(parseSettings(minimal).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
    });
    expect(problems({ ...minimal, HTTP_HEADERS_TIMEOUT_MS: "40000" })).toMatch(
      /HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS \(30000\)/,
    );
    expect(problems({ ...minimal, HTTP_REQUEST_TIMEOUT_MS: "0" })).toMatch(/HTTP_REQUEST_TIMEOUT_MS:/);
  });

  it("points the API at GitHub Enterprise Server when GHE_HOST is set", () => {
    expect(parseSettings(minimal).baseUrl).toBeUndefined();
    expect(parseSettings({ ...minimal, GHE_HOST: "github.acme.test" }).baseUrl).toBe(
      "https://github.acme.test/api/v3",
    );
    expect(parseSettings({ ...minimal, GHE_HOST: "ghe.acme.test:8080", GHE_PROTOCOL: "http" }).baseUrl).toBe(
      "http://ghe.acme.test:8080/api/v3",
    );
  });

  it("renders by default with kubectl and helm from PATH, takes explicit paths and limits, and can be turned off", () => {
    expect(parseSettings(minimal).render).toEqual({
      kubectl: undefined,
      helm: undefined,
      timeoutMs: 30_000,
      memoryMb: 1024,
    });
    expect(
      parseSettings({
        ...minimal,
        FERRY_KUBECTL: "/opt/bin/kubectl",
        FERRY_HELM: "/opt/bin/helm",
        FERRY_RENDER_TIMEOUT_MS: "5000",
        FERRY_RENDER_MEMORY_MB: "512",
      }).render,
    ).toEqual({ kubectl: "/opt/bin/kubectl", helm: "/opt/bin/helm", timeoutMs: 5000, memoryMb: 512 });
    expect(parseSettings({ ...minimal, FERRY_RENDER: "off" }).render).toBeUndefined();
    expect(() => parseSettings({ ...minimal, FERRY_RENDER_MEMORY_MB: "64" })).toThrowError(
      /FERRY_RENDER_MEMORY_MB/,
    );
  });

  it("reads cluster secrets and rejects a malformed list", () => {
    expect(parseSettings({ ...minimal, FERRY_CLUSTER_SECRETS: "a=x, b=y" }).clusterSecrets).toEqual(
      new Map([
        ["a", "x"],
        ["b", "y"],
      ]),
    );
    expect(() => parseSettings({ ...minimal, FERRY_CLUSTER_SECRETS: "a" })).toThrowError(/name=secret/);
  });

  it("rejects an invalid port and log level with the variable's name", () => {
    expect(() => parseSettings({ ...minimal, PORT: "http" })).toThrowError(/PORT:/);
    expect(() => parseSettings({ ...minimal, LOG_LEVEL: "loud" })).toThrowError(/LOG_LEVEL:/);
  });

  it("reads TUF mirrors and their root.json files in order, and refuses a count that does not match", () => {
    expect(parseSettings(minimal).provenance.tuf).toBeUndefined();
    const tuf = parseSettings({
      ...minimal,
      FERRY_TUF_MIRROR: "https://tuf.acme.test/, https://tuf2.acme.test",
      FERRY_TUF_ROOT: "/roots/a.json,/roots/b.json",
      FERRY_TUF_CACHE: "/var/cache/ferry-tuf",
    }).provenance.tuf;
    expect(tuf).toEqual({
      mirrors: [
        { url: "https://tuf.acme.test", rootPath: "/roots/a.json" },
        { url: "https://tuf2.acme.test", rootPath: "/roots/b.json" },
      ],
      cachePath: "/var/cache/ferry-tuf",
      refreshMs: 3_600_000,
    });
    expect(
      problems({ ...minimal, FERRY_TUF_MIRROR: "https://a.test,https://b.test", FERRY_TUF_ROOT: "/r.json" }),
    ).toMatch(/FERRY_TUF_ROOT: names 1 root.json files for 2 FERRY_TUF_MIRROR entries/);
    expect(problems({ ...minimal, FERRY_TUF_MIRROR: "file:///etc/tuf" })).toMatch(/FERRY_TUF_MIRROR/);
  });
});
