import { TrustedRoot } from "@sigstore/protobuf-specs";
import { getTrustedRoot } from "@sigstore/tuf";
import type { RootsAnswer } from "./root-source.js";
import { parseTrustedRoots, type TrustRoot } from "./trust-roots.js";

/** A TUF repository that publishes `trusted_root.json`, and the root.json to start trusting it from. */
export interface TufMirror {
  url: string;
  /** Initial root.json; without it only a mirror @sigstore/tuf carries a seed for (public good) works. */
  rootPath?: string | undefined;
}

export interface TufRootsOptions {
  mirrors: readonly TufMirror[];
  /** Where the TUF client keeps verified metadata (root rotations survive restarts). */
  cachePath: string;
}

/**
 * Trusted roots followed over TUF: each mirror's `trusted_root.json`, verified by @sigstore/tuf
 * against the mirror's signed metadata (root → timestamp → snapshot → targets). A refresh that
 * fails keeps that mirror's last good root; a mirror never fetched contributes none, and with no
 * root at all every check fails closed with the reasons.
 */
export class TufRoots {
  readonly #good = new Map<string, TrustRoot[]>();
  readonly #problems = new Map<string, string>();

  constructor(private readonly options: TufRootsOptions) {
    for (const m of options.mirrors) this.#problems.set(m.url, "not fetched yet");
  }

  /** Fetches every mirror once; never throws (a failure is kept as the mirror's problem). */
  async refresh(): Promise<void> {
    await Promise.all(
      this.options.mirrors.map(async (mirror) => {
        try {
          const root = await getTrustedRoot({
            mirrorURL: mirror.url,
            cachePath: this.options.cachePath,
            ...(mirror.rootPath ? { rootPath: mirror.rootPath } : {}),
            retry: false,
            timeout: 10_000,
          });
          const parsed = parseTrustedRoots(JSON.stringify(TrustedRoot.toJSON(root)));
          if (!parsed.ok) throw new Error(parsed.errors);
          this.#good.set(mirror.url, parsed.value);
          this.#problems.delete(mirror.url);
        } catch (error) {
          this.#problems.set(
            mirror.url,
            `trusted_root.json could not be fetched and verified (${describe(error)})`,
          );
        }
      }),
    );
  }

  /** Refreshes now, then every `intervalMs`; `stop` ends it. The first refresh is awaited. */
  async start(intervalMs: number): Promise<{ stop(): void }> {
    await this.refresh();
    const timer = setInterval(() => void this.refresh(), intervalMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  current(): RootsAnswer {
    const roots = this.options.mirrors.flatMap((m) => this.#good.get(m.url) ?? []);
    if (roots.length > 0) return { ok: true, roots };
    return { ok: false, reason: `Ferry has no trusted Sigstore root: ${this.problems().join("; ")}` };
  }

  /** Why each failing mirror failed on its last refresh (a mirror with a kept root may be listed). */
  problems(): string[] {
    return [...this.#problems].map(([url, why]) => `TUF mirror ${url}: ${why}`);
  }
}

/** Several root sources as one: the roots of every source that has some; fails closed when none has. */
export class CombinedRoots {
  constructor(private readonly sources: readonly { current(): RootsAnswer }[]) {}

  current(): RootsAnswer {
    const answers = this.sources.map((s) => s.current());
    const roots = answers.flatMap((a) => (a.ok ? a.roots : []));
    if (roots.length > 0) return { ok: true, roots };
    return { ok: false, reason: answers.map((a) => (a.ok ? "" : a.reason)).join("; ") };
  }
}

/** @sigstore/tuf wraps tuf-js's error (a bad hash, signature or expiry) as `cause`: both say what failed. */
function describe(error: unknown): string {
  const e = error as Error & { code?: string };
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
  return `${e.code ? `${e.code}, ` : ""}${e.message}${cause}`;
}
