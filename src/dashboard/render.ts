import { fitText, githubLimits, type SizeLimit, sizeIn } from "../github/limits.js";
import { codeSpan, plainText, tableCell } from "../markdown.js";
import { actionId } from "./actions.js";
import type {
  AppView,
  CellView,
  DashboardAction,
  DashboardModel,
  EnvironmentView,
  HistoryEntry,
  Phase,
  Pin,
} from "./model.js";

/** The issue Ferry keeps per config repo: found again by its label and this hidden first line. */
export const dashboardTitle = "Ferry dashboard";
export const dashboardLabel = "ferry:dashboard";
export const dashboardMarker = "<!-- ferry:dashboard -->";

export function isDashboardBody(body: string | null | undefined): boolean {
  return body?.startsWith(dashboardMarker) ?? false;
}

/**
 * GitHub's 65,536 for an issue body, held in bytes of UTF-8: the body's icons and arrows take 3 to
 * 4 bytes a character, and a body that fits in bytes fits however the limit is counted.
 */
export const dashboardLimit: SizeLimit = { max: githubLimits.body.max, unit: "bytes" };

/**
 * The dashboard issue's body: the environment chain as a mermaid flowchart, the apps ×
 * environments matrix, the actions as checkboxes and the last promotions. Every value read from
 * the repository (tags, digests) is a code span; names are plain text. Absolute times only, so the
 * same facts render the same body and an unchanged dashboard costs no edit. When `limit` would be
 * passed, the matrix lists as many apps as fit and says how many more there are.
 */
export function renderDashboard(model: DashboardModel, limit: SizeLimit = dashboardLimit): string {
  const fits = (text: string) => sizeIn(text, limit.unit) <= limit.max;
  const all = compose(model, model.apps.length, limit);
  if (fits(all)) return all;
  // The largest number of apps that fits, by bisection (each probe renders the body once).
  let best = compose(model, 0, limit);
  let low = 1;
  let high = model.apps.length - 1;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const text = compose(model, mid, limit);
    if (fits(text)) {
      best = text;
      low = mid + 1;
    } else high = mid - 1;
  }
  // Only an absurd number of environments gets here: cut in the middle rather than be refused.
  return fitText(best, limit);
}

function compose(model: DashboardModel, shown: number, limit: SizeLimit): string {
  const apps = model.apps.slice(0, shown);
  const names = new Set(apps.map((a) => a.name));
  const hidden = model.apps.length - apps.length;
  const origin = originOf(model.repo.url);
  const lines = [
    dashboardMarker,
    `Where every app of this config repo runs, kept current by Ferry from the default branch (at ${link(codeSpan(model.head.oid.slice(0, 7)), model.head.url, origin)}), its pull requests and the clusters' reports.`,
    "",
    "## Environments",
    "",
    ...flowchart(model.environments, apps),
    "",
    "## Versions",
    "",
    ...matrix(model.environments, apps, origin),
  ];
  if (hidden > 0) {
    lines.push(
      "",
      `**… ${count(hidden)} more ${hidden === 1 ? "app" : "apps"} not shown** to keep this issue within ${count(limit.max)} ${limit.unit}, GitHub's limit. ${codeSpan(`ferry status --repo ${model.repo.owner}/${model.repo.repo}`)} lists them all.`,
    );
  }
  lines.push("", "## Promote or roll back", "", ...actions(model.actions.filter((a) => names.has(a.app))));
  lines.push("", "## Last promotions", "", ...historyTable(model.history, origin));
  lines.push(
    "",
    "<sub>Ferry edits this issue in place as promotions, merges and cluster reports come in. Close it to stop the updates; reopen it to resume.</sub>",
    "",
  );
  return lines.join("\n");
}

const phaseIcon: Record<Phase, string> = {
  healthy: "✅",
  syncing: "🔄",
  waiting: "⏳",
  degraded: "❌",
  failed: "❌",
  drifted: "⚠️",
  "timed out": "⌛",
  unknown: "❔",
};

const phaseClass: Record<Phase, string> = {
  healthy: "ok",
  syncing: "busy",
  waiting: "busy",
  degraded: "bad",
  failed: "bad",
  drifted: "bad",
  "timed out": "bad",
  unknown: "none",
};

/** How many apps an environment's box in the flowchart names before "+N more". */
const appsPerNode = 6;

function flowchart(environments: readonly EnvironmentView[], apps: readonly AppView[]): string[] {
  const id = new Map(environments.map((e, i) => [e.name, `e${i}`]));
  const lines = ["```mermaid", "flowchart LR"];
  for (const env of environments) {
    const running = apps.flatMap((app) => {
      const cell = app.cells[env.name];
      return cell && cell.pins.length > 0 ? [`${app.name} ${pinSummary(cell.pins)}`] : [];
    });
    const shown = running.slice(0, appsPerNode);
    if (running.length > shown.length) shown.push(`+${running.length - shown.length} more`);
    const label = [env.name, ...shown].map(mermaidText).join("<br/>");
    // A failure after the soak leaves the verified check as it was; the open health issue says it.
    const state = env.unhealthy ? "bad" : phaseClass[env.health?.phase ?? "unknown"];
    lines.push(`  ${id.get(env.name)}["${label}"]:::${state}`);
  }
  for (const env of environments)
    for (const upstream of env.after)
      if (id.has(upstream)) lines.push(`  ${id.get(upstream)} --> ${id.get(env.name)}`);
  lines.push(
    "  classDef ok fill:#dafbe1,stroke:#1a7f37,color:#1f2328",
    "  classDef busy fill:#fff8c5,stroke:#9a6700,color:#1f2328",
    "  classDef bad fill:#ffebe9,stroke:#cf222e,color:#1f2328",
    "  classDef none fill:#f6f8fa,stroke:#8c959f,color:#1f2328",
    "```",
  );
  return lines;
}

/** A tag in a flowchart label: short, and only characters that mean nothing to mermaid. */
function pinSummary(pins: readonly Pin[]): string {
  if (pins.length > 1) return "(mixed)";
  const tag = pins[0]?.tag ?? `@${(pins[0]?.digest ?? "").slice(0, 19)}`;
  return tag.length > 24 ? `${tag.slice(0, 23)}…` : tag;
}

/**
 * Text for a quoted mermaid label. Mermaid reads `#<n>;` as a character code; every character
 * outside a small safe set is written that way, so a label can neither end its quotes nor
 * carry markup.
 */
export function mermaidText(text: string): string {
  return Array.from(text)
    .map((c) => (/^[A-Za-z0-9 ._:@/+()-]$/.test(c) ? c : `#${c.codePointAt(0)};`))
    .join("");
}

function matrix(
  environments: readonly EnvironmentView[],
  apps: readonly AppView[],
  origin: string,
): string[] {
  const row = (cells: string[]) => `| ${cells.map(tableCell).join(" | ")} |`;
  return [
    row(["", ...environments.map((e) => `**${plainText(e.name)}**`)]),
    `| --- |${environments.map(() => " --- |").join("")}`,
    row(["*cluster*", ...environments.map((e) => environmentCell(e, origin))]),
    ...apps.map((app) =>
      row([`**${plainText(app.name)}**`, ...environments.map((e) => appCell(app.cells[e.name], origin))]),
    ),
  ];
}

function environmentCell(env: EnvironmentView, origin: string): string {
  const parts: string[] = [];
  const h = env.health;
  if (h === undefined) parts.push(env.reporting ? "no report yet" : "no cluster reports here");
  else {
    const states = [h.sync, h.health].filter((s): s is string => s !== undefined).map(plainText);
    parts.push(
      [
        `${phaseIcon[h.phase]} ${link(h.phase, h.checkUrl, origin)}`,
        ...states,
        `at ${link(codeSpan(h.sha.slice(0, 7)), h.commitUrl, origin)}`,
      ].join(" · "),
    );
    if (h.since) parts.push(`since ${time(h.since)}`);
  }
  if (env.soakUntil) parts.push(`⏳ soak until ${time(env.soakUntil)}`);
  if (env.drift) parts.push(`⚠️ drift #${env.drift.number}`);
  if (env.unhealthy) parts.push(`❌ unhealthy #${env.unhealthy.number}`);
  return parts.join("<br>");
}

function appCell(cell: CellView | undefined, origin: string): string {
  if (cell === undefined) return "—";
  const parts: string[] = [];
  if (cell.pins.length === 0) parts.push("*not found*");
  else if (cell.pins.length === 1) parts.push(pinText(cell.pins[0] as Pin));
  else parts.push(`mixed: ${cell.pins.map(pinText).join(", ")}`);
  if (cell.commit)
    parts.push(
      `${link(codeSpan(cell.commit.oid.slice(0, 7)), cell.commit.url, origin)}${cell.since ? ` ${time(cell.since)}` : ""}`,
    );
  if (cell.openPr)
    parts.push(
      `${cell.openPr.rollback ? "↩️" : "➡️"} #${cell.openPr.number}${cell.openPr.tag ? ` ${codeSpan(cell.openPr.tag)}` : ""}`,
    );
  return parts.join("<br>");
}

function pinText(pin: Pin): string {
  const digest = pin.digest ? codeSpan(`@${shortDigest(pin.digest)}`) : "";
  return [pin.tag === undefined ? "" : codeSpan(pin.tag), digest].filter(Boolean).join(" ");
}

/** `sha256:` and the first 12 hex digits: enough to tell builds apart. */
export function shortDigest(digest: string): string {
  const [algorithm = "", hex = ""] = digest.split(":");
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest.slice(0, 19);
}

function actions(list: readonly DashboardAction[]): string[] {
  if (list.length === 0) return ["Nothing to promote or roll back right now."];
  return [
    ...list.map((a) => `- [ ] ${actionId(a)} ${actionText(a)}`),
    "",
    "Ticking a box needs write access to this repository. Ferry then opens or updates the pull request, unticks the box and replies below; the pull request still goes through review and Ferry's checks.",
  ];
}

/** What a checkbox does, in words; the same text Ferry's replies use. */
export function actionText(a: DashboardAction): string {
  const app = `**${plainText(a.app)}**`;
  const env = `**${plainText(a.env)}**`;
  if (a.kind === "promote") {
    const running = a.running ? `; ${plainText(a.env)} runs ${codeSpan(a.running)}` : "";
    return `Promote ${app} ${codeSpan(a.tag)} to ${env} (from ${a.from.map(plainText).join(" and ")}${running})`;
  }
  return `Roll back ${app} in ${env} from ${codeSpan(a.running)} (to ${codeSpan(a.to)}, or the last earlier tag that ran healthy)`;
}

function historyTable(history: readonly HistoryEntry[], origin: string): string[] {
  if (history.length === 0) return ["No Ferry pull request has been merged yet."];
  const row = (cells: string[]) => `| ${cells.map(tableCell).join(" | ")} |`;
  return [
    row(["Merged", "App", "Environment", "Change", "Pull request", "Merged by"]),
    "| --- | --- | --- | --- | --- | --- |",
    ...history.map((h) =>
      row([
        time(h.mergedAt),
        plainText(h.app),
        plainText(h.env),
        `${h.rollback ? "↩️ rollback " : ""}${h.from ? `${codeSpan(h.from)} → ` : ""}${codeSpan(h.tag)}`,
        link(`#${h.number}`, h.url, origin),
        h.mergedBy ? plainText(h.mergedBy) : "—",
      ]),
    ),
  ];
}

/** `2026-11-23 10:02 UTC`. */
export function time(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "unknown time";
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}

/**
 * `[text](url)` for URLs GitHub gave for this repository (same origin as the repository's own
 * URL, http or https), else the text alone. Characters that could end the destination are
 * percent-encoded.
 */
function link(text: string, url: string | undefined, origin: string): string {
  if (url === undefined || origin === "") return text;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return text;
  }
  if (parsed.origin !== origin || parsed.username || parsed.password) return text;
  const href = parsed.href.replace(
    /[\s()[\]<>"'`\\|@]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
  return `[${text}](${href})`;
}

const count = (n: number) => n.toLocaleString("en-US");
