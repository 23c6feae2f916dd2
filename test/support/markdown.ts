import MarkdownIt from "markdown-it";

/**
 * Renders markdown roughly as GitHub does (tables, strikethrough, bare-URL autolinks, raw HTML
 * passed through) and reports what a reader would see: links, images, HTML elements, headings,
 * and the `@mentions` and `#refs` GitHub would link in the rendered text.
 */
const md = new MarkdownIt({ html: true, linkify: true });

export interface Rendered {
  html: string;
  /** Visible text, with zero-width spaces removed. */
  text: string;
  links: number;
  images: number;
  /** Element names other than the structure markdown itself produces for the test's frame. */
  elements: string[];
  mentions: string[];
  refs: string[];
}

export function render(markdown: string): Rendered {
  const html = md.render(markdown);
  const elements = [...html.matchAll(/<([a-z][a-z0-9]*)\b/gi)].map((m) => (m[1] as string).toLowerCase());
  // GitHub links mentions and refs in text nodes outside code and links.
  const prose = decode(
    html
      .replace(/<code\b[^>]*>[\s\S]*?<\/code>/g, " ")
      .replace(/<a\b[\s\S]*?<\/a>/g, " ")
      .replace(/<[^>]+>/g, " "),
  );
  return {
    html,
    text: decode(html.replace(/<[^>]+>/g, "")).replace(/\u200b/g, ""),
    links: elements.filter((e) => e === "a").length,
    images: elements.filter((e) => e === "img").length,
    elements,
    mentions: [...prose.matchAll(/(?:^|[^\w`])@([a-z0-9][a-z0-9-]*(?:\/[a-z0-9][a-z0-9-]*)?)/gi)].map(
      (m) => m[1] as string,
    ),
    refs: [...prose.matchAll(/(?:^|[^\w&])#(\d+)/g)].map((m) => m[1] as string),
  };
}

function decode(html: string): string {
  return html
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, "&");
}
