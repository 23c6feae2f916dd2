import type { CellView, DashboardModel, EnvironmentView, Pin } from "./model.js";
import { shortDigest, time } from "./render.js";

/**
 * The dashboard's matrix for a terminal (`ferry status`): the same model as the issue, as plain
 * text in aligned columns. Control characters from the repository's text are replaced, so a tag
 * or name cannot move the cursor or colour the terminal.
 */
export function renderStatus(model: DashboardModel): string {
  const envs = model.environments;
  const rows: string[][][] = [
    [[""], ...envs.map((e) => [e.name])],
    [["cluster"], ...envs.map(environmentLines)],
    ...model.apps.map((app) => [[app.name], ...envs.map((e) => cellLines(app.cells[e.name]))]),
  ];
  const widths = [0, ...envs.map((_e, i) => i + 1)].map((column) =>
    Math.max(0, ...rows.flatMap((r) => (r[column] ?? []).map(width))),
  );
  const out = [
    `${clean(`${model.repo.owner}/${model.repo.repo}`)} at ${model.head.oid.slice(0, 7)} (default branch)`,
    "",
  ];
  for (const [index, row] of rows.entries()) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let line = 0; line < height; line++)
      out.push(
        row
          .map((cell, column) => pad(cell[line] ?? "", widths[column] ?? 0))
          .join("  ")
          .trimEnd(),
      );
    // A blank line between rows of several lines; the header sits on the first row.
    if (index > 0 && index < rows.length - 1) out.push("");
  }
  out.push("");
  if (model.actions.length > 0) {
    out.push("Waiting (tick it on the dashboard issue, or comment the command on any issue):");
    for (const a of model.actions)
      out.push(
        a.kind === "promote"
          ? `  /ferry promote ${a.app} ${a.tag}${a.digest ? `@${a.digest}` : ""} to ${a.env}   (running in ${a.from.join(" and ")})`
          : `  /ferry rollback ${a.app} ${a.env}   (${a.env} runs ${a.running}; likely back to ${a.to})`,
      );
  } else out.push("Nothing waiting to be promoted or rolled back.");
  out.push("", "Last promotions:");
  if (model.history.length === 0) out.push("  none merged yet");
  for (const h of model.history)
    out.push(
      `  ${time(h.mergedAt)}  ${h.app}  ${h.env}  ${h.rollback ? "rollback " : ""}${h.from ? `${h.from} -> ` : ""}${h.tag}  #${h.number}  ${h.mergedBy ? `merged by ${h.mergedBy}` : ""}`.trimEnd(),
    );
  return `${out.map(clean).join("\n")}\n`;
}

function environmentLines(env: EnvironmentView): string[] {
  const h = env.health;
  const lines: string[] = [];
  if (h === undefined) lines.push(env.reporting ? "no report yet" : "no cluster reports");
  else {
    lines.push([h.phase, h.sync, h.health].filter(Boolean).join(" · "));
    lines.push(`at ${h.sha.slice(0, 7)}${h.since ? ` since ${time(h.since)}` : ""}`);
  }
  if (env.soakUntil) lines.push(`soak until ${time(env.soakUntil)}`);
  if (env.drift) lines.push(`drift: issue #${env.drift.number}`);
  if (env.unhealthy) lines.push(`unhealthy: issue #${env.unhealthy.number}`);
  return lines;
}

function cellLines(cell: CellView | undefined): string[] {
  if (cell === undefined) return ["-"];
  const lines = [cell.pins.length === 0 ? "not found" : cell.pins.map(pinText).join(", ")];
  if (cell.pins.length > 1) lines[0] = `mixed: ${lines[0]}`;
  if (cell.commit) lines.push(`${cell.commit.oid.slice(0, 7)}${cell.since ? ` ${time(cell.since)}` : ""}`);
  if (cell.openPr)
    lines.push(
      `${cell.openPr.rollback ? "rollback" : "PR"} #${cell.openPr.number}${cell.openPr.tag ? ` ${cell.openPr.tag}` : ""}`,
    );
  return lines;
}

function pinText(pin: Pin): string {
  return [pin.tag, pin.digest ? `@${shortDigest(pin.digest)}` : undefined].filter(Boolean).join(" ");
}

/** Control characters (escape sequences start with one) become `?`. */
function clean(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => (c === "\n" ? c : "?"));
}

function width(text: string): number {
  return Array.from(text).length;
}

function pad(text: string, to: number): string {
  return text + " ".repeat(Math.max(0, to - width(text)));
}
