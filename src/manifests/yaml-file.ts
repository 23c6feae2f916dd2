import { type Document, isNode, LineCounter, type Node } from "yaml";
import type { Finding } from "../findings.js";
import { documentToData } from "./safe-data.js";
import { type Unreadable, yamlTextProblem } from "./safe-text.js";
import {
  defaultYamlLimits,
  parseYamlSafely,
  parseYamlSafelyAsync,
  type SafeParse,
  type YamlLimits,
} from "./safe-yaml.js";
import { isKustomizationPath } from "./validate-kustomization.js";

export { defaultYamlLimits, type YamlLimits } from "./safe-yaml.js";

/** A YAML file parsed with source positions, ready for reading and byte-exact splicing. */
export interface YamlFile {
  path: string;
  text: string;
  documents: Document.Parsed[];
  lineCounter: LineCounter;
  /** Syntax errors, duplicate keys and refusals; empty when the file is usable. */
  findings: Finding[];
}

/**
 * Parses every document of `text` through the one safe path for repository YAML
 * (src/manifests/safe-yaml.ts); never throws. Problems become findings with line and column,
 * and no message quotes the text. A refused file has no documents.
 */
export function parseYamlFile(path: string, text: string, limits: YamlLimits = defaultYamlLimits): YamlFile {
  const file = emptyFile(path, text);
  const unreadable = yamlTextProblem(text, limits.maxBytes);
  if (unreadable !== undefined) return withFinding(file, unreadableFinding(path, unreadable));
  return withParse(file, parseYamlSafely(text, file.lineCounter, limits));
}

/** `parseYamlFile` that lets the event loop run while a large file is parsed. */
export async function parseYamlFileAsync(
  path: string,
  text: string,
  limits: YamlLimits = defaultYamlLimits,
): Promise<YamlFile> {
  const file = emptyFile(path, text);
  const unreadable = yamlTextProblem(text, limits.maxBytes);
  if (unreadable !== undefined) return withFinding(file, unreadableFinding(path, unreadable));
  return withParse(file, await parseYamlSafelyAsync(text, file.lineCounter, limits));
}

function emptyFile(path: string, text: string): YamlFile {
  return { path, text, documents: [], lineCounter: new LineCounter(), findings: [] };
}

function withFinding(file: YamlFile, finding: Finding): YamlFile {
  file.findings.push(finding);
  return file;
}

function withParse(file: YamlFile, parsed: SafeParse): YamlFile {
  if ("refusal" in parsed) {
    const { offset, rule, message } = parsed.refusal;
    // Lines are counted only as far as the parser read; count up to the refusal here.
    const { line, column } = positionInText(file.text, offset);
    return withFinding(file, { file: file.path, line, column, severity: "error", rule, message });
  }
  file.documents = parsed.documents;
  for (const doc of parsed.documents) {
    for (const error of doc.errors) {
      const { line, col } = file.lineCounter.linePos(error.pos[0]);
      file.findings.push({
        file: file.path,
        line,
        column: col,
        severity: "error",
        rule: error.code === "DUPLICATE_KEY" ? "yaml-duplicate-key" : "yaml",
        message: error.message,
      });
    }
  }
  return file;
}

/** The files Ferry reads as YAML: by extension, and kustomization files by name. */
export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path) || isKustomizationPath(path);
}

/** A finding for a file Ferry could not read as YAML text. */
export function unreadableFinding(path: string, problem: Unreadable): Finding {
  return {
    file: path,
    line: problem.line ?? 1,
    column: 1,
    severity: "error",
    rule: problem.rule,
    message: problem.message,
  };
}

/**
 * Plain data for one document of a file parsed without errors; aliases are already proven
 * bounded. Throws a message naming the file (never its text) if the document cannot convert.
 */
export function documentData(file: YamlFile, doc: Document.Parsed): unknown {
  try {
    return documentToData(doc);
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

/** 1-based line and column of `offset`, by one count of line feeds before it. */
function positionInText(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
