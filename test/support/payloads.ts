import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };

type Json = Record<string, unknown>;

/**
 * A webhook payload built on GitHub's published example for `event`/`action`, with `overrides`
 * merged in deeply (objects merge, everything else replaces). Tests then send exactly what
 * GitHub would, with only the fields the test cares about changed.
 */
export function webhookExample(event: string, action: string | undefined, overrides: Json): Json {
  const group = (examples as unknown as { name: string; examples: Json[] }[]).find((e) => e.name === event);
  const found = group?.examples.find((e) => action === undefined || e.action === action);
  if (!found)
    throw new Error(`@octokit/webhooks-examples has no ${event}${action ? `.${action}` : ""} example`);
  return merge(structuredClone(found), overrides);
}

function merge(base: Json, overrides: Json): Json {
  for (const [key, value] of Object.entries(overrides)) {
    const current = base[key];
    base[key] = isObject(value) && isObject(current) ? merge(current, value) : value;
  }
  return base;
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The `repository` fields of a payload for `owner/name` on the test server. */
export function repository(fullName: string): Json {
  const [owner = "", name = ""] = fullName.split("/");
  return {
    id: repositoryId(fullName),
    full_name: fullName,
    name,
    owner: { login: owner },
    html_url: `https://github.example/${fullName}`,
  };
}

/** A stable numeric repository id per name, so payloads about one repository agree on it. */
export function repositoryId(fullName: string): number {
  let hash = 7;
  for (const c of fullName.toLowerCase()) hash = (hash * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return hash;
}
