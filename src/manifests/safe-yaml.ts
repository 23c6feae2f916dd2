import {
  Composer,
  CST,
  type Document,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  type LineCounter,
  Scalar,
  YAMLParseError,
} from "yaml";
import { safeMessage } from "./safe-messages.js";
import { Parser } from "./yaml-parser.js";

/**
 * Bounds that keep a hostile or accidental file from crashing or stalling the process. Each is
 * checked in time linear in the file's size, before the work it protects.
 */
export interface YamlLimits {
  /** Files larger than this (UTF-8 bytes) are refused, not parsed. */
  maxBytes: number;
  /** Multi-document streams with more documents than this are refused. */
  maxDocuments: number;
  /**
   * Lexical tokens per file, and per document. The parser holds a whole document's syntax
   * tree (up to about 270 bytes a token) until it is composed: these bound memory and time
   * even where the byte limit does not (a MiB of `[a,a,a,…]` is a million tokens).
   */
  maxTokens: number;
  maxDocumentTokens: number;
  /**
   * Collections (block or flow, maps or sequences) nested deeper than this are refused, as
   * written and once aliases are expanded. The parser and every walker recurse per level; past
   * about 1,000 levels V8's stack overflows, and an overflow inside a regular expression can
   * abort the whole process later, which no try/catch stops.
   */
  maxDepth: number;
  /** Aliases (`*name`) per document. */
  maxAliases: number;
  /** Nodes that aliases may add to a document once expanded (billion-laughs guard). */
  maxAliasNodes: number;
  /**
   * CPU time per file: `timeBudgetMs` plus `timeBudgetMsPerMiB` per MiB. A backstop for anything
   * the other limits miss, set well above the measured cost of the densest valid YAML (about
   * 1.5 s per MiB on a busy machine) so that it never refuses a file the limits allow. CPU time,
   * unlike wall time, does not grow when the machine is busy.
   */
  timeBudgetMs: number;
  timeBudgetMsPerMiB: number;
}

export const defaultYamlLimits: YamlLimits = {
  maxBytes: 8 * 1024 * 1024,
  maxDocuments: 5_000,
  maxTokens: 4_000_000,
  maxDocumentTokens: 1_000_000,
  maxDepth: 128,
  maxAliases: 1_000,
  maxAliasNodes: 100_000,
  timeBudgetMs: 1_000,
  timeBudgetMsPerMiB: 4_000,
};

/** Why a whole file was refused: one message, at an offset of the text. */
export interface YamlRefusal {
  offset: number;
  /** `yaml-limits` for a limit, `yaml` for a stream that holds no document but an error. */
  rule: "yaml" | "yaml-limits";
  message: string;
}

/** The documents of a file (their errors never quote the text), or why it was refused. */
export type SafeParse = { documents: Document.Parsed[] } | { refusal: YamlRefusal };

class Refused extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** How often (in lexemes or nodes) the clocks are read: every few milliseconds of parsing. */
const clockEvery = 4096;
/** The async parse lets the event loop run after about this much work. */
const sliceMs = 10;

/**
 * Parses a YAML stream with every limit enforced as it goes: one pass of the lexer and parser
 * watching the parser's stack (block and flow nesting alike, so quotes, comments and block
 * scalars cannot fool it) and counting tokens, aliases and documents, each document composed as
 * soon as it is complete, then one pass per document that checks keys and aliases. Nothing here
 * is quadratic and nothing recurses deeper than `maxDepth`.
 */
export function parseYamlSafely(text: string, lineCounter: LineCounter, limits: YamlLimits): SafeParse {
  const steps = parseSteps(text, lineCounter, limits);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same parse, letting the event loop run every few milliseconds (a health probe, a webhook)
 * while a large file is lexed; composing one document is the longest stretch it cannot split.
 */
export async function parseYamlSafelyAsync(
  text: string,
  lineCounter: LineCounter,
  limits: YamlLimits,
): Promise<SafeParse> {
  const steps = parseSteps(text, lineCounter, limits);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The parse as steps: it yields when it has worked for `sliceMs`, and returns the result. */
function* parseSteps(text: string, lineCounter: LineCounter, limits: YamlLimits): Generator<void, SafeParse> {
  const deadline = cpuMs() + limits.timeBudgetMs + (limits.timeBudgetMsPerMiB * text.length) / (1024 * 1024);
  let sliceEnd = performance.now() + sliceMs;
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  // uniqueKeys: false — the parser's own duplicate check is quadratic; checkDocument does it linearly.
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false });
  const parsed: Document.Parsed[] = [];
  let documents = 0;
  let lexemes = 0;
  let documentLexemes = 0;
  let aliases = 0;
  const take = (tokens: Iterable<CST.Token>) => {
    for (const token of tokens) {
      if (token.type === "document") {
        if (++documents > limits.maxDocuments) {
          throw new Refused(token.offset, `file has over ${limits.maxDocuments} YAML documents; split it`);
        }
        aliases = 0;
        documentLexemes = 0;
      }
      for (const doc of composer.next(token)) parsed.push(doc as Document.Parsed);
    }
  };
  try {
    let afterScalarMark = false;
    for (const lexeme of new Lexer().lex(text, false)) {
      // An alias is a lexeme of its own (a scalar's text follows a marker lexeme): count them
      // before the document is composed.
      if (lexeme.charCodeAt(0) === 0x2a && !afterScalarMark && ++aliases > limits.maxAliases) {
        throw tooManyAliases(parser.offset, limits);
      }
      afterScalarMark = lexeme === CST.SCALAR;
      take(parser.next(lexeme));
      if (parser.stack.length > limits.maxDepth + 1 && openCollections(parser.stack) > limits.maxDepth) {
        throw new Refused(
          parser.offset,
          `collections nest deeper than ${limits.maxDepth} levels here; Ferry refuses to read further`,
        );
      }
      if (++lexemes > limits.maxTokens) {
        throw new Refused(parser.offset, `file has over ${limits.maxTokens} YAML tokens; split it`);
      }
      if (++documentLexemes > limits.maxDocumentTokens) {
        throw new Refused(
          parser.offset,
          `a document has over ${limits.maxDocumentTokens} YAML tokens; split it into several documents`,
        );
      }
      if (lexemes % clockEvery === 0) {
        overBudget(deadline, parser.offset, limits);
        if (performance.now() > sliceEnd) {
          yield;
          sliceEnd = performance.now() + sliceMs;
        }
      }
    }
    take(parser.end());
    for (const doc of composer.end(false, text.length)) parsed.push(doc as Document.Parsed);
    overBudget(deadline, text.length, limits);
    if (parsed.length === 0) {
      // Errors outside any document (a stray `...`, a bad directive) belong to the stream.
      const [first] = composer.streamInfo().errors;
      if (first) return { refusal: { offset: first.pos[0], rule: "yaml", message: safeMessage(first) } };
    }
    for (const doc of parsed) {
      for (const error of [...doc.errors, ...doc.warnings]) error.message = safeMessage(error);
      checkDocument(doc, limits, deadline, lineCounter);
    }
  } catch (error) {
    if (error instanceof Refused) {
      return { refusal: { offset: error.offset, rule: "yaml-limits", message: error.message } };
    }
    // A parser bug must not become a crash; its message could quote the text, so it is not shown.
    const message = "the YAML parser failed on this file; Ferry refuses to read it";
    return { refusal: { offset: 0, rule: "yaml-limits", message } };
  }
  return { documents: parsed };
}

/**
 * Collections open on the parser's stack: below the document, every entry is a block map, block
 * sequence or flow collection, and the top may be a scalar being read.
 */
function openCollections(stack: readonly CST.Token[]): number {
  const top = stack[stack.length - 1];
  return stack.length - 1 - (top !== undefined && !CST.isCollection(top) ? 1 : 0);
}

function tooManyAliases(offset: number, limits: YamlLimits): Refused {
  return new Refused(
    offset,
    `a document has over ${limits.maxAliases} aliases (*name); Ferry refuses to expand them`,
  );
}

/** How stale the CPU clock may be, in wall milliseconds (against budgets of a second or more). */
const clockMs = 5;
let clock = { at: Number.NEGATIVE_INFINITY, cpu: 0 };

/**
 * CPU time this process has used, in milliseconds, read at most once per `clockMs` of wall time:
 * each read is a system call (about 10 µs on a busy machine), which cost more than parsing a
 * small manifest's tokens when every file read the clock at its start and its end.
 */
function cpuMs(): number {
  const now = performance.now();
  if (now - clock.at >= clockMs) {
    const { user, system } = process.cpuUsage();
    clock = { at: now, cpu: (user + system) / 1000 };
  }
  return clock.cpu;
}

function overBudget(deadline: number, offset: number, limits: YamlLimits): void {
  if (cpuMs() > deadline) {
    throw new Refused(
      offset,
      `reading this file took more than its time budget (${limits.timeBudgetMs} ms of CPU plus ${limits.timeBudgetMsPerMiB} ms per MiB); split or simplify it`,
    );
  }
}

/** Size and depth of a node once its aliases are expanded. */
interface Extent {
  nodes: number;
  depth: number;
}

const open = Symbol("open");

/**
 * One pass over a document, in document order: duplicate keys (a set per map, not a search per
 * key), aliases resolved the way the YAML spec says (the closest preceding anchor of that name),
 * and the expanded size and depth of every anchored node memoised, so an alias costs O(1).
 * Problems that leave the document unusable are added to its errors; limits refuse the file.
 */
function checkDocument(
  doc: Document.Parsed,
  limits: YamlLimits,
  deadline: number,
  lineCounter: LineCounter,
): void {
  const anchors = new Map<string, Extent | typeof open>();
  const mergeKeys = hasMergeKeys(doc);
  let aliasNodes = 0;
  let aliases = 0;
  let visited = 0;
  const error = (
    node: { range?: [number, number, number] | null },
    code: "DUPLICATE_KEY" | "BAD_ALIAS",
    message: string,
  ) => {
    const [start, end] = node.range ?? doc.range;
    doc.errors.push(new YAMLParseError([start, end], code, message));
  };

  const visit = (node: unknown, depth: number): Extent => {
    if (++visited % clockEvery === 0) overBudget(deadline, offsetOf(node, doc), limits);
    if (isAlias(node)) {
      if (++aliases > limits.maxAliases) throw tooManyAliases(offsetOf(node, doc), limits);
      const target = anchors.get(node.source);
      if (target === undefined) {
        error(node, "BAD_ALIAS", "This alias (*) names no anchor (&) set before it");
        return { nodes: 1, depth: 0 };
      }
      if (target === open) {
        error(
          node,
          "BAD_ALIAS",
          "This alias (*) is inside the node its anchor (&) names; cycles are not allowed",
        );
        return { nodes: 1, depth: 0 };
      }
      aliasNodes += target.nodes;
      if (aliasNodes > limits.maxAliasNodes) {
        throw new Refused(
          offsetOf(node, doc),
          `aliases expand a document by over ${limits.maxAliasNodes} nodes (a "billion laughs" file?); Ferry refuses to expand them`,
        );
      }
      if (depth + target.depth > limits.maxDepth) {
        throw new Refused(
          offsetOf(node, doc),
          `aliases expand collections deeper than ${limits.maxDepth} levels; Ferry refuses to expand them`,
        );
      }
      return target;
    }
    if (!isNode(node)) return { nodes: 1, depth: 0 };
    const anchor = node.anchor;
    let extent: Extent;
    if (isMap(node) || isSeq(node)) {
      if (anchor) anchors.set(anchor, open);
      const keys = isMap(node) ? new Map<unknown, Scalar>() : undefined;
      let nodes = 1;
      let inner = 0;
      for (const item of node.items as unknown[]) {
        let parts: Extent[];
        if (isPair(item)) {
          const key = item.key;
          if (keys !== undefined && isScalar(key) && !(mergeKeys && isMergeKey(key))) {
            const first = keys.get(key.value);
            if (first === undefined) keys.set(key.value, key);
            else {
              const line = lineCounter.linePos(first.range?.[0] ?? 0).line;
              error(key, "DUPLICATE_KEY", `Map keys must be unique; this key is already set on line ${line}`);
            }
          }
          parts = [visit(key, depth + 1), visit(item.value, depth + 1)];
        } else {
          parts = [visit(item, depth + 1)];
        }
        for (const part of parts) {
          nodes += part.nodes;
          if (part.depth > inner) inner = part.depth;
        }
      }
      extent = { nodes, depth: inner + 1 };
    } else {
      extent = { nodes: 1, depth: 0 };
    }
    if (anchor) anchors.set(anchor, extent);
    return extent;
  };
  visit(doc.contents, 0);
}

function offsetOf(node: unknown, doc: Document.Parsed): number {
  return (isNode(node) ? node.range?.[0] : undefined) ?? doc.range[0];
}

/** Whether `<<` merges maps in this document (YAML 1.1 documents, or the `merge` option). */
export function hasMergeKeys(doc: Document.Parsed): boolean {
  return doc.schema.tags.some((tag) => tag.tag === "tag:yaml.org,2002:merge" && Boolean(tag.default));
}

/** A `<<` key, as the parser reads it where merge keys are on. */
export function isMergeKey(key: unknown): boolean {
  if (!isScalar(key) || (key.type !== undefined && key.type !== Scalar.PLAIN)) return false;
  const value = key.value;
  return value === "<<" || (typeof value === "symbol" && value.description === "<<");
}
