import { createHmac, timingSafeEqual } from "node:crypto";

export const timestampHeader = "x-ferry-timestamp";
export const signatureHeader = "x-ferry-signature";

/** `sha256=<hex>`: HMAC-SHA256 with the cluster secret over `<timestamp>.<body>`. */
export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** Constant-time comparison of a presented signature with the expected one. */
export function verifySignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(sign(secret, timestamp, body));
  const presented = Buffer.from(signature);
  // timingSafeEqual throws on length mismatch; the length of a sha256 hex is public anyway.
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

/** Headers for one delivery; the timestamp is Unix seconds. */
export function signedHeaders(secret: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    "content-type": "application/json",
    "X-Ferry-Timestamp": timestamp,
    "X-Ferry-Signature": sign(secret, timestamp, body),
  };
}
