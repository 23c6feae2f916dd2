import { z } from "zod";

/**
 * Ferry's machine-readable record of what a PR promotes, hidden in the PR body. GitHub stays the
 * database: "which tag does the open PR carry" and "what ran before" are read back from here.
 */
export const markerSchema = z.object({
  app: z.string(),
  env: z.string(),
  tag: z.string(),
  digest: z.string().optional(),
  /** Tag the environment ran before this PR, when known. */
  from: z.string().optional(),
  builtAt: z.string(),
  source: z.string().optional(),
  sha: z.string().optional(),
  rollback: z.boolean().optional(),
  /** Web URL of the source repo (the build event's), so the next environment's PR links the changes too. */
  sourceUrl: z.string().optional(),
  /** The build's page and what to call it (`workflow run #12`), carried to the next environment's PR. */
  buildUrl: z.string().optional(),
  buildLabel: z.string().optional(),
  /** Who asked for this PR through ChatOps (a GitHub login): the rollback label Ferry applies is theirs. */
  requestedBy: z.string().optional(),
});
export type Marker = z.infer<typeof markerSchema>;

const pattern = /<!-- ferry:v1 (\{.*?\}) -->/s;

export function renderMarker(marker: Marker): string {
  // `--` cannot appear inside an HTML comment; JSON never needs it unescaped.
  return `<!-- ferry:v1 ${JSON.stringify(marker).replaceAll("--", "-\\u002d")} -->`;
}

/** The marker in a PR body, or undefined when there is none or it was edited into nonsense. */
export function parseMarker(body: string | null | undefined): Marker | undefined {
  const match = body ? pattern.exec(body) : null;
  return match?.[1] ? markerFromJson(match[1]) : undefined;
}

/** Trailer on every commit Ferry makes, so a human commit on a Ferry branch is recognisable. */
export const commitTrailer = "Ferry-Promotion:";
/**
 * Trailer carrying the marker in the commit itself. GitHub sends `synchronize` for a moved head
 * before `edited` for the new body, so only the commit says what a just-updated PR promotes.
 */
export const markerTrailer = "Ferry-Marker:";

export function isFerryCommit(message: string | undefined): boolean {
  return message?.split("\n").some((line) => line.startsWith(commitTrailer)) ?? false;
}

/** The git trailers Ferry writes under its commit's title. */
export function commitTrailers(marker: Marker): string {
  return `${commitTrailer} ${marker.app}@${marker.tag} ${marker.env}\n${markerTrailer} ${JSON.stringify(marker)}`;
}

/** The marker in a Ferry commit's trailers; undefined for any other commit (or one Ferry wrote before markers moved there). */
export function parseCommitMarker(message: string | null | undefined): Marker | undefined {
  if (!isFerryCommit(message ?? undefined)) return undefined;
  const line = message
    ?.split("\n")
    .reverse()
    .find((l) => l.startsWith(markerTrailer));
  return line ? markerFromJson(line.slice(markerTrailer.length).trim()) : undefined;
}

function markerFromJson(json: string): Marker | undefined {
  try {
    const parsed = markerSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
