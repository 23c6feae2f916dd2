/**
 * The history part of Ferry's environment issues ("Drift in <env>", "Unhealthy in <env>"): each
 * change and the resolution is a line under a marker, kept when the current part is rewritten,
 * so a closed issue still says what happened and when.
 */
const historyMarker = "<!-- ferry:history -->";
/** The newest lines kept, so a long-lived issue stays well within GitHub's body limit. */
const maxLines = 100;

/** The history lines of an issue body Ferry wrote (lines under its history marker). */
function historyOf(body: string | undefined): string[] {
  const at = body?.indexOf(historyMarker) ?? -1;
  if (body === undefined || at < 0) return [];
  return body
    .slice(at + historyMarker.length)
    .split("\n")
    .filter((l) => l.startsWith("- "));
}

/** `current`, then the history of `previous` (the body so far) and `line`: the list of changes is never lost. */
export function withHistory(current: string, previous: string | undefined, line: string): string {
  const lines = [...historyOf(previous), line].slice(-maxLines);
  return `${current}\n\n${historyMarker}\n### History\n\n${lines.join("\n")}`;
}

/** `body` with `line` added to its history, everything else kept (the resolved line on close). */
export function appendHistory(body: string, line: string): string {
  return body.includes(historyMarker)
    ? `${body}\n${line}`
    : `${body}\n\n${historyMarker}\n### History\n\n${line}`;
}
