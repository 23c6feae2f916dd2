import type { Build } from "./build.js";

const placeholders = ["sha", "short_sha", "run_number", "branch", "git_tag"] as const;
type Placeholder = (typeof placeholders)[number];

/** Whether the template needs the tag on the head commit (one extra API call to find it). */
export function needsGitTag(template: string): boolean {
  return /\{\{\s*git_tag\s*\}\}/.test(template);
}

/**
 * Renders an app's `tag` template for a workflow run. Returns an error sentence when a
 * placeholder has no value (e.g. `git_tag` on an untagged commit) rather than a broken tag.
 */
export function renderTag(template: string, build: Build, gitTag?: string): { tag?: string; error?: string } {
  const values: Record<Placeholder, string | undefined> = {
    sha: build.sha,
    short_sha: build.sha?.slice(0, 7),
    run_number: build.workflow ? String(build.workflow.runNumber) : undefined,
    branch: build.workflow?.branch.replace(/[^A-Za-z0-9_.-]/g, "-"),
    git_tag: gitTag,
  };
  let error: string | undefined;
  const tag = template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_match, name: string) => {
    const value = (placeholders as readonly string[]).includes(name)
      ? values[name as Placeholder]
      : undefined;
    if (value === undefined || value === "") {
      error ??= (placeholders as readonly string[]).includes(name)
        ? `tag template "${template}": {{ ${name} }} has no value for this build`
        : `tag template "${template}": unknown placeholder {{ ${name} }}; use ${placeholders.join(", ")}`;
      return "";
    }
    return value;
  });
  if (error) return { error };
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag))
    return { error: `tag template "${template}" gave "${tag}", which is not a valid image tag` };
  return { tag };
}
