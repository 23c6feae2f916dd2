/**
 * Hostile and accidental YAML, generated (not stored): every class a PR author or a config-repo
 * writer can put in front of Ferry's parser. Shared by the tests and bench/hostile-yaml.ts.
 */

export interface HostileCase {
  /** Short id, also used as a file name. */
  name: string;
  /** What the case is, for test names and the benchmark table. */
  what: string;
  bytes: Buffer;
  /**
   * `refused`: Ferry must report an error finding with this rule (at this line when given);
   * `accepted`: the file is valid YAML and must not be refused.
   */
  expect: { refused: string; line?: number } | "accepted";
}

const text = (s: string) => Buffer.from(s, "utf8");
const deep = (open: string, close: string, n: number) => `${open.repeat(n)}x${close.repeat(n)}`;

/** Nesting far past any limit, yet only a few KB: the classes that used to abort Node. */
const depth = 5_000;

/** Every hostile class, with sizes from the issue that reported them. */
export function hostileCases(): HostileCase[] {
  const cases: HostileCase[] = [
    {
      name: "block-seq",
      what: `${depth} block sequences on one line (- - - … x)`,
      bytes: text(`${"- ".repeat(depth)}x\n`),
      expect: { refused: "yaml-limits", line: 1 },
    },
    {
      name: "block-seq-lines",
      what: "1,000 block sequences, one per line, each indented one more",
      bytes: text(
        `${Array.from({ length: 1_000 }, (_, i) => `${" ".repeat(i)}-\n`).join("")}${" ".repeat(1_000)}x\n`,
      ),
      expect: { refused: "yaml-limits" },
    },
    {
      name: "block-map",
      what: "1,000 nested block maps (a:\\n a:\\n  a: …)",
      bytes: text(
        `${Array.from({ length: 1_000 }, (_, i) => `${" ".repeat(i)}a:\n`).join("")}${" ".repeat(1_000)}x\n`,
      ),
      expect: { refused: "yaml-limits" },
    },
    {
      name: "complex-keys",
      what: `${depth} explicit keys (? ? ? … x)`,
      bytes: text(`${"? ".repeat(depth)}x\n`),
      expect: { refused: "yaml-limits", line: 1 },
    },
    {
      name: "flow-seq",
      what: "100,000 nested [ ]",
      bytes: text(`x: ${deep("[", "]", 100_000)}\n`),
      expect: { refused: "yaml-limits", line: 1 },
    },
    {
      name: "flow-map",
      what: `${depth} nested { a: … }`,
      bytes: text(`x: ${deep("{a: ", "}", depth)}\n`),
      expect: { refused: "yaml-limits", line: 1 },
    },
    {
      name: "mixed",
      what: "block sequences, explicit keys, maps and flow collections interleaved",
      bytes: text(`${"- ? ".repeat(depth / 4)}${deep("[{a: ", "}]", depth / 4)}\n`),
      expect: { refused: "yaml-limits", line: 1 },
    },
    {
      name: "quote-in-plain",
      what: "a quote inside a plain scalar, then 100,000 nested [",
      bytes: text(`image: it's\nx: [it's, say"hi, ${deep("[", "]", 100_000)}]\n`),
      expect: { refused: "yaml-limits", line: 2 },
    },
    {
      name: "hash-in-plain",
      what: "a # inside a plain scalar, then 100,000 nested [",
      bytes: text(`x: [a#b, c#'d, ${deep("[", "]", 100_000)}]\n`),
      expect: { refused: "yaml-limits", line: 1 },
    },
    {
      name: "brackets-in-scalars",
      what: "100,000 [ and { inside quoted, block and plain scalars and comments (valid YAML)",
      bytes: text(
        [
          `double: "${"[{".repeat(50_000)}"`,
          `single: '${"[{".repeat(50_000)}'`,
          "literal: |",
          `  ${"[{".repeat(50_000)}`,
          "folded: >",
          `  ${"[{".repeat(50_000)}`,
          `plain: a${"[{".repeat(50_000)}`,
          `# ${"[{".repeat(50_000)}`,
          "",
        ].join("\n"),
      ),
      expect: "accepted",
    },
    {
      name: "aliases-10k",
      what: "10,000 aliases of one anchor",
      bytes: text(`a: &a x\nb:\n${"  - *a\n".repeat(10_000)}`),
      expect: { refused: "yaml-limits" },
    },
    {
      name: "aliases-400k",
      what: "400,000 aliases in a flow sequence",
      bytes: text(`a: &a x\nb: [${Array(400_000).fill("*a").join(",")}]\n`),
      expect: { refused: "yaml-limits" },
    },
    {
      name: "billion-laughs",
      what: "9 levels of 9 aliases (10^9 nodes once expanded)",
      bytes: text(billionLaughs()),
      expect: { refused: "yaml-limits" },
    },
    {
      name: "alias-depth",
      what: "anchors that each nest the previous one 100 levels deeper",
      bytes: text(aliasDepth()),
      expect: { refused: "yaml-limits" },
    },
    {
      name: "alias-cycle",
      what: "an alias inside the node its anchor names",
      bytes: text("a: &a\n  b: *a\n"),
      expect: { refused: "yaml" },
    },
    {
      name: "keys-100k",
      what: "100,000 keys in one map, the last one repeated",
      bytes: text(`${Array.from({ length: 100_000 }, (_, i) => `k${i}: 1\n`).join("")}k7: 2\n`),
      expect: { refused: "yaml-duplicate-key", line: 100_001 },
    },
    {
      name: "documents-170k",
      what: "170,000 documents separated by ...",
      bytes: text("a: 1\n...\n".repeat(170_000)),
      expect: { refused: "yaml-limits" },
    },
    {
      name: "bom",
      what: "a byte order mark before a valid document",
      bytes: text("\uFEFFapiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { a: b }\n"),
      expect: "accepted",
    },
    {
      name: "nul",
      what: "a NUL byte after 9,000 bytes of YAML",
      bytes: text(`${"# padding\n".repeat(900)}a: b\u0000c\n`),
      expect: { refused: "yaml-encoding", line: 901 },
    },
    {
      name: "binary",
      what: "a NUL byte in the first 8,000 bytes (what git calls binary)",
      bytes: Buffer.concat([text("a: b\n"), Buffer.from([0, 1, 2, 3])]),
      expect: { refused: "yaml-encoding" },
    },
    {
      name: "not-utf8",
      what: "bytes that are not UTF-8 on line 3",
      bytes: Buffer.concat([text("a: 1\nb: 2\nc: "), Buffer.from([0xff, 0xfe, 0xc3]), text("\n")]),
      expect: { refused: "yaml-encoding", line: 3 },
    },
    {
      name: "long-line",
      what: "a 1 MiB single line (one plain scalar)",
      bytes: text(`x: ${"a".repeat(1024 * 1024 - 8)}\n`),
      expect: "accepted",
    },
    {
      name: "long-flow-line",
      what: "a 1 MiB single line of 349,000 flow items (the most tokens a MiB holds)",
      bytes: text(`x: [${Array(349_000).fill("ab").join(",")}]\n`),
      expect: { refused: "yaml-limits", line: 1 },
    },
  ];
  return cases;
}

/** The classic: each anchor is a list of nine aliases of the previous one. */
export function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
  }
  return `${lines.join("\n")}\n`;
}

/** Each anchor nests the previous one 100 levels deeper: shallow as written, deep once expanded. */
function aliasDepth(): string {
  const lines = [`a0: &a0 ${deep("[", "]", 100)}`];
  for (let i = 1; i < 20; i++) lines.push(`a${i}: &a${i} ${"[".repeat(100)}*a${i - 1}${"]".repeat(100)}`);
  return `${lines.join("\n")}\n`;
}
