/** One-shot (or n-shot) failures injected in front of the routes. */
export interface FaultRule {
  /** HTTP method; any when omitted. */
  method?: string;
  /** Path without `/api/v3` (e.g. `/repos/acme/deploy/pulls`), a route template, or a RegExp on the path. */
  path?: string | RegExp;
  /** GraphQL operation name or top-level field (e.g. `createCommitOnBranch`). Implies POST /graphql. */
  graphql?: string | RegExp;
  /** The status to answer; omit it for a rule that only delays (`delayMs`) or fails a field. */
  status?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Let this many matching requests through before failing (default 0): "the second PATCH fails". */
  skip?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Run the real handler first (its effects land), then answer the error: "a 502 after the PR was created". */
  afterEffect?: boolean;
  /**
   * A secondary rate limit (with `status` 403 or 429): GitHub's message, with `retry-after` only if
   * `headers` gives one — GitHub sends it on some secondary limits and not on others.
   */
  secondaryRateLimit?: boolean;
  /** Hold the request this long before handling it (a slow GitHub; with no `status`, then answer normally). */
  delayMs?: number;
  /**
   * Make the GraphQL mutation field named by `graphql` fail with this error type while the rest
   * of the document runs, as GitHub answers it: 200 with `data` (that field null) and `errors`
   * with `type`, `path` and `locations`. STALE_DATA on `createCommitOnBranch` gets GitHub's message.
   */
  fieldError?: { type: string; message?: string };
}

export interface RequestInfo {
  method: string;
  path: string;
  route: string | undefined;
  graphqlNames: string[];
}

const MESSAGES: Record<number, string> = {
  400: "Bad Request",
  401: "Bad credentials",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  422: "Validation Failed",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Server Error",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

const SECONDARY =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.";

export class Faults {
  private rules: (FaultRule & { left: number; toSkip: number })[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1, toSkip: rule.skip ?? 0 });
  }

  clear(): void {
    this.rules = [];
  }

  get pending(): number {
    return this.rules.reduce((n, r) => n + r.left, 0);
  }

  /** Consumes and returns the first rule matching the request. */
  take(req: RequestInfo): FaultRule | undefined {
    const rule = this.rules.find((r) => r.left > 0 && matches(r, req));
    if (!rule) return undefined;
    if (rule.toSkip > 0) {
      rule.toSkip--;
      return undefined;
    }
    rule.left--;
    this.rules = this.rules.filter((r) => r.left > 0);
    return rule;
  }
}

function matches(rule: FaultRule, req: RequestInfo): boolean {
  if (rule.method && rule.method.toUpperCase() !== req.method) return false;
  if (rule.path !== undefined) {
    const ok =
      typeof rule.path === "string"
        ? rule.path === req.path || rule.path === req.route || rule.path === `${req.method} ${req.route}`
        : rule.path.test(req.path);
    if (!ok) return false;
  }
  if (rule.graphql !== undefined) {
    if (req.path !== "/graphql") return false;
    const g = rule.graphql;
    if (!req.graphqlNames.some((n) => (typeof g === "string" ? n === g : g.test(n)))) return false;
  }
  return true;
}

/** The body GitHub sends for a status, unless the rule gives one. */
export function faultBody(rule: FaultRule & { status: number }): unknown {
  if (rule.body !== undefined) return rule.body;
  const limited = rule.status === 403 || rule.status === 429;
  const secondary = limited && (rule.secondaryRateLimit || rule.headers?.["retry-after"] !== undefined);
  const message = secondary ? SECONDARY : (MESSAGES[rule.status] ?? "Error");
  return { message, documentation_url: "https://docs.github.com/rest", status: String(rule.status) };
}
