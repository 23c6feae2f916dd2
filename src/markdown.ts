/**
 * Untrusted text into GitHub-flavoured markdown: everything Ferry writes to a PR body, comment,
 * issue or check run goes through one of these when any part of it came from outside (webhook
 * payloads, agent reports, comments, repository files). GitHub links `@mentions`, `#refs`, bare
 * URLs and e-mail addresses in rendered text (after markdown, so a backslash does not stop them);
 * a zero-width space around `@`, after `#` and in `://` / `www.` breaks those patterns and is
 * invisible to readers.
 */

const zwsp = "\u200b";

/** Line breaks, tabs and other control characters: each ends or bends a markdown line. */
const controls = /[\p{Cc}\u2028\u2029]+/gu;

/**
 * `text` as one inline code span, shown verbatim: the fence is longer than any run of backticks
 * inside, and line breaks become spaces (a code span cannot stop a new line from starting a
 * heading or ending a table row). Inside a table cell, pass the result through `tableCell`.
 */
export function codeSpan(text: string): string {
  const flat = text.replace(controls, " ");
  if (flat.length === 0) return "` `";
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  // A space on both sides keeps a leading or trailing backtick (or space) from merging into the fence.
  const pad = /^[` ]|[` ]$/.test(flat) ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * `text` as plain inline text: no emphasis, code, links, images, HTML, entities, mentions, issue
 * references, autolinks, math, headings, lists, quotes or table cells. Whitespace runs (line
 * breaks included) become one space, so the text stays on the line it was put on.
 */
export function plainText(text: string): string {
  const flat = text.replace(controls, " ").replace(/\s+/g, " ").trim();
  const escaped = flat
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]{}|~$#]/g, (c) => `\\${c}`)
    .replace(/@(?=[\p{L}\p{N}_-])/gu, `${zwsp}@${zwsp}`)
    .replace(/#(?=[\p{L}\p{N}_-])/gu, `#${zwsp}`)
    .replace(/:\/\//g, `:${zwsp}//`)
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}${zwsp}.`);
  // At the start of a line these open a list, a setext underline or an ordered list item.
  return escaped.replace(/^([-+=])/, "\\$1").replace(/^(\d{1,9})([.)])(?=\s|$)/, "$1\\$2");
}

/** Markdown for one table cell: an unescaped pipe would end the cell. */
export function tableCell(markdown: string): string {
  return markdown.replace(/\|/g, "\\|");
}

/**
 * `text` as a fenced code block, shown verbatim line by line (release notes, say): the fence is
 * longer than any backtick run inside, so no line of the text can close it, and nothing in it is
 * read as markdown, HTML, a link or a mention.
 */
export function codeBlock(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").replace(/[\p{Cc}\u2028\u2029]/gu, (c) => (c === "\n" ? c : " "));
  const longest = Math.max(2, ...(lines.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${lines}\n${fence}`;
}

/**
 * A message written as markdown, for a place that shows plain text (check-run annotations): code
 * spans lose their backticks, which would otherwise show literally.
 */
export function plainMessage(markdown: string): string {
  return markdown.replace(/(`+)(?!`)(.+?)(?<!`)\1(?!`)/g, (_m, _fence: string, inner: string) =>
    /^ .* $/.test(inner) ? inner.slice(1, -1) : inner,
  );
}

/**
 * `url` as a link destination when it is https on `host` (the GitHub that sent the event, e.g.
 * `github.com` or a GHES host), else undefined. Given an origin instead (`http://ghe.internal`,
 * the GitHub Ferry itself talks to), the URL must have exactly that scheme and host. Characters
 * markdown could read as the end of the destination or the start of more markup are
 * percent-encoded.
 */
export function safeUrl(url: string | undefined, host: string | undefined): string | undefined {
  if (url === undefined || host === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const origin = host.includes("://") ? URL.parse(host) : undefined;
  const protocol = origin?.protocol ?? "https:";
  const wanted = origin?.host ?? host;
  if (parsed.protocol !== protocol || parsed.host.toLowerCase() !== wanted.toLowerCase()) return undefined;
  if (parsed.username || parsed.password) return undefined;
  return parsed.href.replace(
    /[\s()[\]<>"'`\\|@]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

/** The host of an https URL (e.g. a repository's `html_url`), or undefined. */
export function httpsHost(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" ? parsed.host : undefined;
  } catch {
    return undefined;
  }
}

/** `[text](url)` when the URL is safe (see `safeUrl`), else the text alone. `text` is markdown. */
export function link(text: string, url: string | undefined, host: string | undefined): string {
  const href = safeUrl(url, host);
  return href === undefined ? text : `[${text}](${href})`;
}
