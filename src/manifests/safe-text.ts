import { isUtf8 } from "node:buffer";

/**
 * Files as Ferry reads manifests: UTF-8 text without NUL characters, up to a size limit. A file
 * that is none of these is refused with a reason (and the line where there is one), never skipped.
 */

/** Why a file cannot be read as YAML text. */
export interface Unreadable {
  rule: "yaml-limits" | "yaml-encoding";
  message: string;
  /** 1-based, when the problem is at one place. */
  line?: number;
}

/** Git's own test for binary: a NUL byte in the first 8000 bytes. */
const binaryWindow = 8000;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A file's bytes as text, exactly (a byte order mark is kept), or why they are not YAML text. */
export function decodeYamlBytes(bytes: Uint8Array, maxBytes: number): { text: string } | Unreadable {
  if (bytes.length > maxBytes) return tooLarge(bytes.length, maxBytes);
  const nul = bytes.indexOf(0);
  if (nul >= 0) return nulFound(nul < binaryWindow, lineAt(bytes, nul));
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    return notUtf8(bad < 0 ? undefined : lineAt(bytes, bad));
  }
  return { text: utf8.decode(bytes) };
}

/** The same checks on text that arrived already decoded (as GitHub's GraphQL API sends it). */
export function yamlTextProblem(text: string, maxBytes: number): Unreadable | undefined {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so most files need no byte count.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > maxBytes) return tooLarge(bytes, maxBytes);
  }
  const nul = text.indexOf("\u0000");
  if (nul >= 0) return nulFound(nul < binaryWindow, lineAt(text, nul));
  return undefined;
}

/** Whether decoded text may have lost bytes that were not UTF-8 (decoders put U+FFFD there). */
export function mayHaveLostBytes(text: string): boolean {
  return text.includes("\uFFFD");
}

export function tooLarge(bytes: number, maxBytes: number): Unreadable {
  return {
    rule: "yaml-limits",
    message: `file is ${bytes} bytes, over the ${maxBytes}-byte limit for YAML Ferry reads; split it`,
  };
}

/** A file the host already called binary. */
export function binaryFile(): Unreadable {
  return { rule: "yaml-encoding", message: "binary file; Ferry reads YAML files as UTF-8 text" };
}

function nulFound(binary: boolean, line: number): Unreadable {
  return {
    rule: "yaml-encoding",
    line,
    message: binary
      ? "binary file (it holds a NUL byte); Ferry reads YAML files as UTF-8 text"
      : "file holds a NUL character, which YAML does not allow; save it as UTF-8 text",
  };
}

export function notUtf8(line?: number): Unreadable {
  return {
    rule: "yaml-encoding",
    ...(line === undefined ? {} : { line }),
    message: "file is not valid UTF-8; save it as UTF-8 (Ferry reads YAML files as UTF-8 text)",
  };
}

/** 1-based line of `offset` in bytes or text: one count of line feeds before it. */
function lineAt(data: Uint8Array | string, offset: number): number {
  let line = 1;
  if (typeof data === "string") {
    for (let i = data.indexOf("\n"); i >= 0 && i < offset; i = data.indexOf("\n", i + 1)) line++;
  } else {
    for (let i = data.indexOf(0x0a); i >= 0 && i < offset; i = data.indexOf(0x0a, i + 1)) line++;
  }
  return line;
}

/**
 * Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or -1 when every byte does.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
    if (b === 0xe0) min = 0xa0;
    else if (b === 0xf0) min = 0x90;
    else min = 0x80;
    if (b === 0xed) max = 0x9f;
    else if (b === 0xf4) max = 0x8f;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? min : 0x80) || c > (k === 1 ? max : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}
