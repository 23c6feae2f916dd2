import { describe, expect, it } from "vitest";
import { codeBlock, codeSpan, link, plainMessage, plainText, safeUrl, tableCell } from "../src/markdown.js";
import { render } from "./support/markdown.js";

/** Text an app repo, a commenter or an agent could send, each aimed at one markdown feature. */
const hostile = [
  "@acme/admins please look",
  "cc @octocat and @org/team-1",
  "fixes #1 and acme/deploy#2",
  "[click](https://evil.example)",
  "![pixel](https://evil.example/p.png)",
  "<img src=x onerror=alert(1)>",
  "<b>bold</b> <script>alert(1)</script> <!-- hidden",
  "# Heading",
  "## another",
  "Title\n===",
  "- item\n- item",
  "1. first",
  "> quoted",
  "a | b | c",
  "**strong** _em_ ~~gone~~ `code`",
  "https://evil.example/path and www.evil.example",
  "mail me: someone@evil.example",
  "&lt;img src=x&gt; &#64;acme/admins",
  "$x^2$ math",
  "trailing backslash \\",
  "line\r\nbreak\u2028sep\u0000nul",
  "[ref]: https://evil.example\n[ref]",
  "```\nfenced\n```",
  "    indented code",
];

const flat = (s: string) =>
  s
    .replace(/[\p{Cc}\u2028\u2029]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();

describe("plainText", () => {
  it.each(hostile)("renders %j as exactly its text: no links, images, HTML, mentions or refs", (text) => {
    for (const frame of [
      (t: string) => t,
      (t: string) => `Reason: ${t}`,
      (t: string) => `- ${t}`,
      (t: string) => `### ${t}`,
      (t: string) => `| A | B |\n| --- | --- |\n| ${t} | end |`,
    ]) {
      const out = render(frame(plainText(text)));
      expect(out.links, out.html).toBe(0);
      expect(out.images, out.html).toBe(0);
      expect(out.mentions, out.html).toEqual([]);
      expect(out.refs, out.html).toEqual([]);
      expect(
        out.elements.filter(
          (e) => !["p", "ul", "li", "h3", "table", "thead", "tbody", "tr", "th", "td"].includes(e),
        ),
        out.html,
      ).toEqual([]);
      expect(out.text, out.html).toContain(flat(text));
    }
    // inside a table the text stays in its own cell
    const table = render(`| A | B |\n| --- | --- |\n| ${plainText(text)} | end |`);
    expect(table.html.match(/<td>/g)).toHaveLength(2);
  });

  it("is needed: the same texts unescaped render links, images, HTML, mentions and refs", () => {
    const raw = render(hostile.join("\n\n"));
    expect(raw.links).toBeGreaterThan(3);
    expect(raw.images).toBeGreaterThan(0);
    expect(raw.elements).toEqual(expect.arrayContaining(["h1", "script", "b", "ol", "blockquote", "pre"]));
    expect(raw.mentions).toEqual(expect.arrayContaining(["acme/admins", "octocat"]));
    expect(raw.refs).toContain("1");
  });

  it("leaves ordinary names alone", () => {
    expect(plainText("Application argocd/api-1 is 1.5.0")).toBe("Application argocd/api-1 is 1.5.0");
  });
});

describe("codeSpan", () => {
  it.each([...hostile, "`", "``", "a`b", "` x `", " lead", "trail ", "``a``b```"])(
    "shows %j verbatim in one code span",
    (text) => {
      const out = render(`See ${codeSpan(text)} now`);
      expect(out.elements).toEqual(["p", "code"]);
      const inner = /<code>([\s\S]*)<\/code>/.exec(out.html)?.[1] ?? "";
      expect(
        inner
          .replace(/&lt;/g, "<")
          .replace(/&gt;/g, ">")
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, "&"),
      ).toBe(text.replace(/[\p{Cc}\u2028\u2029]+/gu, " "));
    },
  );

  it("keeps a pipe inside a table cell once passed through tableCell", () => {
    const out = render(`| A | B |\n| --- | --- |\n| ${tableCell(codeSpan("a | b"))} | end |`);
    expect(out.html.match(/<td>/g)).toHaveLength(2);
    expect(out.html).toContain("<code>a | b</code>");
  });
});

describe("safeUrl and link", () => {
  it("accepts only https on the given host, percent-encoding what markdown would read", () => {
    expect(safeUrl("https://github.com/acme/api/actions/runs/1", "github.com")).toBe(
      "https://github.com/acme/api/actions/runs/1",
    );
    expect(safeUrl("https://GitHub.com/a/b/pull/1)![x](https://evil.example)", "github.com")).toBe(
      "https://github.com/a/b/pull/1%29!%5Bx%5D%28https://evil.example%29",
    );
    for (const url of [
      "http://github.com/a",
      "https://github.com.evil.example/a",
      "https://evil.example/github.com",
      "https://user@github.com/a",
      "javascript:alert(1)",
      "//github.com/a",
      "not a url",
    ])
      expect(safeUrl(url, "github.com"), url).toBeUndefined();
    expect(safeUrl("https://ghe.acme.test/a", "ghe.acme.test")).toBe("https://ghe.acme.test/a");
  });

  it("renders one link to the URL given, or the text alone", () => {
    const out = render(
      link("build", "https://github.com/a/b) ![x](https://evil.example/x.png)", "github.com"),
    );
    expect(out.links).toBe(1);
    expect(out.images).toBe(0);
    expect(out.html).not.toContain("evil.example/x.png)");
    expect(render(link("build", "https://evil.example/", "github.com")).html).toBe("<p>build</p>\n");
  });
});

describe("links to the GitHub Ferry talks to", () => {
  it("accept that GitHub's own scheme and host when given as an origin (a GHES on http too)", () => {
    expect(safeUrl("http://127.0.0.1:3000/acme/deploy/runs/7", "http://127.0.0.1:3000")).toBe(
      "http://127.0.0.1:3000/acme/deploy/runs/7",
    );
    expect(safeUrl("https://github.com/acme/deploy/pull/2", "https://github.com")).toBe(
      "https://github.com/acme/deploy/pull/2",
    );
    for (const url of ["https://127.0.0.1:3000/a", "http://127.0.0.1:3001/a", "http://evil.example/a"])
      expect(safeUrl(url, "http://127.0.0.1:3000"), url).toBeUndefined();
    // A bare host still means https only.
    expect(safeUrl("http://github.com/a", "github.com")).toBeUndefined();
  });
});

describe("codeBlock", () => {
  it.each(hostile)("shows %j verbatim in one block: no link, image, HTML, mention or ref", (text) => {
    const out = render(`<details><summary>Notes</summary>\n\n${codeBlock(text)}\n\n</details>`);
    expect(out.links).toBe(0);
    expect(out.images).toBe(0);
    expect(out.mentions).toEqual([]);
    expect(out.refs).toEqual([]);
    expect(out.elements.filter((e) => !["details", "summary", "pre", "code"].includes(e))).toEqual([]);
  });

  it("keeps lines, and a fence inside cannot close it", () => {
    const text = "## 1.5.0\n\n- fix #12 by @bob\n```\n</details>\n````";
    const out = render(codeBlock(text));
    expect(out.elements).toEqual(["pre", "code"]);
    expect(out.text.trim()).toBe(text);
  });
});

describe("plainMessage", () => {
  it("drops the backticks markdown would need, since annotations are plain text", () => {
    expect(plainMessage("add the `ferry:rollback` label to roll back")).toBe(
      "add the ferry:rollback label to roll back",
    );
    expect(plainMessage("image ``a`b`` is bad")).toBe("image a`b is bad");
    expect(plainMessage("no code here")).toBe("no code here");
  });
});
