/**
 * Artifact attestations: `GET /repos/{owner}/{repo}/attestations/{subject_digest}` (cursor
 * paging with `after`), `POST /orgs/{org}/attestations/bulk-list`, and each bundle's
 * `bundle_url`, which GitHub serves from storage outside the API, unauthenticated and
 * snappy-compressed. A GitHub Enterprise Server has none of them.
 */
import snappy from "snappyjs";
import { HttpError } from "../errors.js";
import { type Ctx, routes } from "../router.js";

export interface StoredAttestation {
  id: number;
  repo: string;
  repositoryId: number;
  digest: string;
  bundle: object;
  /** false: listed with `bundle_url` only, as GitHub does for large or older bundles. */
  inline: boolean;
}

export class AttestationStore {
  readonly entries: StoredAttestation[] = [];
  /** Every `bundle_url` download, with the Authorization header it carried (it must carry none). */
  readonly downloads: { id: number; authorization: string | undefined }[] = [];
  #nextId = 1;

  add(entry: Omit<StoredAttestation, "id">): StoredAttestation {
    const stored = { ...entry, id: this.#nextId++ };
    this.entries.push(stored);
    return stored;
  }

  /** `GET /attestation-bundles/{id}`: the snappy-compressed bundle, or undefined. */
  download(id: number, authorization: string | undefined): Buffer | undefined {
    this.downloads.push({ id, authorization });
    const entry = this.entries.find((e) => e.id === id);
    return entry ? Buffer.from(snappy.compress(Buffer.from(JSON.stringify(entry.bundle)))) : undefined;
  }
}

export const bundlePathPrefix = "/attestation-bundles/";

function json(ctx: Ctx, e: StoredAttestation) {
  return {
    ...(e.inline ? { bundle: e.bundle } : {}),
    repository_id: e.repositoryId,
    bundle_url: `${ctx.state.origin}${bundlePathPrefix}${e.id}`,
  };
}

export function attestationRoutes(store: AttestationStore) {
  return routes({
    "GET /repos/{owner}/{repo}/attestations/{subject_digest}": (ctx) => {
      const repo = ctx.repo();
      const all = store.entries.filter(
        (e) => e.repo === repo.fullName.toLowerCase() && e.digest === ctx.params.subject_digest,
      );
      // GitHub answers 404, not an empty list, for a digest it knows no attestation of.
      if (all.length === 0) throw new HttpError(404, "Not Found");
      const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page") ?? 30) || 30));
      const start = Number(ctx.query.get("after") ?? 0) || 0;
      const page = all.slice(start, start + perPage);
      const headers: Record<string, string> = {};
      if (start + perPage < all.length) {
        const q = new URLSearchParams(ctx.query);
        q.set("after", String(start + perPage));
        headers.link = `<${ctx.state.apiUrl}${ctx.path}?${q.toString()}>; rel="next"`;
      }
      return { body: { attestations: page.map((e) => json(ctx, e)) }, headers };
    },
    "POST /orgs/{org}/attestations/bulk-list": (ctx) => {
      const digests = ctx.body.subject_digests;
      if (!Array.isArray(digests) || digests.length === 0)
        throw new HttpError(422, 'Invalid request.\n\n"subject_digests" wasn\'t supplied.');
      const org = ctx.params.org.toLowerCase();
      const found: Record<string, ReturnType<typeof json>[] | null> = {};
      for (const digest of digests) {
        const list = store.entries.filter((e) => e.digest === digest && e.repo.startsWith(`${org}/`));
        found[digest] = list.length ? list.map((e) => json(ctx, e)) : null;
      }
      return {
        body: { attestations_subject_digests: found, page_info: { has_next: false, has_previous: false } },
      };
    },
  });
}
