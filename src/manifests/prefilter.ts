import { dockerHub, type ImageReference } from "../images/reference.js";

/**
 * Whether `text` may name the image; false means it certainly does not, so the file need not be
 * parsed. Every layout Ferry reads spells the image's repository path (without its registry, and
 * without `library/` for Docker Hub's official images: `nginx`, `library/nginx` and
 * `docker.io/library/nginx` all contain `nginx`) as a whole word: not inside a longer name, so
 * `ghcr.io/acme/api` is not matched by `apiVersion` or `ghcr.io/acme/api-report`. Two spellings
 * need more: a Helm values map or Argo CD parameters may split the path across a `registry` key
 * (`registry: ghcr.io/acme`, `repository: api`), so a trailing part of the path counts where the
 * text says `registry`; and a double-quoted scalar may spell any character as an escape, so text
 * with a backslash is always read.
 */
export function mayNameImage(text: string, image: Pick<ImageReference, "registry" | "repository">): boolean {
  if (text.includes("\\")) return true;
  const path =
    image.registry === dockerHub && image.repository.startsWith("library/")
      ? image.repository.slice("library/".length)
      : image.repository;
  if (containsWord(text, path)) return true;
  if (!path.includes("/") || !text.includes("registry")) return false;
  for (let slash = path.indexOf("/"); slash >= 0; slash = path.indexOf("/", slash + 1)) {
    if (containsWord(text, path.slice(slash + 1))) return true;
  }
  return false;
}

/** `word` in `text` with no name character (letter, digit, `.`, `_`, `-`) on either side, nor `/` after. */
function containsWord(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (!isNameChar(text.charCodeAt(at - 1)) && !isNameChar(text.charCodeAt(at + word.length), true))
      return true;
  }
  return false;
}

function isNameChar(code: number, orSlash = false): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2e || // .
    code === 0x5f || // _
    code === 0x2d || // -
    (orSlash && code === 0x2f) // /
  );
}
