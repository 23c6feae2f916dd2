import {
  createPublicKey,
  createSign,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  verify,
} from "node:crypto";
import { HttpError } from "./errors.js";

export interface AppKeyPair {
  /** PKCS#1 PEM, the format GitHub hands out and Probot's PRIVATE_KEY expects. */
  privateKey: string;
  publicKey: string;
}

/** A fresh RSA key pair for a test app (2048 bits: what GitHub issues; takes ~50 ms). */
export function generateAppKeyPair(): AppKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { privateKey, publicKey };
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");

/** Signs an app JWT the way GitHub documents (RS256, iat 60 s in the past, exp ≤ 10 min). */
export function signAppJwt(
  appId: number | string,
  privateKey: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const payload = b64url(JSON.stringify({ iat: nowSeconds - 60, exp: nowSeconds + 540, iss: appId }));
  const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

/** Verifies an app JWT: RS256 with the app's key, iss = app id, not expired, exp ≤ iat + 10 min. */
export function verifyAppJwt(
  jwt: string,
  publicKey: KeyObject,
  appId: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): void {
  const parts = jwt.split(".");
  const [h, p, sig] = parts;
  if (parts.length !== 3 || !h || !p || !sig)
    throw new HttpError(401, "A JSON web token could not be decoded");
  let header: { alg?: string };
  let payload: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  } catch {
    throw new HttpError(401, "A JSON web token could not be decoded");
  }
  if (header.alg !== "RS256") throw new HttpError(401, "A JSON web token could not be decoded");
  if (!verify("RSA-SHA256", Buffer.from(`${h}.${p}`), publicKey, Buffer.from(sig, "base64url")))
    throw new HttpError(401, "A JSON web token could not be decoded");
  if (String(payload.iss) !== String(appId))
    throw new HttpError(401, "Issuer claim ('iss') must be the app id");
  const iat = Number(payload.iat);
  const exp = Number(payload.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp))
    throw new HttpError(401, "'Issued at' claim ('iat') is missing");
  if (exp <= nowSeconds)
    throw new HttpError(
      401,
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    );
  if (iat > nowSeconds + 60)
    throw new HttpError(
      401,
      "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    );
  if (exp - iat > 660) throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future");
}

export function toPublicKey(key: { publicKey?: string; privateKey?: string }): KeyObject {
  const pem = key.publicKey ?? key.privateKey;
  if (!pem) throw new Error("startGitHubServer needs publicKey or privateKey");
  return createPublicKey(pem);
}

/** Whose token it is: an app's installation (acting as its bot), or a user (a personal access token). */
export type TokenOwner = { appId: number } | { login: string };

type TokenRecord = TokenOwner & { expiresAt: number };

/**
 * Installation tokens (`ghs_`, one hour by default, like GitHub's) and personal access tokens
 * (`ghp_`, no expiry). Expiry is judged on the store's clock, which a test may move.
 */
export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  issue(owner: TokenOwner, ttlMs = this.ttlMs): { token: string; expires_at: string } {
    const user = "login" in owner;
    const token = `${user ? "ghp" : "ghs"}_${randomBytes(18).toString("base64url")}`;
    const expiresAt = user ? Number.POSITIVE_INFINITY : this.clock() + ttlMs;
    this.tokens.set(token, { ...owner, expiresAt });
    const iso = user ? "" : new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z");
    return { token, expires_at: iso };
  }

  /** Returns the token's owner, or throws GitHub's 401. */
  check(authorization: string | undefined): TokenOwner {
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? "");
    const record = m?.[1] ? this.tokens.get(m[1]) : undefined;
    if (!record || record.expiresAt <= this.clock()) throw new HttpError(401, "Bad credentials");
    return record;
  }

  /** Test hook: make every issued token expire now. */
  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  get size(): number {
    return this.tokens.size;
  }
}

export function bearer(authorization: string | undefined): string | undefined {
  return /^bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
}
