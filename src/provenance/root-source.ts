import { readFileSync, statSync } from "node:fs";
import { parseTrustedRoots, type TrustRoot } from "./trust-roots.js";

export type RootsAnswer = { ok: true; roots: TrustRoot[] } | { ok: false; reason: string };

/**
 * The trusted roots in FERRY_TRUSTED_ROOTS (`gh attestation trusted-root` output), re-read
 * when the file changes. A bad or vanished file keeps the last good roots in use; with none
 * ever read, every check fails closed with the reason.
 */
export class TrustedRootFile {
  #good: { roots: TrustRoot[]; mtimeMs: number } | undefined;
  #problem: string | undefined;

  constructor(private readonly path: string | undefined) {}

  current(): RootsAnswer {
    if (this.path === undefined)
      return {
        ok: false,
        reason:
          "Ferry has no trusted Sigstore root to verify attestations with: set FERRY_TRUSTED_ROOTS to a file holding the output of `gh attestation trusted-root`",
      };
    this.#reload(this.path);
    if (this.#good) return { ok: true, roots: this.#good.roots };
    return { ok: false, reason: `Ferry has no trusted Sigstore root: ${this.#problem}` };
  }

  #reload(path: string): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch (error) {
      this.#problem = `FERRY_TRUSTED_ROOTS (${path}) cannot be read: ${(error as Error).message}`;
      return;
    }
    if (this.#good && this.#good.mtimeMs === mtimeMs) return;
    const parsed = parseTrustedRoots(readFileSync(path, "utf8"));
    if (parsed.ok) this.#good = { roots: parsed.value, mtimeMs };
    else this.#problem = `FERRY_TRUSTED_ROOTS (${path}): ${parsed.errors}`;
  }
}
