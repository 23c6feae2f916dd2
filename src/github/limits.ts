/**
 * GitHub's size limits on what Ferry writes, each in the unit GitHub really measures, and helpers
 * that fit text into them. Pure: no I/O. JavaScript's `length` counts UTF-16 units, which is
 * neither: GitHub counts check-run output in bytes of UTF-8 and bodies in characters.
 */

export type SizeUnit = "bytes" | "characters";

export interface SizeLimit {
  max: number;
  unit: SizeUnit;
}

export const githubLimits = {
  /**
   * `output.summary` and `output.text`: "Maximum length: 65535 characters" in GitHub's REST docs
   * and @octokit/openapi-types, but GitHub measures bytes: multi-byte text is refused with 422
   * "summary exceeds a maximum bytesize of 65535" (quoted in github/docs issue 35252).
   */
  checkSummary: { max: 65_535, unit: "bytes" },
  checkText: { max: 65_535, unit: "bytes" },
  /** The run's `name` and `output.title`: GitHub documents no limit; held to the summary's bytes. */
  checkName: { max: 65_535, unit: "bytes" },
  checkTitle: { max: 65_535, unit: "bytes" },
  /**
   * Annotation `message` and `raw_details`: "The maximum size is 64 KB" (@octokit/openapi-types,
   * create/update a check run). Read as the summary's 65,535 bytes, the smaller reading of "64 KB".
   */
  annotationMessage: { max: 65_535, unit: "bytes" },
  annotationRawDetails: { max: 65_535, unit: "bytes" },
  /** Annotation `title`: "The maximum size is 255 characters" (@octokit/openapi-types). */
  annotationTitle: { max: 255, unit: "characters" },
  /**
   * Issue, pull request and comment bodies: 65,536 characters. Not in the REST docs; GitHub answers
   * 422 "body is too long (maximum is 65536 characters)" (field `body` of Issue, PullRequest or
   * IssueComment), counting characters (code points), so an emoji counts once, not twice.
   */
  body: { max: 65_536, unit: "characters" },
} as const satisfies Record<string, SizeLimit>;

/**
 * "The Checks API limits the number of annotations to a maximum of 50 per API request"
 * (@octokit/openapi-types, create/update a check run).
 */
export const annotationsPerRequest = 50;

/** Size of `text` in `unit`: UTF-8 bytes (a lone surrogate is written as U+FFFD, 3 bytes) or code points. */
export function sizeIn(text: string, unit: SizeUnit): number {
  if (unit === "bytes") return Buffer.byteLength(text, "utf8");
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Cheap proof that `text` fits without counting: a UTF-16 unit is at most 3 bytes and at most 1 character. */
function surelyFits(text: string, { max, unit }: SizeLimit): boolean {
  return (unit === "bytes" ? text.length * 3 : text.length) <= max;
}

function codePointSize(codePoint: string, unit: SizeUnit): number {
  if (unit === "characters") return 1;
  const cp = codePoint.codePointAt(0) ?? 0;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

const count = (n: number) => n.toLocaleString("en-US");

function notice(omitted: number, limit: SizeLimit): string {
  return `\n\n… ${count(omitted)} more characters not shown: GitHub takes at most ${count(limit.max)} ${limit.unit} here …\n\n`;
}

/**
 * `text` unchanged when it fits `limit`; else its beginning and end with "… N more characters not
 * shown …" between them. The end is kept because Ferry puts machine-read markers and closing
 * sections last. Cuts fall on line breaks where one is near, and never inside a character (no
 * split multi-byte sequence or surrogate pair).
 */
export function fitText(text: string, limit: SizeLimit): string {
  if (surelyFits(text, limit) || sizeIn(text, limit.unit) <= limit.max) return text;
  const chars = Array.from(text);
  const room = limit.max - sizeIn(notice(chars.length, limit), limit.unit);
  if (room <= 0) return clipText(text, limit);
  let head = takeWhileFits(chars, Math.floor((room * 3) / 4), limit.unit);
  let tail =
    chars.length - takeWhileFits([...chars].reverse(), room - sizeUsed(chars, head, limit.unit), limit.unit);
  head = snapHead(chars, head);
  tail = snapTail(chars, tail);
  return `${chars.slice(0, head).join("")}${notice(tail - head, limit)}${chars.slice(tail).join("")}`;
}

/** For one-line fields (names, titles): `text` cut to fit `limit`, ending in "…". */
export function clipText(text: string, limit: SizeLimit): string {
  if (surelyFits(text, limit) || sizeIn(text, limit.unit) <= limit.max) return text;
  const chars = Array.from(text);
  return `${chars.slice(0, takeWhileFits(chars, limit.max - sizeIn("…", limit.unit), limit.unit)).join("")}…`;
}

/** A comment, issue or pull request body that GitHub accepts. */
export const fitBody = (text: string): string => fitText(text, githubLimits.body);

/** How many leading code points of `chars` fit in `room`. */
function takeWhileFits(chars: readonly string[], room: number, unit: SizeUnit): number {
  let used = 0;
  let n = 0;
  for (const c of chars) {
    const size = codePointSize(c, unit);
    if (used + size > room) break;
    used += size;
    n++;
  }
  return n;
}

function sizeUsed(chars: readonly string[], n: number, unit: SizeUnit): number {
  let used = 0;
  for (let i = 0; i < n; i++) used += codePointSize(chars[i] as string, unit);
  return used;
}

/** End the head after a line break in its last quarter, if there is one. */
function snapHead(chars: readonly string[], head: number): number {
  for (let i = head - 1; i >= Math.floor((head * 3) / 4); i--) if (chars[i] === "\n") return i + 1;
  return head;
}

/** Start the tail after a line break in its first quarter, if there is one. */
function snapTail(chars: readonly string[], tail: number): number {
  const end = tail + Math.floor((chars.length - tail) / 4);
  for (let i = tail; i < end; i++) if (chars[i] === "\n") return i + 1;
  return tail;
}
