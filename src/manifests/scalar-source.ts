import { parse, Scalar } from "yaml";

/**
 * The string a scalar holds as Ferry reads it. Plain numbers keep their source text, so
 * `tag: 1.10` reads as "1.10", not 1.1. Undefined for nulls, booleans and other non-strings.
 */
export function scalarString(node: Scalar, text: string): string | undefined {
  if (typeof node.value === "string") return node.value;
  if (typeof node.value === "number" && node.type === Scalar.PLAIN && node.range) {
    return text.slice(node.range[0], node.range[1]);
  }
  return undefined;
}

/**
 * Maps offsets in a scalar's string (as `scalarString` reads it) to offsets in the source
 * text, for the styles where every character of the value is written literally: plain,
 * quoted without escapes, and literal blocks (`|`). Undefined when no such map exists
 * (escapes, folded or multi-line flow scalars) — callers then refuse to edit, never guess.
 */
export function valueOffsets(node: Scalar, text: string): ((offset: number) => number) | undefined {
  if (!node.range) return undefined;
  const [start, end] = node.range;
  const source = text.slice(start, end);
  const value = scalarString(node, text);
  switch (node.type) {
    case Scalar.PLAIN:
      return value === source ? (k) => start + k : undefined;
    case Scalar.QUOTE_SINGLE:
    case Scalar.QUOTE_DOUBLE:
      return value === source.slice(1, -1) ? (k) => start + 1 + k : undefined;
    case Scalar.BLOCK_LITERAL:
      return value === undefined ? undefined : literalOffsets(text, start, end);
    default:
      return undefined;
  }
}

/**
 * Line-by-line map for a literal block: value line i starts at the source line's start plus
 * the block indentation. CRLF sources map too: the value's `\n` sits on the source's `\r`.
 */
function literalOffsets(text: string, start: number, end: number): ((offset: number) => number) | undefined {
  const headerEnd = text.indexOf("\n", start);
  if (headerEnd < 0 || headerEnd >= end) return undefined;
  const lines: { sourceStart: number; length: number }[] = [];
  let indent: number | undefined;
  for (let at = headerEnd + 1; at < end; ) {
    const next = text.indexOf("\n", at);
    const lineEnd = next < 0 || next > end ? end : next;
    const raw = text.slice(at, lineEnd).replace(/\r$/, "");
    if (indent === undefined && raw.trim() !== "") indent = raw.length - raw.trimStart().length;
    lines.push({ sourceStart: at, length: raw.length });
    at = lineEnd + 1;
  }
  if (indent === undefined) return undefined;
  const block = indent;
  const starts: number[] = [];
  let valueAt = 0;
  for (const line of lines) {
    starts.push(valueAt);
    valueAt += Math.max(0, line.length - block) + 1;
  }
  return (k) => {
    let i = starts.length - 1;
    while (i > 0 && (starts[i] ?? 0) > k) i--;
    const line = lines[i];
    if (line === undefined) return start;
    return line.sourceStart + Math.min(block, line.length) + (k - (starts[i] ?? 0));
  };
}

/** Whether `source` written as a plain scalar reads back as exactly the string `value`. */
export function plainReadsAs(source: string, value: string): boolean {
  if (source !== value || source === "" || /[\r\n]/.test(source)) return false;
  try {
    return parse(`x: ${source}\n`)?.x === value;
  } catch {
    return false;
  }
}

/** `value` as a scalar in flow context: plain when that reads back as the same string, else double-quoted. */
export function scalarSource(value: string): string {
  return plainReadsAs(value, value) && !/[,[\]{}#]/.test(value) ? value : JSON.stringify(value);
}
