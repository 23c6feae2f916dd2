import { agree } from "../../plural.js";
import type { PolicyRule } from "../rule.js";
import { isRecord, isWorkload } from "../workloads.js";

/** Labels a platform relies on (ownership, cost, alerting) must be on every workload. */
export const requiredLabels: PolicyRule = {
  id: "required-labels",
  description: "Every workload carries the metadata labels listed in the rule's `labels` setting.",
  fix: "add the labels under metadata.labels",
  defaultSeverity: "warning",
  wholeObject: true,
  check(object, ctx) {
    if (ctx.labels.length === 0 || !isWorkload(object)) return [];
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const labels = isRecord(metadata.labels) ? metadata.labels : {};
    const missing = ctx.labels.filter((label) => !Object.hasOwn(labels, label));
    if (missing.length === 0) return [];
    const path = isRecord(metadata.labels) ? ["metadata", "labels"] : ["metadata"];
    const list = missing.map((label) => `"${label}"`).join(", ");
    return [
      ctx.report(path, `${object.kind} lacks required ${agree(missing.length, "label", "labels")} ${list}`),
    ];
  },
};
