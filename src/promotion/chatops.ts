import { parseImageReference } from "../images/reference.js";
import { codeSpan } from "../markdown.js";

/** A ChatOps command from an issue or PR comment. */
export type Command =
  | { kind: "promote"; app: string; tag: string; env: string }
  | { kind: "rollback"; app: string; env: string; reason?: string }
  /** `message` is markdown, with the comment's text in code spans. */
  | { kind: "invalid"; message: string };

const usage =
  "Usage: `/ferry promote <app> <tag> to <env>` or `/ferry rollback <app> <env> [reason]` (write access required).";

/** The first `/ferry` line of a comment, parsed; undefined when the comment has none. */
export function parseCommand(body: string): Command | undefined {
  const line = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => /^\/ferry(\s|$)/.test(l));
  if (line === undefined) return undefined;
  const words = line.split(/\s+/).slice(1);
  const [verb, ...args] = words;
  if (verb === "promote" && args.length === 4 && args[2] === "to") {
    const tag = args[1] as string;
    // `<tag>` or `<tag>@<digest>`, checked as part of a reference so both follow the image grammar.
    if (!parseImageReference(`ferry.invalid/app:${tag}`).ok)
      return {
        kind: "invalid",
        message: `${codeSpan(tag)} is not an image tag (1-128 of letters, digits, \`_\` \`.\` \`-\`, optionally \`@sha256:<digest>\`). ${usage}`,
      };
    return { kind: "promote", app: args[0] as string, tag, env: args[3] as string };
  }
  if (verb === "rollback" && args.length >= 2) {
    const reason = args.slice(2).join(" ");
    return {
      kind: "rollback",
      app: args[0] as string,
      env: args[1] as string,
      ...(reason ? { reason } : {}),
    };
  }
  return { kind: "invalid", message: `Ferry did not understand ${codeSpan(line)}. ${usage}` };
}
