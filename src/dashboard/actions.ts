import type { DashboardAction } from "./model.js";

/**
 * The dashboard's checkboxes. Each carries a hidden id naming the action, never its tag: a tick
 * asks Ferry to act on what GitHub says now, so an edited or stale body cannot choose the tag.
 */

export interface ActionId {
  kind: DashboardAction["kind"];
  app: string;
  env: string;
}

/** App names allow dots and underscores; environment names do not (see config/schema.ts). */
const idPattern = /<!-- ferry-action:(promote|rollback):([a-z0-9][a-z0-9._-]*):([a-z0-9][a-z0-9-]*) -->/;
const checkbox = new RegExp(`^\\s{0,3}[-*+] \\[([ xX])\\] ${idPattern.source}`);

export function actionId(action: Pick<DashboardAction, "kind" | "app" | "env">): string {
  return `<!-- ferry-action:${action.kind}:${action.app}:${action.env} -->`;
}

export function sameAction(a: ActionId, b: ActionId): boolean {
  return a.kind === b.kind && a.app === b.app && a.env === b.env;
}

/** The action ids whose box is ticked in `body`, in order, each once. */
export function tickedActions(body: string): ActionId[] {
  const found: ActionId[] = [];
  for (const line of body.split(/\r?\n/)) {
    const m = checkbox.exec(line);
    if (!m || m[1] === " ") continue;
    const id = { kind: m[2] as ActionId["kind"], app: m[3] as string, env: m[4] as string };
    if (!found.some((f) => sameAction(f, id))) found.push(id);
  }
  return found;
}

/** Boxes ticked in `after` that were not ticked in `before`: what one edit asks for. */
export function newlyTicked(before: string, after: string): ActionId[] {
  const already = tickedActions(before);
  return tickedActions(after).filter((id) => !already.some((a) => sameAction(a, id)));
}
