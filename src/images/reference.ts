import type { Result } from "../findings.js";

/**
 * A container image reference, parsed per the distribution reference grammar
 * (github.com/distribution/reference, `reference.go` and `normalize.go`).
 */
export interface ImageReference {
  /** Registry host (and port), normalised: Docker Hub is `docker.io`. */
  registry: string;
  /** Repository path; Docker Hub official images get `library/` (e.g. `library/nginx`). */
  repository: string;
  tag?: string;
  /** `algorithm:hex`, e.g. `sha256:…`. */
  digest?: string;
  /** `registry/repository`, the normalised name used to compare images. */
  name: string;
}

export const dockerHub = "docker.io";
const maxNameLength = 255;

// Grammar pieces, from distribution/reference regexp.go.
const alphaNumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const host = `(?:${domainName}|${ipv6})`;
const domain = `${host}(?::[0-9]+)?`;

const pathRe = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const domainRe = new RegExp(`^${domain}$`);
const tagRe = /^[\w][\w.-]{0,127}$/;
const digestRe = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const anchoredHex64 = /^[a-f0-9]{64}$/;
const digestHexLength: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/**
 * Parses `[registry[:port]/]path[:tag][@digest]`, normalising Docker Hub names the way
 * `docker pull` does. An invalid reference is an error with a reason, never a guess.
 */
export function parseImageReference(text: string): Result<ImageReference, string> {
  const fail = (reason: string): Result<ImageReference, string> => ({
    ok: false,
    errors: `invalid image reference "${text}": ${reason}`,
  });
  if (text.length === 0) return fail("it is empty");
  if (text !== text.trim()) return fail("it has leading or trailing whitespace");

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestRe.test(digest)) return fail(`digest "${digest}" is not algorithm:hex (e.g. sha256:<64 hex>)`);
    const [algorithm, hex = ""] = digest.split(":");
    const expected = algorithm === undefined ? undefined : digestHexLength[algorithm];
    if (expected !== undefined && hex.length !== expected) {
      return fail(`a ${algorithm} digest has ${expected} hex characters, not ${hex.length}`);
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagRe.test(tag)) {
      return fail(`tag "${tag}" must be 1-128 of letters, digits, _ . - and not start with . or -`);
    }
  }
  if (rest.length === 0) return fail("the name is empty");
  if (rest.length > maxNameLength) return fail(`the name is longer than ${maxNameLength} characters`);

  // As in normalize.go: the first component is a registry only if it looks like a host.
  const slash = rest.indexOf("/");
  const first = slash < 0 ? "" : rest.slice(0, slash);
  const hasRegistry =
    slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost" || hasUpper(first));
  let registry = hasRegistry ? first : dockerHub;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  if (hasRegistry && !domainRe.test(registry))
    return fail(`registry "${registry}" is not a valid host[:port]`);
  if (hasUpper(repository)) return fail("repository name must be lowercase");
  if (!pathRe.test(repository)) {
    return fail(
      `repository "${repository}" must be lowercase path components of letters and digits separated by . _ __ or -`,
    );
  }
  if (registry === "index.docker.io") registry = dockerHub;
  if (registry === dockerHub && !repository.includes("/")) {
    if (anchoredHex64.test(repository)) return fail("a 64-character hex string is an image ID, not a name");
    repository = `library/${repository}`;
  }
  const ref: ImageReference = { registry, repository, name: `${registry}/${repository}` };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return { ok: true, value: ref };
}

/** The fully-qualified form: `registry/repository[:tag][@digest]`. */
/** Whether `tag` is a valid image tag: 1-128 of letters, digits, `_`, `.`, `-`, not starting with `.` or `-`. */
export function isImageTag(tag: string): boolean {
  return tagRe.test(tag);
}

export function formatImageReference(ref: Pick<ImageReference, "name" | "tag" | "digest">): string {
  return `${ref.name}${ref.tag === undefined ? "" : `:${ref.tag}`}${ref.digest === undefined ? "" : `@${ref.digest}`}`;
}

/** The shortest familiar form, as `docker` prints it: `nginx:1.25` rather than `docker.io/library/nginx:1.25`. */
export function familiarName(ref: Pick<ImageReference, "registry" | "repository">): string {
  if (ref.registry !== dockerHub) return `${ref.registry}/${ref.repository}`;
  return ref.repository.startsWith("library/") ? ref.repository.slice("library/".length) : ref.repository;
}

/**
 * Whether two references name the same image repository, ignoring tag and digest
 * (`nginx` and `docker.io/library/nginx:1.25` are the same image). Invalid references match nothing.
 */
export function sameImage(a: string, b: string): boolean {
  const left = normalisedName(a);
  return left !== undefined && left === normalisedName(b);
}

/** The normalised `registry/repository` of a reference, or undefined when it is invalid. */
export function normalisedName(text: string): string | undefined {
  const parsed = parseImageReference(text);
  return parsed.ok ? parsed.value.name : undefined;
}

function hasUpper(text: string): boolean {
  return text !== text.toLowerCase();
}
