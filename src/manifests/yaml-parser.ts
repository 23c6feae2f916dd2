import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { Parser as YamlParser } from "yaml";

/**
 * The `yaml` package's Parser, from its browser build. The Node build of yaml 2.9.1 reads
 * `process.env.LOG_TOKENS` for every token (a call into the C++ environment accessor: 16–22% of
 * parse time); the browser build is the same release's source without that read. Both builds
 * ship in the package; its exports map only names one, so the file is found beside package.json.
 * The Lexer, Composer and node classes still come from the Node build (`import … from "yaml"`):
 * the Parser's output is plain CST tokens, so the two mix without a second copy of any class.
 */
const packageJson = createRequire(import.meta.url).resolve("yaml/package.json");
const browserParser = new URL("browser/dist/parse/parser.js", pathToFileURL(packageJson)).href;

export const Parser: typeof YamlParser = ((await import(browserParser)) as { Parser: typeof YamlParser })
  .Parser;
