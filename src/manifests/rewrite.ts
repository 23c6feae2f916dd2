import { isNode, Scalar } from "yaml";
import type { Finding } from "../findings.js";
import { parseImageReference } from "../images/reference.js";
import { differenceOutsideEdits } from "./confirm.js";
import { applyEdits, endOfLine, lineEnding, minimalChange, startOfLine, type TextEdit } from "./edits.js";
import type { FieldRef } from "./fields.js";
import { type FileScan, type ScanOptions, scanFile } from "./find.js";
import { addImageEntry, isKustomizationPath } from "./kustomize.js";
import { plainReadsAs, scalarSource, valueOffsets } from "./scalar-source.js";
import type { ImageSite, Site, Slot, Source, SourceFile } from "./sites.js";
import { parseYamlFile } from "./yaml-file.js";

/**
 * An edit, and when it replaces bytes inside one scalar of the file itself (not an embedded
 * values string, not an empty value), that scalar and the value it must read as afterwards.
 */
interface Splice extends TextEdit {
  scalar?: { node: Scalar; value: string };
}

/** What the references should pin after the rewrite. */
export interface ImageTarget {
  tag: string;
  digest?: string | undefined;
}

/** A found reference and what it becomes. */
export interface PlannedSite extends ImageSite {
  to: { tag?: string; digest?: string };
  /** Whether the rewrite changes it (false: already current, or it could not be rewritten). */
  changed: boolean;
  /** An `images:` entry Ferry adds to a kustomization that had none (`addToKustomization`). */
  added?: boolean;
}

/** One file's rewrite: the whole text before and after, and the references in it. */
export interface FileRewrite {
  path: string;
  before: string;
  after: string;
  references: PlannedSite[];
}

export interface RewriteOptions extends Omit<ScanOptions, "fields"> {
  target: ImageTarget;
  /** Pin the digest everywhere (environment `digest: required`), not only where one is pinned already. */
  pinDigest?: boolean;
  /** Add an `images:` entry to root kustomization files that have none for the image. */
  addToKustomization?: boolean;
  /** The explicit ferry.yml fields that apply to a file (their `file` glob matched). */
  fieldsFor?: (path: string) => readonly FieldRef[];
  /**
   * The root kustomizations (`rootKustomizations`) of the whole environment, when `files` is only
   * a share of it (a worker's); by default they are found among `files`.
   */
  kustomizationRoots?: readonly string[];
}

export interface RewriteResult {
  /** Files whose text changes; files that fail are absent and have findings instead. */
  changes: FileRewrite[];
  /** Every reference found, changed or not, in file order. */
  references: PlannedSite[];
  findings: Finding[];
}

/**
 * Rewrites the tag/digest of every reference to `options.image` by splicing only the bytes
 * that change, then re-scans each edited file to confirm it now pins exactly what was planned.
 * A file is changed entirely or not at all.
 */
export function rewriteImageReferences(files: readonly SourceFile[], options: RewriteOptions): RewriteResult {
  const result: RewriteResult = { changes: [], references: [], findings: [] };
  const roots = options.addToKustomization
    ? new Set(options.kustomizationRoots ?? rootKustomizations(files.map((f) => f.path)))
    : new Set<string>();
  for (const file of files) {
    const scanOptions: ScanOptions = { ...options, fields: options.fieldsFor?.(file.path) ?? [] };
    const scan = scanFile(file, scanOptions);
    result.findings.push(...scan.findings);
    if (scan.findings.some((f) => f.severity === "error" && f.rule.startsWith("yaml"))) continue;
    const addEntry = roots.has(file.path) && !scan.sites.some((s) => s.info.kind === "kustomize-images");
    const planned = planFile(file, scan, options, addEntry);
    result.findings.push(...planned.findings);
    result.references.push(...planned.references);
    if (planned.after !== undefined && planned.after !== file.text) {
      result.changes.push({
        path: file.path,
        before: file.text,
        after: planned.after,
        references: planned.references.filter((r) => r.changed),
      });
    }
  }
  return result;
}

function planFile(
  file: SourceFile,
  scan: FileScan,
  options: RewriteOptions,
  addEntry: boolean,
): { references: PlannedSite[]; findings: Finding[]; after?: string } {
  const findings: Finding[] = [];
  const references: PlannedSite[] = [];
  const edits: Splice[] = [];
  for (const site of scan.sites) {
    const want = desired(site, options.target, options.pinDigest ?? false);
    const siteEdits = typeof want === "string" ? want : editsFor(site, want, file.text);
    if (typeof siteEdits === "string") {
      findings.push(siteFinding(site.info, siteEdits));
      references.push({ ...site.info, to: pins(site.info.tag, site.info.digest), changed: false });
      continue;
    }
    edits.push(...siteEdits);
    const to = want as { tag?: string; digest?: string };
    references.push({
      ...site.info,
      to,
      changed: to.tag !== site.info.tag || to.digest !== site.info.digest,
    });
  }
  if (addEntry) {
    const added = addedEntry(file, scan, options);
    if (typeof added === "string") {
      findings.push({
        file: file.path,
        line: 1,
        column: 1,
        severity: "error",
        rule: "kustomize",
        message: added,
      });
    } else {
      edits.push(added.edit);
      references.push(added.reference);
    }
  }
  // A file is rewritten whole or not at all: one failing reference leaves every byte as it was.
  if (findings.length > 0) return { references: references.map(unchanged), findings };
  if (edits.length === 0) return { references, findings };
  const after = applyEdits(file.text, edits);
  const problem =
    after === undefined ? "two edits overlap" : confirm(file, scan, after, edits, references, options);
  if (problem !== undefined || after === undefined) {
    findings.push({
      file: file.path,
      line: 1,
      column: 1,
      severity: "error",
      rule: "rewrite",
      message: `rewrite not applied: ${problem}; the file is left as it was`,
    });
    return { references: references.map(unchanged), findings };
  }
  return { references, findings, after };
}

/**
 * What a site should pin. A tag-bearing reference gets the new tag; a digest-only one stays
 * digest-only. A digest is written where one is pinned already or the environment requires it;
 * an old digest is never left beside a new tag.
 */
function desired(site: Site, target: ImageTarget, pin: boolean): { tag?: string; digest?: string } | string {
  const { tag, digest } = site.info;
  const wantsDigest = digest !== undefined || pin;
  if (wantsDigest && target.digest === undefined) {
    return digest !== undefined
      ? `this reference pins a digest (${short(digest)}); the new digest is needed too, or the tag and digest would disagree`
      : "the environment requires a digest, and none was given";
  }
  return pins(
    tag !== undefined || digest === undefined ? target.tag : undefined,
    wantsDigest ? target.digest : undefined,
  );
}

function editsFor(site: Site, want: { tag?: string; digest?: string }, fileText: string): Splice[] | string {
  if (site.reference) {
    const { slot, prefix } = site.reference;
    const name = withoutPins(slot.value.slice(prefix.length));
    const value = `${prefix}${name}${want.tag === undefined ? "" : `:${want.tag}`}${want.digest === undefined ? "" : `@${want.digest}`}`;
    if (value === slot.value) return [];
    const edit = scalarEdit(slot, value, fileText);
    return typeof edit === "string" ? edit : [edit];
  }
  const edits: Splice[] = [];
  for (const part of ["tag", "digest"] as const) {
    const value = want[part];
    if (value === undefined || value === site.info[part]) continue;
    const slot = site[part];
    const owner = site.owner;
    const key = part === "tag" ? owner?.tagKey : owner?.digestKey;
    const edit = slot
      ? scalarEdit(slot, value, fileText)
      : owner && key
        ? insertKey(owner, key, value, fileText)
        : `there is no ${part} key here to write ${short(value)} to; add one (e.g. ${part}: "") if the chart reads it, or list it in ferry.yml fields`;
    if (typeof edit === "string") return edit;
    edits.push(edit);
  }
  return edits;
}

/** Replaces a scalar's value by splicing only the characters that differ. */
function scalarEdit(slot: Slot, value: string, fileText: string): Splice | string {
  const { node, source } = slot;
  const text = source.yaml.text;
  const [start0, end0] = node.range ?? [0, 0];
  if (slot.empty) {
    return toFile(
      source,
      start0,
      end0,
      `${text[start0 - 1] === ":" ? " " : ""}${scalarSource(value)}`,
      fileText,
    );
  }
  const offsets = valueOffsets(node, text);
  if (offsets === undefined) {
    return "this value is written with escapes or folded lines, which Ferry does not edit; write it plainly or quoted";
  }
  const change = minimalChange(slot.value, value);
  const length = slot.value.length;
  let start =
    length === 0 ? offsets(0) : change.start < length ? offsets(change.start) : offsets(length - 1) + 1;
  let end = change.end > change.start ? offsets(change.end - 1) + 1 : start;
  if (text.slice(start, end) !== slot.value.slice(change.start, change.end)) {
    return "this value's source could not be matched character for character";
  }
  let insert = change.insert;
  if (
    node.type === Scalar.PLAIN &&
    !plainReadsAs(text.slice(start0, start) + insert + text.slice(end, end0), value)
  ) {
    // `1.10` or `true` would stop being a string if left plain; quote this one scalar.
    start = start0;
    end = end0;
    insert = JSON.stringify(value);
  }
  const edit = toFile(source, start, end, insert, fileText);
  return typeof edit === "string" || source.embedded ? edit : { ...edit, scalar: { node, value } };
}

/** Adds `key: value` after the last entry of a map, in its own indentation or flow style. */
function insertKey(
  owner: NonNullable<Site["owner"]>,
  key: string,
  value: string,
  fileText: string,
): TextEdit | string {
  const { map, source } = owner;
  const text = source.yaml.text;
  const first = map.items[0];
  const last = map.items[map.items.length - 1];
  const lastNode = isNode(last?.value) ? last.value : isNode(last?.key) ? last.key : undefined;
  const lastEnd = lastNode?.range?.[1];
  const firstStart = isNode(first?.key) ? first.key.range?.[0] : undefined;
  if (lastEnd === undefined || firstStart === undefined) return `cannot add ${key}: the map is empty`;
  const entry = `${key}: ${scalarSource(value)}`;
  if (map.flow) return toFile(source, lastEnd, lastEnd, `, ${entry}`, fileText);
  const at = text[lastEnd - 1] === "\n" ? lastEnd : endOfLine(text, lastEnd);
  const eol = lineEnding(text);
  const lead = at === text.length && !text.endsWith("\n") ? eol : "";
  const indent = " ".repeat(firstStart - startOfLine(text, firstStart));
  return toFile(source, at, at, `${lead}${indent}${entry}${eol}`, fileText);
}

/** Maps an edit from an (embedded) source into the file, refusing what cannot map exactly. */
function toFile(
  source: Source,
  start: number,
  end: number,
  insert: string,
  fileText: string,
): TextEdit | string {
  if (!source.embedded) return { start, end, insert };
  if (/[\r\n]/.test(insert)) {
    return "adding a line inside an embedded values string is not supported; add the key by hand once";
  }
  const fileStart = source.toFile(start);
  const fileEnd = end > start ? (source.toFile(end - 1) ?? Number.NaN) + 1 : fileStart;
  if (
    fileStart === undefined ||
    fileEnd === undefined ||
    fileText.slice(fileStart, fileEnd) !== source.yaml.text.slice(start, end)
  ) {
    return "this value inside the embedded values string could not be located in the file";
  }
  return { start: fileStart, end: fileEnd, insert };
}

function addedEntry(
  file: SourceFile,
  scan: FileScan,
  options: RewriteOptions,
): { edit: TextEdit; reference: PlannedSite } | string {
  const yaml = scan.yaml ?? parseYamlFile(file.path, file.text, options.limits);
  const doc = yaml.documents[0];
  if (yaml.findings.some((f) => f.severity === "error") || doc === undefined || yaml.documents.length > 1) {
    return "cannot add an images: entry: the kustomization is not a single valid YAML document";
  }
  const parsed = parseImageReference(options.image);
  if (!parsed.ok) return parsed.errors;
  const to = pins(
    options.target.tag,
    options.pinDigest || options.target.digest ? options.target.digest : undefined,
  );
  const edit = addImageEntry(file.text, doc, withoutPins(options.image), to);
  if (typeof edit === "string") return `cannot add an images: entry for ${options.image}: ${edit}`;
  // Report the position of the new tag (or digest), as found references do.
  const key = ["newTag:", "digest:", "name:"].map((k) => edit.insert.indexOf(k)).find((i) => i >= 0) ?? 0;
  const upTo = file.text.slice(0, edit.start) + edit.insert.slice(0, key);
  const line = upTo.split("\n").length;
  const column = upTo.length - (upTo.lastIndexOf("\n") + 1) + 1;
  return {
    edit,
    reference: {
      file: file.path,
      line,
      column,
      kind: "kustomize-images",
      path: "images",
      document: 0,
      image: parsed.value.name,
      to,
      changed: true,
      added: true,
    },
  };
}

/**
 * Re-reads the rewritten text: it must parse, pin exactly what was planned in the same places,
 * and differ from the original in nothing but the edited scalars and inserted entries.
 */
function confirm(
  file: SourceFile,
  scan: FileScan,
  after: string,
  edits: readonly Splice[],
  planned: PlannedSite[],
  options: RewriteOptions,
): string | undefined {
  if (edits.every((edit) => scalarReadsAlone(file.text, edit))) return undefined;
  const rescan = scanFile(
    { path: file.path, text: after },
    { ...options, fields: options.fieldsFor?.(file.path) ?? [] },
  );
  const error = rescan.findings.find((f) => f.severity === "error" && f.rule.startsWith("yaml"));
  if (error) return `the result does not read back (${error.line}:${error.column} ${error.message})`;
  if (rescan.sites.length !== planned.length) {
    return `expected ${planned.length} references after the rewrite, found ${rescan.sites.length}`;
  }
  for (const [i, site] of rescan.sites.entries()) {
    const want = planned[i];
    if (want === undefined || site.info.tag !== want.to.tag || site.info.digest !== want.to.digest) {
      return `the reference at line ${site.info.line} reads ${pinText(site.info)} instead of ${want ? pinText(want.to) : "nothing"}`;
    }
  }
  const before = scan.yaml ?? parseYamlFile(file.path, file.text, options.limits);
  const reread = rescan.yaml ?? parseYamlFile(file.path, after, options.limits);
  return differenceOutsideEdits(before, reread, edits);
}

/**
 * The confirmation without a second parse, for the common edit: new bytes inside one scalar that
 * is single-line, unescaped and written in a form whose extent its new text cannot change — a
 * plain scalar of image-name characters only (no space, `#`, `,`, brackets or quotes, not ending
 * in `:`), or a quoted one with no quote, backslash or line break inside. The rest of the file is
 * the same bytes and the scalar ends where it ended, so every document keeps its structure, and
 * the scalar reads as `value`, which editsFor built from the planned pins. Anything else (an
 * inserted key or entry, an embedded values string, a value that had to be quoted) is confirmed
 * by re-reading the whole file.
 */
function scalarReadsAlone(text: string, edit: Splice): boolean {
  if (edit.scalar === undefined) return false;
  const { node, value } = edit.scalar;
  const [start, end] = node.range ?? [0, 0];
  if (edit.start < start || edit.end > end) return false;
  const source = text.slice(start, edit.start) + edit.insert + text.slice(edit.end, end);
  switch (node.type) {
    case Scalar.PLAIN:
      return source === value && safePlain.test(value) && !value.endsWith(":") && plainReadsAs(source, value);
    case Scalar.QUOTE_DOUBLE:
      return source === `"${value}"` && !/["\\\r\n]/.test(value);
    case Scalar.QUOTE_SINGLE:
      return source === `'${value}'` && !/['\r\n]/.test(value);
    default:
      return false;
  }
}

/** What image names, tags and digests are made of; nothing that could end a plain scalar early. */
const safePlain = /^[A-Za-z0-9_/][\w./:@+-]*$/;

/**
 * Kustomization files not inside another kustomization's directory among `paths`: the
 * overlay roots, where an added `images:` entry takes effect for everything beneath.
 */
export function rootKustomizations(paths: readonly string[]): Set<string> {
  const kustomizations = paths.filter(isKustomizationPath);
  const dirs = kustomizations.map((p) => p.slice(0, p.lastIndexOf("/") + 1));
  return new Set(
    kustomizations.filter(
      (_, i) => !dirs.some((dir, j) => j !== i && dir !== dirs[i] && (dirs[i] ?? "").startsWith(dir)),
    ),
  );
}

/** `repo[:tag][@digest]` without tag and digest. */
function withoutPins(reference: string): string {
  const at = reference.indexOf("@");
  const name = at < 0 ? reference : reference.slice(0, at);
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}

function pins(tag: string | undefined, digest: string | undefined): { tag?: string; digest?: string } {
  const out: { tag?: string; digest?: string } = {};
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** `1.4.2`, `1.4.2@sha256:abcdef012345…`, `@sha256:…` or `(none)`, for messages and listings. */
export function pinText(pin: { tag?: string | undefined; digest?: string | undefined }): string {
  if (pin.tag === undefined && pin.digest === undefined) return "(none)";
  return `${pin.tag ?? ""}${pin.digest === undefined ? "" : `@${short(pin.digest)}`}`;
}

function short(digest: string): string {
  const colon = digest.indexOf(":");
  return digest.length > colon + 13 ? `${digest.slice(0, colon + 13)}…` : digest;
}

function unchanged(site: PlannedSite): PlannedSite {
  return { ...site, to: pins(site.tag, site.digest), changed: false };
}

function siteFinding(site: ImageSite, message: string): Finding {
  return {
    file: site.file,
    line: site.line,
    column: site.column,
    severity: "error",
    rule: "rewrite",
    message: `${site.path}: ${message}`,
  };
}
