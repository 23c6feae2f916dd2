import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { EnvironmentConfig, FerryConfig } from "../config/schema.js";
import type { Finding } from "../findings.js";
import { validateFiles } from "../policy/engine.js";
import type { ObjectDiff } from "./diff.js";
import { mapBack } from "./map-back.js";
import { objectText } from "./objects.js";
import type { RepoFiles } from "./repo-files.js";

/**
 * Schemas and policy on the objects a change adds or alters, as rendered for one environment.
 * Each finding moves to the source line that set the field (mapBack) and says which rendered
 * object it is about; findings already reported on that line by the raw validation are dropped.
 */
export async function validateRendered(input: {
  environment: EnvironmentConfig;
  config: FerryConfig;
  diffs: readonly ObjectDiff[];
  files: RepoFiles;
  reported: readonly Finding[];
}): Promise<Finding[]> {
  const changed = input.diffs.filter((d) => d.head !== undefined);
  const objects = changed.flatMap((d) => (d.head ? [d.head] : []));
  if (objects.length === 0) return [];
  const texts = objects.map((o) => objectText(o.data));
  const validate = (list: string[]) =>
    validateFiles({
      files: list.map((text, i) => ({ path: `rendered/${i}.yaml`, text })),
      config: input.config,
      environment: input.environment.name,
    });
  const report = await validate(texts);
  // What the base render of the same objects already had is not this change's doing.
  const before = await validate(changed.map((d) => (d.base ? objectText(d.base.data) : "")));
  const existing = new Set(
    before.findings.map(
      (f) => `${changed[Number(/(\d+)\.yaml$/.exec(f.file)?.[1])]?.key}\n${f.rule}\n${f.message}`,
    ),
  );
  const lines = texts.map(linePaths);
  const reported = new Set(input.reported.map((f) => `${f.file}\n${f.line}\n${f.rule}`));
  const cache = new Map();
  const findings: Finding[] = [];
  for (const finding of report.findings) {
    // A kind Ferry has no schema for is noted on the raw file already; a rendered copy adds nothing.
    if (finding.rule === "unknown-kind" && finding.severity !== "error") continue;
    const index = Number(/^rendered\/(\d+)\.yaml$/.exec(finding.file)?.[1]);
    const object = objects[index];
    if (object === undefined) continue;
    if (existing.has(`${changed[index]?.key}\n${finding.rule}\n${finding.message}`)) continue;
    const path = pathOf(lines[index]?.get(finding.line) ?? [], finding.message);
    const at = mapBack(object, path, input.files, cache);
    if (reported.has(`${at.file}\n${at.line}\n${finding.rule}`)) continue;
    findings.push({
      file: at.file,
      line: at.line,
      column: at.column,
      severity: finding.severity,
      rule: finding.rule,
      message: `${object.key}, as rendered for ${input.environment.name}: ${finding.message}`,
    });
  }
  return findings;
}

/**
 * Of the paths starting on a finding's line (a list item and its first key share one), the
 * deepest whose key the message names as a word (`"envv"`, `.envv`, `image "…"`), else the outermost.
 */
function pathOf(candidates: (string | number)[][], message: string): (string | number)[] {
  for (const path of [...candidates].reverse()) {
    const key = path.at(-1);
    if (
      typeof key === "string" &&
      new RegExp(`(^|[^\\w-])${key.replace(/[^\w-]/g, "\\$&")}([^\\w-]|$)`).test(message)
    )
      return path;
  }
  return candidates[0] ?? [];
}

/** Line → key paths of the nodes that start there, outermost first, for a YAML text. */
function linePaths(text: string): Map<number, (string | number)[][]> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const map = new Map<number, (string | number)[][]>();
  const add = (line: number | undefined, path: (string | number)[]) => {
    if (line === undefined) return;
    const list = map.get(line) ?? [];
    list.push(path);
    map.set(line, list);
  };
  const visit = (node: unknown, path: (string | number)[]) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const child = [...path, String(pair.key.value)];
        const line = pair.key.range ? lineCounter.linePos(pair.key.range[0]).line : undefined;
        add(line, child);
        visit(pair.value, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const range = (item as { range?: [number, number, number] }).range;
        const line = range ? lineCounter.linePos(range[0]).line : undefined;
        add(line, [...path, i]);
        visit(item, [...path, i]);
      });
    }
  };
  visit(doc.contents, []);
  return map;
}
