/** Severity of a finding; `off` rules produce none. */
export type Severity = "error" | "warning" | "notice";

/**
 * One thing a user should see, anchored to a file position (1-based line and column).
 * Every check run annotation, CLI line and SARIF result is rendered from these.
 */
export interface Finding {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  severity: Severity;
  /** Stable identifier of what produced it: a policy rule id, `yaml`, `schema`, `config`, … */
  rule: string;
  message: string;
  /**
   * What to do about it, when the message ends with it (`…; pin a version`): check summaries show
   * it in its own column. Absent, the rule's own fix is shown.
   */
  fix?: string;
}

/** A value or the reasons it could not be produced. */
export type Result<T, E = Finding[]> = { ok: true; value: T } | { ok: false; errors: E };
