/**
 * Git repository URLs as Argo CD and Flux hold them, compared by what they point at. The same
 * repository may be written `https://github.com/Acme/Deploy`, `https://github.com/acme/deploy.git/`,
 * `ssh://git@github.com:22/acme/deploy.git`, `git@github.com:acme/deploy` or `acme/deploy`.
 */

const ownerRepoPattern = /^[\w.-]+\/[\w.-]+$/;

/** `host/path` (or just `path`), lower-case, without scheme, user, port, `.git` or slashes at the end. */
export function repoPath(url: string): string {
  return path(url).toLowerCase();
}

/** `owner/repo` of a repository URL or name (its last two path segments), lower-case, or undefined. */
export function ownerRepo(urlOrName: string): string | undefined {
  return lastTwo(repoPath(urlOrName));
}

/**
 * The `owner/repo` that a ferry.dev/config-repo annotation or FERRY_CONFIG_REPO names, in the case
 * it was written (GitHub ignores case). A URL is reduced to its owner/repo; anything else is
 * undefined.
 */
export function configRepoName(text: string | undefined): string | undefined {
  const value = text?.trim();
  if (value === undefined || value === "") return undefined;
  return ownerRepoPattern.test(value) ? value : lastTwo(path(value));
}

/** Whether a repository URL points at the config repo `owner/repo` (case-insensitive). */
export function isRepo(url: string | undefined, configRepo: string): boolean {
  return url !== undefined && ownerRepo(url) === configRepo.toLowerCase();
}

/** A repository URL fit to show: any `user:password@` or token before the host removed. */
export function shownUrl(url: string): string {
  return url.trim().replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, "$1");
}

function path(url: string): string {
  let rest = url.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest); // https://, ssh://, git+ssh://, git://
  if (scheme) rest = rest.slice(scheme[0].length);
  rest = rest.replace(/^[^@/]*@/, ""); // git@, user:token@
  // With a scheme: host:port/owner/repo. Without: scp-like host:owner/repo.
  rest = scheme ? rest.replace(/^([^/:]+):\d*\//, "$1/") : rest.replace(/^([^/:]+):/, "$1/");
  return rest
    .replace(/\/+$/, "")
    .replace(/\.git$/i, "")
    .replace(/\/+$/, "");
}

function lastTwo(path: string): string | undefined {
  const parts = path.split("/").filter(Boolean);
  const name = parts.slice(-2).join("/");
  return parts.length >= 2 && ownerRepoPattern.test(name) ? name : undefined;
}
