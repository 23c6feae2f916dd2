import type { Report } from "./report.js";

/**
 * Stable identity of the object a report speaks for. Its own module, free of zod, so the agent
 * can use it without loading the report schema.
 */
export function objectKey(report: Pick<Report, "cluster" | "object">): string {
  const { kind, namespace, name } = report.object;
  return `${report.cluster}/${kind}/${namespace}/${name}`;
}
