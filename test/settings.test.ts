import { describe, expect, it } from "vitest";
import { parseSettings } from "../src/settings.js";

const minimal = { APP_ID: "42", PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\n…", WEBHOOK_SECRET: "s" };

describe("parseSettings", () => {
  it("stops start-up naming every missing variable and what it is", () => {
    expect(() => parseSettings({})).toThrowError(
      /APP_ID: is not set \(the numeric App ID from the app's settings page\)[\s\S]*WEBHOOK_SECRET: is not set/,
    );
  });

  it("asks for a private key when neither PRIVATE_KEY nor PRIVATE_KEY_PATH is set", () => {
    expect(() => parseSettings({ APP_ID: "42", WEBHOOK_SECRET: "s" })).toThrowError(
      /PRIVATE_KEY: set PRIVATE_KEY \(the PEM text\) or PRIVATE_KEY_PATH/,
    );
  });

  it("says which file PRIVATE_KEY_PATH could not read", () => {
    expect(() =>
      parseSettings({ ...minimal, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: "/nonexistent/key.pem" }),
    ).toThrowError(/PRIVATE_KEY_PATH \/nonexistent\/key.pem is unreadable/);
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
});
