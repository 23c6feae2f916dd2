import type { YAMLError } from "yaml";

/**
 * The parser's own messages that quote nothing from the document. A message built from a parse
 * error is shown in annotations, logs and PR bodies, so anything else (`Invalid escape sequence
 * \q`, `Unresolved tag: !…`, `Not a YAML token: …`) is replaced by a fixed text for its code:
 * the document may hold a secret right where the error is.
 */
const staticMessages = new Set([
  "An alias node must not specify any properties",
  "Alias cannot be an empty string",
  "Alias ending in : is ambiguous",
  "Anchor cannot be an empty string",
  "Anchor ending in : is ambiguous",
  "All sequence items must start at the same column",
  "All mapping items must start at the same column",
  "A block sequence may not be used as an implicit map key",
  "Nested mappings are not allowed in compact mappings",
  "Block collections are not allowed within flow collections",
  "Block scalar header not found",
  "Block scalar values in collections must be indented",
  "Block scalars with more-indented leading empty lines must use an explicit indentation indicator",
  "Missing closing 'quote",
  'Missing closing "quote',
  "Block collection cannot start on same line with directives-end marker",
  "Comments must be separated from other tokens by white space characters",
  "Implicit map keys need to be followed by map values",
  "Missing directives-end indicator line",
  "Missing directives-end/doc-start indicator line",
  "Missing newline after block sequence props",
  "Sequence item without - indicator",
  "Tags and anchors must be separated from the next token by white space",
  "Implicit keys need to be on a single line",
  "Implicit keys of flow sequence pairs need to be on a single line",
  "A node can have at most one anchor",
  "A node can have at most one tag",
  "Tabs are not allowed as indentation",
  "Flow end indicator should be more indented than parent",
  "Unexpected doc-end without preceding document",
]);

/** Token types of the parser's concrete syntax tree: the only words some messages insert. */
const tokenType =
  "(?:alias|scalar|single-quoted-scalar|double-quoted-scalar|block-scalar|block-map|block-seq|flow-collection|document|doc-start|doc-end|comment|space|newline|anchor|tag|seq-item-ind|explicit-key-ind|map-value-ind|flow-map-start|flow-map-end|flow-seq-start|flow-seq-end|flow-error-end|comma|byte-order-mark|directive|directive-line|error)";
const flowName = "(?:flow map|flow sequence)";
const safePatterns = [
  new RegExp(`^Missing (?:,|, or :) between ${flowName} items$`),
  new RegExp(`^Missing space after : in ${flowName}$`),
  new RegExp(`^Unexpected (?:,|empty item) in ${flowName}$`),
  new RegExp(`^Unexpected ${tokenType} (?:token|at node end)$`),
  new RegExp(`^Expected a flow scalar value, but found: ${tokenType}$`),
  new RegExp(`^Unexpected token in block scalar header: ${tokenType}$`),
];

/** Fixed texts per error code, for messages that could quote the document. */
const byCode: Record<string, string> = {
  ALIAS_PROPS: "An alias node must not specify any properties",
  BAD_ALIAS: "Invalid alias or anchor name",
  BAD_COLLECTION_TYPE: "A collection's tag does not match its kind (map or sequence)",
  BAD_DIRECTIVE: "Invalid %YAML or %TAG directive",
  BAD_DQ_ESCAPE: "Invalid escape sequence in a double-quoted string",
  BAD_INDENT: "Bad indentation",
  BAD_PROP_ORDER: "Anchors and tags must come after the - ? or : indicator",
  BAD_SCALAR_START: "A plain value cannot start with this character; quote the value",
  BLOCK_AS_IMPLICIT_KEY: "A block collection cannot be an implicit map key",
  BLOCK_IN_FLOW: "Block collections are not allowed within flow collections",
  DUPLICATE_KEY: "Map keys must be unique",
  IMPOSSIBLE: "The YAML parser could not read this",
  KEY_OVER_1024_CHARS: "An implicit map key is longer than 1024 characters",
  MISSING_CHAR: "A character is missing here (a closing quote or bracket, a comma or a colon)",
  MULTILINE_IMPLICIT_KEY: "Implicit keys need to be on a single line",
  MULTIPLE_ANCHORS: "A node can have at most one anchor",
  MULTIPLE_DOCS: "More than one document where one is expected",
  MULTIPLE_TAGS: "A node can have at most one tag",
  NON_STRING_KEY: "Map keys must be strings",
  TAB_AS_INDENT: "Tabs are not allowed as indentation",
  TAG_RESOLVE_FAILED: "A value does not match its tag",
  UNEXPECTED_TOKEN: "Unexpected content here (check the indentation and the : after each key)",
};

/** The message for a parser error, never quoting the document. */
export function safeMessage(error: Pick<YAMLError, "code" | "message">): string {
  const first = error.message.split("\n")[0] ?? "";
  if (staticMessages.has(first) || safePatterns.some((p) => p.test(first))) return first;
  return byCode[error.code] ?? "Invalid YAML";
}
