import semver from "semver";

/** An environment's tag rules, as in ferry.yml `environments[].tags`. */
export interface TagRules {
  /** A semver range the tag must satisfy; a leading `v` on the tag is ignored. */
  semver?: string | undefined;
  /** Whether prerelease tags (1.2.0-rc.1) are allowed. */
  prerelease: boolean;
  /** A regular expression the whole tag must match. */
  pattern?: string | undefined;
}

/** When a tag was built (ms since epoch or a Date), supplied by the caller for non-semver tags. */
export type BuildTime = (tag: string) => number | Date | undefined;

/** The semver version a tag spells, with or without a `v` prefix; undefined for other tags. */
export function semverOf(tag: string): semver.SemVer | undefined {
  const bare = /^[vV]\d/.test(tag) ? tag.slice(1) : tag;
  // Strict parsing: `1.4` or `latest` are not semver and are ordered by build time instead.
  return semver.parse(bare, { loose: false }) ?? undefined;
}

/**
 * Orders two tags: negative when `a` is older than `b`. Semver tags compare by precedence
 * (prereleases before their release); otherwise by build time. Undefined when neither works,
 * so callers can say "cannot tell" instead of guessing.
 */
export function compareTags(a: string, b: string, builtAt?: BuildTime): number | undefined {
  if (a === b) return 0;
  const va = semverOf(a);
  const vb = semverOf(b);
  if (va !== undefined && vb !== undefined) {
    const order = semver.compare(va, vb);
    // 1.4.2 and v1.4.2 are the same version; fall through to build time to break the tie.
    if (order !== 0) return order;
  }
  const ta = timeOf(a, builtAt);
  const tb = timeOf(b, builtAt);
  if (ta !== undefined && tb !== undefined && ta !== tb) return ta < tb ? -1 : 1;
  return va !== undefined && vb !== undefined ? 0 : undefined;
}

/** Whether `candidate` is newer than `current`; undefined when the two cannot be ordered. */
export function isNewer(candidate: string, current: string, builtAt?: BuildTime): boolean | undefined {
  const order = compareTags(candidate, current, builtAt);
  return order === undefined ? undefined : order > 0;
}

/** The newest of `tags` that can be ordered against all others; undefined for an empty list. */
export function newestTag(tags: readonly string[], builtAt?: BuildTime): string | undefined {
  let newest: string | undefined;
  for (const tag of tags) {
    if (newest === undefined || (compareTags(tag, newest, builtAt) ?? 0) > 0) newest = tag;
  }
  return newest;
}

/**
 * Why `tag` may not be deployed to an environment with these rules, or undefined when it may.
 * The reason is a sentence a developer can act on.
 */
export function checkTagRules(tag: string, rules: TagRules): string | undefined {
  if (rules.pattern !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${rules.pattern})$`);
    } catch {
      return `the environment's tag pattern /${rules.pattern}/ is not a valid regular expression`;
    }
    if (!pattern.test(tag)) return `tag "${tag}" does not match the environment's pattern /${rules.pattern}/`;
  }
  const version = semverOf(tag);
  if (!rules.prerelease && version !== undefined && version.prerelease.length > 0) {
    return `tag "${tag}" is a prerelease, and this environment does not allow prereleases`;
  }
  if (rules.semver !== undefined) {
    if (semver.validRange(rules.semver) === null) {
      return `the environment's semver range "${rules.semver}" is not a valid range`;
    }
    if (version === undefined) {
      return `tag "${tag}" is not a semver version, and this environment requires ${rules.semver}`;
    }
    if (!semver.satisfies(version, rules.semver, { includePrerelease: rules.prerelease })) {
      return `tag "${tag}" is outside this environment's range ${rules.semver}`;
    }
  }
  return undefined;
}

function timeOf(tag: string, builtAt: BuildTime | undefined): number | undefined {
  const time = builtAt?.(tag);
  return time instanceof Date ? time.getTime() : time;
}
