import type { Annotation } from "./annotations.js";

/** Everything needed to write one completed check run; rendered by the pure core, sent by src/github/. */
export interface CheckOutput {
  name: string;
  conclusion: "success" | "failure" | "neutral" | "cancelled" | "skipped" | "timed_out" | "action_required";
  title: string;
  summary: string;
  text?: string;
  annotations: Annotation[];
}
