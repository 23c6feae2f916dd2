import snappy from "snappyjs";
import { isGitHubTrouble } from "./failure.js";
import { hasStatus, type Octokit, type RepoRef } from "./repo-client.js";

/** One attestation as GitHub lists it: the Sigstore bundle inline, or only a URL to fetch it from. */
export interface AttestationEntry {
  bundle?: unknown;
  bundleUrl?: string;
  repositoryId?: number;
}

export type AttestationList =
  | { kind: "found"; entries: AttestationEntry[] }
  /** GitHub knows no attestation for the digest (yet: the attest step may still be running). */
  | { kind: "none" }
  /** This GitHub serves no attestations at all: GitHub Enterprise Server. */
  | { kind: "unavailable"; reason: string };

export const enterpriseReason =
  "GitHub Enterprise Server has no artifact attestations API, so Ferry cannot check build provenance here; set provenance: off for this app (see docs/provenance.md)";

/** At most this many pages of 100: a digest with more attestations than that is not a build's. */
const maxPages = 3;

/**
 * `GET /repos/{owner}/{repo}/attestations/{subject_digest}` for build provenance, following
 * the cursor. GitHub answers 404 for a digest it knows no attestation of; an Enterprise Server
 * answers 404 too, and says what it is in `x-github-enterprise-version`.
 */
export async function listAttestations(
  octokit: Octokit,
  repo: RepoRef,
  digest: string,
): Promise<AttestationList> {
  const entries: AttestationEntry[] = [];
  let after: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    let response: Awaited<ReturnType<Octokit["rest"]["repos"]["listAttestations"]>>;
    try {
      response = await octokit.rest.repos.listAttestations({
        ...repo,
        subject_digest: digest,
        predicate_type: "provenance",
        per_page: 100,
        ...(after ? { after } : {}),
      });
    } catch (error) {
      if (hasStatus(error, 404)) return notFound(error, entries);
      if (lacksPermission(error)) return { kind: "unavailable", reason: permissionReason(repo) };
      throw error;
    }
    entries.push(...toEntries(response.data.attestations));
    after = nextCursor(response.headers.link);
    if (!after) break;
  }
  return entries.length ? { kind: "found", entries } : { kind: "none" };
}

/**
 * `POST /orgs/{org}/attestations/bulk-list`: the attestations of several digests in one
 * request (per page of 100 digests). Digests GitHub knows nothing of come back empty.
 */
export async function listAttestationsBulk(
  octokit: Octokit,
  org: string,
  digests: readonly string[],
): Promise<Map<string, AttestationList>> {
  const found = new Map<string, AttestationList>(digests.map((d) => [d, { kind: "none" }]));
  try {
    const { data } = await octokit.rest.orgs.listAttestationsBulk({
      org,
      subject_digests: [...digests],
      predicate_type: "provenance",
      per_page: 100,
    });
    for (const [digest, list] of Object.entries(data.attestations_subject_digests ?? {})) {
      const entries = toEntries(list ?? []);
      if (entries.length && found.has(digest)) found.set(digest, { kind: "found", entries });
    }
  } catch (error) {
    if (!hasStatus(error, 404)) throw error;
    const answer = notFound(error, []);
    if (answer.kind === "unavailable") for (const d of digests) found.set(d, answer);
    else throw error;
  }
  return found;
}

/** A 403 that is not a rate limit: the installation has not granted `attestations: read`. */
function lacksPermission(error: unknown): boolean {
  return hasStatus(error, 403) && !isGitHubTrouble(error);
}

function permissionReason(repo: RepoRef): string {
  return `GitHub refused Ferry the attestations of ${repo.owner}/${repo.repo}: the installation lacks the Attestations (read) permission; an owner of the installation must accept Ferry's updated permissions (docs/github-app.md)`;
}

function notFound(error: unknown, entries: AttestationEntry[]): AttestationList {
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers ?? {};
  if (headers["x-github-enterprise-version"] !== undefined)
    return { kind: "unavailable", reason: enterpriseReason };
  return entries.length ? { kind: "found", entries } : { kind: "none" };
}

function toEntries(list: { bundle?: unknown; bundle_url?: string; repository_id?: number }[] | undefined) {
  return (list ?? []).map((a) => ({
    ...(a.bundle ? { bundle: a.bundle } : {}),
    ...(typeof a.bundle_url === "string" ? { bundleUrl: a.bundle_url } : {}),
    ...(typeof a.repository_id === "number" ? { repositoryId: a.repository_id } : {}),
  }));
}

function nextCursor(link: string | undefined): string | undefined {
  const next = link?.split(",").find((part) => /rel="next"/.test(part));
  const url = next && /<([^>]+)>/.exec(next)?.[1];
  return url ? (new URL(url).searchParams.get("after") ?? undefined) : undefined;
}

/** A bundle is a few KB; more is not one. */
const maxBundleBytes = 4 << 20;

/**
 * The bundle behind a `bundle_url`: fetched WITHOUT the installation token (the URL is signed
 * storage, and a token sent there would leak), snappy-compressed JSON.
 */
export async function fetchBundle(url: string, fetchFn: typeof fetch = fetch): Promise<unknown> {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    throw new Error(`bundle_url has scheme ${parsed.protocol}`);
  const response = await fetchFn(parsed, { redirect: "follow", signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`bundle_url answered HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > maxBundleBytes) throw new Error("bundle_url sent more than 4 MB");
  const json = Buffer.from(snappy.uncompress(bytes, maxBundleBytes)).toString("utf8");
  return JSON.parse(json) as unknown;
}
