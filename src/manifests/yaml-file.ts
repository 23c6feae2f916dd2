import {
  type Document,
  isAlias,
  isCollection,
  isNode,
  isPair,
  LineCounter,
  type Node,
  parseAllDocuments,
} from "yaml";
import type { Finding } from "../findings.js";

/** Bounds that keep a hostile or accidental file from exhausting the process. */
export interface YamlLimits {
  /** Files larger than this are refused, not parsed. */
  maxBytes: number;
  /** Multi-document streams with more documents than this are refused. */
  maxDocuments: number;
  /** Alias expansions allowed when a document is converted to plain data (billion-laughs guard). */
  maxAliasCount: number;
  /**
   * Nodes a document may hold once its aliases are expanded; more is refused at parse time,
   * so a billion-laughs file fails fast even for callers that never call `documentData`.
   */
  maxExpandedNodes?: number;
}

export const defaultYamlLimits: YamlLimits = {
  maxBytes: 8 * 1024 * 1024,
  maxDocuments: 5_000,
  maxAliasCount: 1_000,
  maxExpandedNodes: 1_000_000,
};

/** A YAML file parsed with source positions, ready for reading and byte-exact splicing. */
export interface YamlFile {
  path: string;
  text: string;
  documents: Document.Parsed[];
  lineCounter: LineCounter;
  /** Syntax errors, duplicate keys and refusals; empty when the file is usable. */
  findings: Finding[];
}

/** Parses every document of `text`; never throws — problems become findings with line and column. */
export function parseYamlFile(path: string, text: string, limits: YamlLimits = defaultYamlLimits): YamlFile {
  const lineCounter = new LineCounter();
  const file: YamlFile = { path, text, documents: [], lineCounter, findings: [] };
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxBytes) {
    file.findings.push(
      refusal(path, `file is ${bytes} bytes, over the ${limits.maxBytes}-byte limit; split it`),
    );
    return file;
  }
  // Refuse huge streams before parsing them: counting separators is far cheaper than parsing.
  const separators = countDocumentStarts(text);
  if (separators > limits.maxDocuments) {
    file.findings.push(
      refusal(
        path,
        `file has over ${limits.maxDocuments} YAML documents (${separators} "---" lines); split it`,
      ),
    );
    return file;
  }
  // Deep flow nesting (`[[[[…`) makes the parser recurse, and past ~10,000 levels exhaust memory.
  if (flowDepthOver(text, maxFlowDepth)) {
    file.findings.push(
      refusal(path, `file nests [ ] or { } deeper than ${maxFlowDepth} levels; refusing to parse it`),
    );
    return file;
  }
  let list: Document.Parsed[];
  try {
    const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    list = Array.isArray(documents) ? documents : [];
  } catch (error) {
    // The parser recurses per nesting level; absurd nesting ends here rather than in the caller.
    file.findings.push(refusal(path, `file cannot be parsed: ${(error as Error).message}`));
    return file;
  }
  if (list.length > limits.maxDocuments) {
    file.findings.push(
      refusal(path, `file has ${list.length} YAML documents, over the ${limits.maxDocuments}-document limit`),
    );
    return file;
  }
  file.documents = list;
  for (const doc of list) {
    for (const error of doc.errors) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      const duplicate = error.code === "DUPLICATE_KEY";
      file.findings.push({
        file: path,
        line,
        column: col,
        severity: "error",
        rule: duplicate ? "yaml-duplicate-key" : "yaml",
        message: firstLine(error.message),
      });
    }
  }
  const maxNodes = limits.maxExpandedNodes;
  if (maxNodes !== undefined && text.includes("*")) {
    for (const doc of list) {
      if (expandedSize(doc, maxNodes) > maxNodes) {
        const { line, col } = lineCounter.linePos(doc.range[0]);
        file.findings.push({
          file: path,
          line,
          column: col,
          severity: "error",
          rule: "yaml-limits",
          message: `aliases expand this document to over ${maxNodes} nodes (a "billion laughs" file?); refusing to read it`,
        });
      }
    }
  }
  return file;
}

/** Plain data for one document, with alias expansion bounded; throws a message naming the file. */
export function documentData(
  file: YamlFile,
  doc: Document.Parsed,
  limits: YamlLimits = defaultYamlLimits,
): unknown {
  try {
    return doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (error) {
    const { line, col } = file.lineCounter.linePos(doc.range[0]);
    throw new Error(`${file.path}:${line}:${col}: ${(error as Error).message}`);
  }
}

/** 1-based line and column of a byte offset in the file. */
export function positionOf(file: YamlFile, offset: number): { line: number; column: number } {
  const { line, col } = file.lineCounter.linePos(offset);
  return { line, column: col };
}

/** The node at a key path inside a document, if any. */
export function nodeAt(doc: Document.Parsed, path: readonly (string | number)[]): Node | undefined {
  const node = doc.getIn(path, true);
  return isNode(node) ? node : undefined;
}

const maxFlowDepth = 500;

/**
 * Whether flow collections nest deeper than `limit`, by a single pass that skips comments and
 * quoted strings inside flow collections. Errs towards "not over"; the parser catches the rest.
 */
function flowDepthOver(text: string, limit: number): boolean {
  let depth = 0;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (c === 0x5c && quote === 0x22) i++; // backslash escape in "…"
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
    } else if ((c === 0x22 || c === 0x27) && depth > 0) {
      quote = c;
    } else if (c === 0x23 && (i === 0 || text.charCodeAt(i - 1) <= 0x20)) {
      const end = text.indexOf("\n", i);
      if (end < 0) break;
      i = end;
    }
  }
  return false;
}

/** Lines that start a document (`---`); a cheap upper-bound estimate of the document count. */
function countDocumentStarts(text: string): number {
  let count = text.startsWith("---") ? 1 : 0;
  for (let i = text.indexOf("\n---"); i >= 0; i = text.indexOf("\n---", i + 4)) count++;
  return count;
}

/**
 * Node count of a document with every alias expanded, computed without expanding anything
 * (each anchored node's size is memoised), and cut short once it passes `limit`.
 */
function expandedSize(doc: Document.Parsed, limit: number): number {
  const sizes = new Map<unknown, number>();
  const sizeOf = (node: unknown, depth: number): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined || depth > 1_000) return 1;
      return sizeOf(target, depth + 1);
    }
    if (isPair(node)) return sizeOf(node.key, depth) + sizeOf(node.value, depth);
    if (!isCollection(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let total = 1;
    for (const item of node.items) {
      total += sizeOf(item, depth + 1);
      if (total > limit) break;
    }
    sizes.set(node, total);
    return total;
  };
  return sizeOf(doc.contents, 0);
}

function refusal(file: string, message: string): Finding {
  return { file, line: 1, column: 1, severity: "error", rule: "yaml-limits", message };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
